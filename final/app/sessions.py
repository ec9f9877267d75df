"""Sessions that really end: a per-user token in every login (see User.get_id)."""

from flask import current_app
from flask import request
from flask_login import current_user
from flask_login import login_user

from app import db


def end_other_sessions():
    """Sign the current user out of every other browser, and keep this one signed in.

    After a change to how the account is protected (2FA on or off), a session opened before
    it, perhaps by someone else, must not go on.
    """
    user = current_user._get_current_object()
    user.end_sessions()
    db.session.commit()
    # This browser gets the new token; with a new remember cookie if it had one.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)
