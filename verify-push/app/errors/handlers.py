import sqlalchemy as sa
from flask import current_app
from flask import render_template
from flask import render_template_string

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


# The database could not serve the request now: SQLite's write lock still held by others
# after SQLITE_TIMEOUT seconds ("database is locked", under a flood of logins), or a
# database server that is restarting or out of connections. A passing state, so 503 Service
# Unavailable with a Retry-After, rather than a 500.
BUSY = """{% extends "base.html" %}
{% block content %}
<h1>Busy, please try again</h1>
<p>The site has more requests than it can handle at the moment. Please try again in a
few seconds.</p>
<p><a href="{{ url_for('main.index') }}">Back to the home page</a></p>
{% endblock %}"""


@bp.app_errorhandler(sa.exc.OperationalError)
def database_busy(error):
    db.session.rollback()
    current_app.logger.warning("The database could not serve a request: %s", error.orig)
    page = render_template_string(BUSY, title="Busy, please try again")
    return page, 503, {"Retry-After": "5"}
