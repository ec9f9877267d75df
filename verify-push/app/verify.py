"""Everything the app asks Twilio Verify, in one place: with timeouts, and one way to fail.

Verify Push (Verify API v2) through the official `twilio` library. A user of this app is an
*entity* at Verify, named by a random identity (never the username: Verify needs no personal
data); their phone is a *factor* of that entity, an ES256 public key the phone made itself;
a login is a *challenge* the phone approves or denies by signing it.
"""

import json
import re
import secrets
import time
from datetime import timedelta
from typing import NamedTuple
from urllib.parse import urlencode

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.events import event
from app.models import utcnow

# What a Verify sid looks like (a challenge's YC..., a factor's YF...): two letters, 32 hex.
SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")


class VerifyError(Exception):
    """Verify did not answer, or answered something we cannot trust; the message is for users.

    `refused` is True when Verify answered with an error (HTTP 400 or more): it did not do
    what was asked. Otherwise (no answer in time, a lost connection, an answer we cannot
    read) it may have done it, and a challenge may be on its way to the phone.
    """

    def __init__(self, message="We could not reach Twilio Verify. Please try again in a moment.",
                 refused=False):
        super().__init__(message)
        self.refused = refused


class FactorGone(VerifyError):
    """Verify says the user's factor (or their entity) is gone: no phone can approve for them."""

    def __init__(self):
        super().__init__("Twilio Verify no longer knows the phone of this account.")


# Twilio's error code for a resource it does not know (an entity, a factor, a challenge).
NOT_FOUND = 20404


def init_app(app):
    """Check VERIFY_TIMEOUT, the seconds every call to Verify may take (create_app calls this)."""
    seconds = app.config["VERIFY_TIMEOUT"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise RuntimeError(f"VERIFY_TIMEOUT must be a number of seconds above 0, not {seconds!r}")
    # Unlike the authy client, the twilio library takes a timeout: each call gets one below.
    app.extensions["verify"] = True


def _service():
    """The Verify Service of the settings, through a client with the app's timeout."""
    config = current_app.config
    if "verify" not in current_app.extensions:
        raise RuntimeError("Call app.verify.init_app(app) in create_app(): it checks the timeout")
    http = TwilioHttpClient(timeout=config["VERIFY_TIMEOUT"])
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)
    # https://verify.twilio.com by default; the bundled fake in development and tests.
    client.verify.base_url = config["TWILIO_VERIFY_BASE_URL"]
    return client.verify.v2.services(config["TWILIO_VERIFY_SERVICE_SID"])


def _failure(reason, status=None):
    """The error to raise, once the log says why (for whoever runs the site)."""
    # Never the auth token or an access token: only what went wrong.
    current_app.logger.warning("Verify call failed: %s", reason)
    event("verify_error", reason=reason)
    return VerifyError(refused=status is not None and status >= 400)


def _call(method, *args, **kwargs):
    """Call a method of the twilio library; TwilioRestException is left to the caller."""
    try:
        return method(*args, **kwargs)
    except TwilioRestException:
        raise
    except requests.RequestException as error:  # refused, timed out, ...
        raise _failure(type(error).__name__)
    except TwilioException as error:
        # A list's error comes as TwilioException("Unable to fetch page", response): the
        # same refusal as any other call's, once its envelope is read.
        response = error.args[1] if len(error.args) == 2 else None
        if response is None or not hasattr(response, "status_code"):
            raise _failure(f"the call or its answer could not be handled: {error!r}")
        try:
            code = json.loads(response.text).get("code")
        except (ValueError, AttributeError):
            code = None
        raise TwilioRestException(response.status_code, "", str(error), code)
    except (ValueError, LookupError, TypeError, AttributeError) as error:
        # An answer the library could not read (HTML, not JSON), or a bug in this call.
        raise _failure(f"the call or its answer could not be handled: {error!r}")


def _refused(error):
    return _failure(f"HTTP {error.status}, error code {error.code!r}", error.status)


def new_identity():
    """A new entity identity for one enrolment: random, so that no other QR code names it."""
    return secrets.token_hex(16)


def access_token(identity, username):
    """An access token that lets one phone create a factor for `identity`; (token, expiry).

    It lasts QR_EXPIRY seconds (Verify allows 60 to 300): the QR code carries it.
    """
    seconds = current_app.config["QR_EXPIRY"]
    try:
        token = _call(
            _service().access_tokens.create,
            identity=identity,
            factor_type="push",
            factor_friendly_name=f"{current_app.config['VERIFY_APP_NAME']}: {username}",
            ttl=seconds,
        )
    except TwilioRestException as error:
        raise _refused(error)
    if not isinstance(token.token, str) or not token.token:
        raise _failure("an access token without a token")
    return token.token, time.time() + seconds


def enrolment_link(identity, token):
    """What the QR code says: everything the phone needs to create and verify its factor."""
    query = {
        "service": current_app.config["TWILIO_VERIFY_SERVICE_SID"],
        "identity": identity,
        "token": token,
    }
    return "verifypush://enrol?" + urlencode(query)


def enrolment_status(identity):
    """Has a phone created and verified a factor for `identity`? ("verified", factor_sid),
    or ("pending", None) while it has not."""
    try:
        factors = _call(_service().entities(identity).factors.list, limit=20)
    except TwilioRestException as error:
        if error.status == 404 and error.code == NOT_FOUND:
            return "pending", None  # no phone has used the QR code yet
        raise _refused(error)
    for factor in factors:
        if factor.status == "verified" and factor.factor_type == "push":
            if not isinstance(factor.sid, str) or not SID.fullmatch(factor.sid):
                raise _failure(f"a verified factor with sid {factor.sid!r}")
            return "verified", factor.sid
    return "pending", None


class Answer(NamedTuple):
    """What Verify says about a challenge: its status, and which challenge and factor it is."""

    status: str
    sid: str
    factor_sid: str


def send_challenge(identity, factor_sid, message, fields, seconds):
    """Create the challenge that asks the user to approve a login; returns its sid.

    `fields` (label, value) pairs are shown on the phone under `message`.
    """
    try:
        challenge = _call(
            _service().entities(identity).challenges.create,
            factor_sid=factor_sid,
            details_message=message,
            details_fields=[{"label": label, "value": value} for label, value in fields],
            expiration_date=utcnow() + timedelta(seconds=seconds),
        )
    except TwilioRestException as error:
        if error.status == 404 and error.code == NOT_FOUND:
            current_app.logger.warning("Verify does not know factor %s any more", factor_sid)
            raise FactorGone()
        raise _refused(error)
    if not isinstance(challenge.sid, str) or not SID.fullmatch(challenge.sid):
        raise _failure("a challenge without a usable sid")
    return challenge.sid


def challenge_status(identity, sid):
    """Has the user answered the challenge? pending, approved, denied or expired."""
    try:
        challenge = _call(_service().entities(identity).challenges(sid).fetch)
    except TwilioRestException as error:
        raise _refused(error)
    answer = Answer(challenge.status, challenge.sid, challenge.factor_sid)
    if answer.status not in ("pending", "approved", "denied", "expired"):
        raise _failure(f"challenge status {answer.status!r}")
    return answer


def delete_factor(identity, factor_sid):
    """Delete the user's factor: their phone can no longer approve logins here."""
    try:
        _call(_service().entities(identity).factors(factor_sid).delete)
    except TwilioRestException as error:
        if error.status == 404 and error.code == NOT_FOUND:
            return  # already gone, which is what we wanted
        if error.status < 500:
            raise _refused(error)  # a clear refusal
        _refused(error)  # for the log
    except VerifyError:
        pass  # no answer, or none we can read
    # Done, or a timeout, a lost connection or an error at Verify: the delete may have been
    # done or not, and the library calls any 2xx (even a proxy's page) done. Verify's own
    # word on the factor decides.
    if factor_exists(identity, factor_sid):
        raise VerifyError()


def factor_exists(identity, factor_sid):
    """Does Verify still know this factor? VerifyError when it cannot say."""
    try:
        _call(_service().entities(identity).factors(factor_sid).fetch)
    except TwilioRestException as error:
        if error.status == 404 and error.code == NOT_FOUND:
            return False
        raise _refused(error)
    return True
