"""Everything the app asks Authy, in one place: with timeouts, and one way to fail."""

import re
import secrets
import time
import types
from typing import NamedTuple

import authy.api.resources
import jwt
import requests
from authy.api import AuthyApiClient
from flask import current_app

from app.events import event

# What an approval request's uuid looks like: it goes into a URL path, so nothing else will do.
UUID = re.compile(r"[0-9A-Za-z-]{1,64}")


class AuthyError(Exception):
    """Authy did not answer, or answered something we cannot trust; the message is for users.

    `refused` is True when Authy answered with an error (HTTP 400 or more): it did not do
    what was asked. Otherwise (no answer in time, a lost connection, an answer we cannot
    read) it may have done it, and a push may be on its way to the phone.
    """

    def __init__(self, message="We could not reach Authy. Please try again in a moment.",
                 refused=False):
        super().__init__(message)
        self.refused = refused


class UserGone(AuthyError):
    """Authy says it does not know the user (any more): no phone can approve for them."""

    def __init__(self):
        super().__init__("Authy no longer knows the phone of this account.")


# Authy's error code for a user it does not know: the user was removed (or never existed).
USER_NOT_FOUND = "60026"


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


def _failure(reason, status=None):
    """The error to raise, once the log says why (for whoever runs the site)."""
    # Never the API key or a JWT: only what went wrong.
    current_app.logger.warning("Authy call failed: %s", reason)
    event("authy_error", reason=reason)
    return AuthyError(refused=status is not None and status >= 400)


def _call(method, *args):
    """Call a method of the authy client: Authy's HTTP status and its JSON answer."""
    try:
        answer = method(*args)
    except requests.RequestException as error:  # refused, timed out, ...
        raise _failure(type(error).__name__)
    except (LookupError, TypeError, authy.AuthyFormatException) as error:
        # The client choked on an odd answer, or the call itself was wrong (a bug in this app):
        # the log shows the error, to tell which.
        raise _failure(f"the call or its answer could not be handled: {error!r}")
    status = answer.response.status_code
    if not isinstance(answer.content, dict):
        raise _failure(f"HTTP {status} without a JSON object", status)
    return status, answer.content


def _success(status, body, key=None):
    """A successful answer, or its part `key`; anything else is a failure."""
    part = body if key is None else body.get(key)
    if status != 200 or body.get("success") is not True or not isinstance(part, dict):
        raise _failure(f"HTTP {status}, error code {body.get('error_code')!r}", status)
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


class Answer(NamedTuple):
    """What Authy says about a login request: its status, and which request and user it is."""

    status: str
    uuid: str
    authy_id: int


def send_login_request(authy_id, details, seconds):
    """Send the push that asks the user to approve a login; returns the request's uuid."""
    message = f"Log in to {current_app.config['AUTHY_APP_NAME']}"
    status, body = _call(_client().one_touch.send_request, authy_id, message, seconds, details)
    if status == 404 and body.get("error_code") == USER_NOT_FOUND:
        current_app.logger.warning("Authy does not know authy_id %s any more", authy_id)
        raise UserGone()
    uuid = _success(status, body, "approval_request").get("uuid")
    if not isinstance(uuid, str) or not UUID.fullmatch(uuid):
        raise _failure("an approval request without a usable uuid")
    return uuid


def login_request_status(uuid):
    """Has the user answered the push? pending, approved, denied or expired."""
    status, body = _call(_client().one_touch.get_approval_status, uuid)
    request = _success(status, body, "approval_request")
    answer = Answer(request.get("status"), request.get("uuid"), request.get("_authy_id"))
    if answer.status not in ("pending", "approved", "denied", "expired"):
        raise _failure(f"approval request status {answer.status!r}")
    if type(answer.authy_id) is not int:
        raise _failure(f"approval request for authy_id {answer.authy_id!r}")
    return answer


# Authy's error code for a wrong code, or one used before.
TOKEN_INVALID = "60020"


def code_is_valid(authy_id, code):
    """Is `code` the one the user's Authy app shows now? Authy accepts each code once.

    `code` is text of digits (a number would lose a leading zero). force=true makes Authy
    check it whatever it knows of the user's devices (docs/fake-authy.md, "One-time codes").
    """
    status, body = _call(_client().tokens.verify, authy_id, code, {"force": "true"})
    if status == 401 and body.get("error_code") == TOKEN_INVALID:
        return False
    # Only Authy's exact yes counts; its "success" is the text "true" here, not a boolean.
    if status == 200 and body.get("token") == "is valid":
        return True
    raise _failure(f"code check: HTTP {status}, error code {body.get('error_code')!r}", status)


def delete_user(authy_id):
    """Remove the user from Authy: their phone can no longer approve logins here."""
    try:
        status, body = _call(_client().users.delete, authy_id)
    except AuthyError:
        status, body = None, {}  # no answer, or none we can read
    if status is not None and status < 500:
        if status == 404 and body.get("error_code") == USER_NOT_FOUND:
            return  # already gone, which is what we wanted
        _success(status, body)  # done, or a clear refusal (AuthyError)
        return
    # A timeout, a lost connection or an error at Authy: the delete may have been done all
    # the same, and only its answer lost. Authy's own word on the user decides.
    if status is not None:
        _failure(f"HTTP {status}, error code {body.get('error_code')!r}")  # for the log
    if user_exists(authy_id):
        raise AuthyError()


def user_exists(authy_id):
    """Does Authy still know this user? AuthyError when it cannot say."""
    status, body = _call(_client().users.status, authy_id)
    if status == 404 and body.get("error_code") == USER_NOT_FOUND:
        return False
    _success(status, body, "status")
    return True
