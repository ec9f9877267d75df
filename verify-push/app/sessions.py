"""Sessions that really end (a per-user token in every login, see User.get_id), and fresh
logins for the changes that need one."""

import functools
import time

from flask import current_app
from flask import request
from flask import session
from flask_login import current_user
from flask_login import login_fresh
from flask_login import login_required
from flask_login import login_user

from app import db
from app import devices
from app import login


def end_other_sessions():
    """Sign the current user out of every other browser, and keep this one signed in.

    After a change to how the account is protected (2FA on or off, a new password), a session
    opened before it, perhaps by someone else, must not go on.
    """
    user = current_user._get_current_object()
    user.end_sessions()
    db.session.commit()
    # This browser gets the new token; with a new remember cookie if it had one.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


# When this browser's user last proved who they are (a password, or an approved push).
AUTHENTICATED_AT = "authenticated_at"


def authenticated_now():
    """Note that the user has just proved who they are: the session is fresh, and this
    browser is one of the account's known devices (app/devices.py)."""
    session[AUTHENTICATED_AT] = time.time()
    devices.remember(current_user)


def recently_authenticated():
    """True if the user proved who they are within FRESH_AUTH_SECONDS, in this very session.

    A session restored from the remember cookie is never fresh: Flask-Login marks it so.
    """
    proved = session.get(AUTHENTICATED_AT)
    return (
        login_fresh()
        and isinstance(proved, float)
        and 0 <= time.time() - proved <= current_app.config["FRESH_AUTH_SECONDS"]
    )


def fresh_login_required(view):
    """Like login_required, and the login must be recent: for changes to the account's
    protection, which someone at an unattended, signed-in computer must not be able to make."""

    @functools.wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not recently_authenticated():
            # Flashes a message and goes to the password page (login.refresh_view), with next.
            return login.needs_refresh()
        return view(*args, **kwargs)

    return checked
