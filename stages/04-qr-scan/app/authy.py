"""Everything the app asks Authy, in one place: with timeouts, and one way to fail."""

import secrets
import time
import types

import authy.api.resources
import jwt
import requests
from authy.api import AuthyApiClient
from flask import current_app


class AuthyError(Exception):
    """Authy did not answer, or answered something we cannot trust; the message is for users."""

    def __init__(self, message="We could not reach Authy. Please try again in a moment."):
        super().__init__(message)


def _request_with_timeout(method, url, **kwargs):
    seconds = current_app.config["AUTHY_TIMEOUT"]
    # (connect, read): how long to wait for the connection, then for each part of the answer.
    return requests.request(method, url, timeout=(seconds, seconds), **kwargs)


# What the authy client's module gets as its `requests`: only request(), with our timeouts.
REQUESTS_WITH_TIMEOUTS = types.SimpleNamespace(request=_request_with_timeout)


def init_app(app):
    """Give the app's calls to Authy a timeout: AUTHY_TIMEOUT seconds (create_app calls this)."""
    seconds = app.config["AUTHY_TIMEOUT"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise RuntimeError(f"AUTHY_TIMEOUT must be a number of seconds above 0, not {seconds!r}")
    # The authy client calls requests.request() with no timeout, and has no setting for one: a
    # slow Authy would hold the user's request, and a server worker, for ever. The client looks
    # up the name `requests` in its module, authy.api.resources, at each call, so that module
    # gets a `requests` of its own whose request() adds the timeouts of the app it runs in.
    # This changes the client for the whole process, not only for this app: that is why it
    # happens here, where create_app() shows it, and not on import. Doing it again is harmless.
    authy.api.resources.requests = REQUESTS_WITH_TIMEOUTS
    app.extensions["authy"] = True


def _client():
    config = current_app.config
    if "authy" not in current_app.extensions:
        raise RuntimeError("Call app.authy.init_app(app) in create_app(): it sets the timeouts")
    return AuthyApiClient(config["AUTHY_PRODUCTION_API_KEY"], api_uri=config["AUTHY_API_URL"])


def _failure(reason):
    """The error to raise, once the log says why (for whoever runs the site)."""
    # Never the API key or a JWT: only what went wrong.
    current_app.logger.warning("Authy call failed: %s", reason)
    return AuthyError()


def _call(method, *args):
    """Call a method of the authy client: Authy's HTTP status and its JSON answer."""
    try:
        answer = method(*args)
    except requests.RequestException as error:  # refused, timed out, ...
        raise _failure(type(error).__name__)
    except (LookupError, TypeError) as error:
        # The client choked on an odd answer, or the call itself was wrong (a bug in this app):
        # the log shows the error, to tell which.
        raise _failure(f"the call or its answer could not be handled: {error!r}")
    status = answer.response.status_code
    if not isinstance(answer.content, dict):
        raise _failure(f"HTTP {status} without a JSON object")
    return status, answer.content


def _success(status, body, key=None):
    """A successful answer, or its part `key`; anything else is a failure."""
    part = body if key is None else body.get(key)
    if status != 200 or body.get("success") is not True or not isinstance(part, dict):
        raise _failure(f"HTTP {status}, error code {body.get('error_code')!r}")
    return part


def new_registration_id():
    """A new custom_user_id for one QR code: random, so that no other QR code has it."""
    return secrets.token_hex(16)


def registration_jwt(registration_id):
    """The signed token that the QR code hands to the Authy app: "add this user"."""
    config = current_app.config
    now = int(time.time())
    claims = {
        "iss": config["AUTHY_APP_NAME"],
        "iat": now,
        "exp": now + config["QR_EXPIRY"],
        "context": {
            "custom_user_id": registration_id,
            "authy_app_id": str(config["AUTHY_APP_ID"]),
        },
    }
    return jwt.encode(claims, config["AUTHY_PRODUCTION_API_KEY"], algorithm="HS256")


def registration_id_of(token):
    """The custom_user_id of a registration JWT, or None once it has expired (or is not ours)."""
    config = current_app.config
    try:
        claims = jwt.decode(
            token,
            config["AUTHY_PRODUCTION_API_KEY"],
            algorithms=["HS256"],
            issuer=config["AUTHY_APP_NAME"],
            options={"require": ["exp", "iat"]},
        )
        return claims["context"]["custom_user_id"]
    except (jwt.InvalidTokenError, LookupError, TypeError):
        return None


def registration_link(token):
    """What the QR code says: the link the Authy app opens."""
    return f"authy://account?token={token}"


def registration_status(registration_id):
    """Has a phone scanned this QR code? ("completed", authy_id), or (status, None)."""
    status, body = _call(_client().users.registration_status, registration_id)
    if status == 404 and body.get("error_code") == "60035":
        return "pending", None  # Authy has not seen the QR code yet
    registration = _success(status, body, "registration")
    state = registration.get("status")
    authy_id = registration.get("authy_id")
    if state == "completed":
        # Only a positive whole number can be an Authy user id (True is an int in Python).
        if type(authy_id) is not int or authy_id <= 0:
            raise _failure(f"completed with authy_id {authy_id!r}")
        return state, authy_id
    if state not in ("pending", "denied", "expired"):
        raise _failure(f"registration status {state!r}")
    return state, None
