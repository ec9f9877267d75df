"""The simulated phone as a Twilio Verify Push device, beside its Authy accounts.

What the Verify Push SDK does on a real phone, done by fake_authy/verify/device.py over real
HTTP to this fake's own /v2, with the same checks the service makes of any device:

- Scanning `verifypush://enrol?service=VA...&identity=...&token=...` (the link an app's QR
  code holds: its Verify Service, the user's entity and an access token) makes a P-256 key
  pair, creates the push factor with the access token and verifies it by signing its sid.
- The phone keeps each factor and its private key in the fake's store (table phone_factors),
  so they survive a restart of the fake; a reset empties them with everything else.
- It lists the pending challenges of its factors by asking the service, as the SDK does for a
  factor with notification platform "none" (no push notifications: it polls).
- Approve and Deny sign the answer with the factor's key (Device.answer).

The phone's calls carry the header X-Fake-Authy-Phone, so that the test controls stay about
the app: they do not appear in the call log and the fault mode does not apply to them.
phone.py gives them the same routes and the same look as Authy's requests.
"""

import time
from contextlib import suppress
from datetime import datetime
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import request

from .state import fake
from .verify.device import Device
from .verify.device import DeviceError
from .verify.device import Factor
from .verify.routes import IDENTITY
from .verify.routes import PHONE_HEADER
from .verify.routes import SID
from .verify.store import VerifyStore

LINK_EXAMPLE = "verifypush://enrol?service=VA...&identity=...&token=..."
# The factor's name when the app's access token gives none (FactorFriendlyName).
DEFAULT_FRIENDLY_NAME = "Simulated phone"
# Where the server listens, as the phone dials it: a wildcard address is reached on loopback.
LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


class VerifyRefused(Exception):
    """Twilio Verify (or the way to it) refused what the phone asked; .status for the answer."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def is_enrolment_link(link):
    return link.lower().startswith("verifypush:")


def store():
    return VerifyStore(fake().store, fake().settings.verify_service_sid)


def device():
    """A device that talks to this server's own /v2, at the address it listens on (never the
    Host header a caller sent)."""
    host = request.environ.get("SERVER_NAME", "127.0.0.1")
    host = LOOPBACK.get(host, host)
    host = f"[{host}]" if ":" in host else host
    return Device(f"http://{host}:{request.environ.get('SERVER_PORT', '80')}/v2", headers={PHONE_HEADER: "1"})


def factor_of(row):
    """A stored factor as the device uses it, with its private key."""
    key = serialization.load_pem_private_key(row["private_key"].encode(), password=None)
    return Factor(row["factor_sid"], row["service_sid"], row["identity"], row["account_sid"],
                  row["credential_sid"], "verified", key)


def enrolment_params(link, scan_error):
    """(service sid, identity, access token) of a verifypush://enrol link."""
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    query = parse_qs(parts.query) if parts else {}
    service_sid, identity, token = (query.get(name, [""])[0] for name in ("service", "identity", "token"))
    if not parts or parts.scheme != "verifypush" or parts.netloc != "enrol" or not token:
        raise scan_error(f"Not a Verify Push link: expected {LINK_EXAMPLE}")
    if not SID["VA"].fullmatch(service_sid):
        raise scan_error("The link's service must be a Verify Service sid: VA and 32 hex digits.")
    if not IDENTITY.fullmatch(identity):
        raise scan_error("The link's identity must be 8 to 64 letters, digits or -.")
    return service_sid, identity, token


def enrol(link, scan_error):
    """Create and verify a factor for the link's entity; what the phone added."""
    service_sid, identity, token = enrolment_params(link, scan_error)
    name = friendly_name(service_sid, token)
    phone = device()
    try:
        factor = phone.create_factor(token, service_sid, identity, name, key=ec.generate_private_key(ec.SECP256R1()))
    except DeviceError as error:
        raise scan_error(refusal_text(error, "the access token")) from None
    except requests.RequestException:
        raise scan_error("The phone could not reach Twilio Verify.") from None
    try:
        phone.verify_factor(factor)
    except (DeviceError, requests.RequestException):
        with suppress(DeviceError, requests.RequestException):  # nothing half done stays behind
            phone.delete_factor(factor)
        raise scan_error("Twilio Verify did not verify the new factor: scan the QR code again.") from None
    app_name = store().service(service_sid)["friendly_name"]
    pem = factor.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()).decode()
    store().add_phone_factor({
        "factor_sid": factor.sid, "service_sid": service_sid, "identity": identity,
        "account_sid": factor.account_sid, "credential_sid": factor.credential_sid,
        "friendly_name": name, "app_name": app_name, "private_key": pem,
    })
    return {"kind": "verify", "factor_sid": factor.sid, "identity": identity, "service_sid": service_sid,
            "app_name": app_name, "friendly_name": name, "status": factor.status}


def friendly_name(service_sid, token):
    """The name the app gave the factor in its access token (FactorFriendlyName), else ours.

    The SDK is given the name by the app that embeds it; this phone reads it where the app left
    it. The token is not checked here: creating the factor checks it.
    """
    try:
        token_sid = jwt.decode(token, options={"verify_signature": False}).get("jti")
    except jwt.InvalidTokenError:
        return DEFAULT_FRIENDLY_NAME
    found = isinstance(token_sid, str) and SID["YK"].fullmatch(token_sid) and store().access_token(service_sid, token_sid)
    return (found and found["factor_friendly_name"]) or DEFAULT_FRIENDLY_NAME


def refusal_text(error, what):
    """Twilio's refusal in words for the person holding the phone."""
    body = error.body if isinstance(error.body, dict) else {}
    code, message = body.get("code"), body.get("message") or "no reason given"
    if error.status_code == 401 and what == "the access token":
        return (f"Twilio Verify refused the access token (error {code}): it has expired or is not for this "
                "service and identity. Show a new QR code.")
    if error.status_code == 401:
        return (f"Twilio Verify refused the phone's signature (error {code}): the phone's key for this factor "
                "is not the one Verify has.")
    if error.status_code == 404:
        return f"Twilio Verify does not know this {'service' if what == 'the access token' else 'request'} (error {code})."
    return f"Twilio Verify refused it (error {code}): {message}"


def factors():
    """The phone's factors that the service still has: one deleted by the app (or with its
    entity) is gone from the phone too, as the SDK drops a factor the service no longer knows."""
    return store().forget_phone_factors_gone()


def accounts():
    return [
        {
            "kind": "verify",
            "authy_id": None,
            "factor_sid": row["factor_sid"],
            "identity": row["identity"],
            "service_sid": row["service_sid"],
            "app_name": row["app_name"],
            "friendly_name": row["friendly_name"],
        }
        for row in factors()
    ]


def challenges(status, request_json):
    """The challenges of every factor, as the service lists them to the device: pairs of the
    time it was created (to the microsecond, from the store, to sort them among Authy's
    requests) and `request_json(challenge, row)`. A factor the service will not list for is
    skipped: the phone shows what it can."""
    phone = device()
    found = []
    for row in factors():
        try:
            listed = phone.challenges(factor_of(row), status=status)
        except (DeviceError, requests.RequestException):
            continue
        for challenge in listed:
            stored = store().challenge(challenge["sid"])
            found.append((stored["created_at"] if stored else 0, request_json(challenge, row)))
    return found


def owner(challenge_sid):
    """The phone's factor that a challenge is for, or None. A real push notification names the
    factor with the challenge; this phone has no notifications, so it asks its own store."""
    if not SID["YC"].fullmatch(challenge_sid):
        return None
    challenge = store().challenge(challenge_sid)
    return challenge and store().phone_factor(challenge["factor_sid"])


def answer(row, challenge_sid, status):
    """Approve or deny: (challenge as the service answered it, changed)."""
    phone = device()
    factor = factor_of(row)
    try:
        challenge, _ = phone.challenge(factor, challenge_sid)
        if challenge["status"] != "pending":
            return challenge, False
        return phone.answer(factor, challenge_sid, status), True
    except DeviceError as error:
        if isinstance(error.body, dict) and error.body.get("code") == 60323:  # expired meanwhile
            return {"sid": challenge_sid, "status": "expired"}, False
        status = 403 if error.status_code in (401, 403) else 409
        raise VerifyRefused(refusal_text(error, "the phone's key"), status) from None
    except requests.RequestException:
        raise VerifyRefused("The phone could not reach Twilio Verify.", 503) from None


def seconds_left(expiration_date):
    if not expiration_date:
        return None
    at = datetime.fromisoformat(expiration_date.replace("Z", "+00:00")).timestamp()
    return max(0, int(at - time.time()))
