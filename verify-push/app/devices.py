"""Known devices: browsers that have signed in to an account before.

NIST SP 800-63B (5.2.2) asks for password throttling that does not let an attacker lock the
owner out. So a browser that has signed in to an account gets a signed cookie naming it, and
its password attempts for that account have a count of their own (app/throttle.py): the
owner can sign in there while somebody else runs up the account's count elsewhere.
"""

import secrets

from flask import after_this_request
from flask import current_app
from flask import request
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

COOKIE = "known_device"
# How many accounts one browser remembers (the most recently signed in): the cookie stays small.
MOST = 10


def serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_devices():
    """{user id: device id} from this browser's cookie: {} when it has none, or a forged or
    outdated one."""
    seconds = current_app.config["KNOWN_DEVICE_DAYS"] * 86400
    try:
        known = serializer().loads(request.cookies.get(COOKIE, ""), max_age=seconds)
    except BadSignature:
        return {}
    return known if isinstance(known, dict) else {}


def device_id(user):
    """This browser's id as a known device of `user`'s account; None if it is not one."""
    device = known_devices().get(str(user.id)) if user is not None else None
    return device if isinstance(device, str) else None


def remember(user):
    """This browser has just signed in to `user`'s account: from now on it is one of its
    known devices (with the same id as before, if it was one already)."""
    known = known_devices()
    device = known.pop(str(user.id), None)
    known[str(user.id)] = device if isinstance(device, str) else secrets.token_urlsafe(16)
    value = serializer().dumps(dict(list(known.items())[-MOST:]))
    config = current_app.config

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            value,
            max_age=config["KNOWN_DEVICE_DAYS"] * 86400,
            path="/auth",  # only the login and password pages need it
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response
