from flask import render_template

from app import db
from app.errors import bp


@bp.app_errorhandler(400)
def bad_request(error):
    # Also shown when a form's CSRF token is missing or has expired.
    return render_template("errors/400.html", title="Bad request", error=error), 400


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/404.html", title="Page not found"), 404


@bp.app_errorhandler(413)
def request_too_large(error):
    # A body over MAX_CONTENT_LENGTH (config.py): refused before it is read.
    return render_template("errors/413.html", title="Request too large"), 413


@bp.app_errorhandler(429)
def too_many_requests(error):
    return render_template("errors/429.html", title="Too many requests"), 429


@bp.app_errorhandler(500)
def internal_error(error):
    # A failed database statement leaves the session unusable until it is rolled back.
    db.session.rollback()
    return render_template("errors/500.html", title="Something went wrong"), 500
