"""The Verify API v2 routes: what the `twilio` library (the app) and the Verify Push SDKs
(the device) call, under /v2 as on https://verify.twilio.com/v2.

Who may call what, as Twilio's API decides it:

- the app authenticates with HTTP Basic, the account sid and its auth token;
- a device creating its factor, with user `token` and the access token the app made;
- a device afterwards, with user `token` and a JWT signed by its factor's key (keys.py).

Parameters come as a form with Twilio's dotted names (Details.Message, Config.AppId), and a
list as the same name repeated (Details.Fields, EventTypes). docs/fake-verify.md lists every
route, parameter, answer and error code, and says where the public sources are silent.
"""

import hmac
import json
import re
import time
from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import request

from ..api import answer_late
from ..state import Fault
from ..state import fake
from . import keys
from . import webhooks
from . import wire
from .store import VerifyStore
from .wire import TwilioError
from .wire import invalid
from .wire import not_found

bp = Blueprint("verify", __name__, url_prefix="/v2")

PREFIX = "/v2/"
SID = {prefix: re.compile(prefix + "[0-9a-f]{32}") for prefix in ("VA", "YE", "YF", "YC", "YK", "YW")}
# The library's docstrings: "length between 8 and 64 characters", "dash (-) separated
# alphanumeric characters" (and no personal data: a user's UUID, not their email).
IDENTITY = re.compile(r"[A-Za-z0-9-]{8,64}")
MAX_VALUE_CHARS = 5456  # the longest AuthPayload Twilio documents; no parameter may be longer
MAX_NAME_CHARS = 64
MAX_MESSAGE_CHARS = 256
MAX_FIELDS, MAX_LABEL_CHARS, MAX_FIELD_VALUE_CHARS = 20, 36, 128
MAX_HIDDEN_DETAILS_CHARS = 1024
DEFAULT_CHALLENGE_SECONDS, MAX_CHALLENGE_SECONDS = 300, 3600
DEFAULT_TOKEN_TTL, MIN_TOKEN_TTL, MAX_TOKEN_TTL = 60, 60, 300
NOTIFICATION_PLATFORMS = ("apn", "fcm", "none")
CHALLENGE_STATUSES = ("pending", "expired", "approved", "denied")
# The challenge fields a device signs when it answers, sent in this header of a pending
# challenge (the SDKs read it; the real list is not public: see docs/fake-verify.md).
SIGNATURE_FIELDS_HEADER = "Twilio-Verify-Signature-Fields"
SIGNATURE_FIELDS = ("sid", "factor_sid", "details", "hidden_details", "date_created", "expiration_date")
# Sent by the simulated phone (fake_authy/phone_verify.py): its calls are not the app's, so the
# test controls' fault mode and call log leave them out.
PHONE_HEADER = "X-Fake-Authy-Phone"


def is_verify_path(path):
    return path.startswith(PREFIX) or path == PREFIX.rstrip("/")


def verify_store():
    return VerifyStore(fake().store, fake().settings.verify_service_sid)


def account_sid():
    return fake().settings.account_sid


@bp.errorhandler(TwilioError)
def twilio_error(error):
    return error.body, error.status


def http_error(error):
    """Flask's own errors on /v2 paths (unknown path, wrong method, body too large)."""
    if error.code == 404:
        return not_found().body, 404
    code = {405: 20004, 413: 60306}.get(error.code, 20500)
    return TwilioError(error.code, code, error.description).body, error.code


@bp.before_request
def misbehave_then_authenticate():
    """The fault mode (test control) as on the Authy paths, then who is calling."""
    # The simulated phone's own calls (fake_authy/phone_verify.py): the fault mode is for the app's.
    fault = Fault() if request.headers.get(PHONE_HEADER) else fake().take_fault()
    if fault.mode == "slow":
        time.sleep(fault.seconds)
    elif fault.mode == "late":
        g.answer_after = fault.seconds
    elif fault.mode == "unavailable":
        return Response("<html><body><h1>503 Service Unavailable</h1></body></html>", 503, mimetype="text/html")
    elif fault.mode == "error":
        raise TwilioError(500, 20500, "Internal Server Error")
    elif fault.mode == "malformed":
        return Response("<html><body>Everything is fine</body></html>", 200, mimetype="text/html")
    elif fault.mode == "rate_limit":
        raise TwilioError(429, 20429, "Too Many Requests")

    auth = request.authorization
    settings = fake().settings
    if auth is None or auth.type != "basic" or not auth.username or not auth.password:
        raise authenticate()
    if auth.username == "token":
        g.caller = ("token", auth.password)
    elif constant_equal(auth.username, settings.account_sid) and constant_equal(auth.password, settings.auth_token):
        g.caller = ("account", None)
    else:
        raise authenticate()
    for name, value in (*request.args.items(multi=True), *request.form.items(multi=True)):
        if len(value) > MAX_VALUE_CHARS:
            raise invalid(f"Parameter {name} is too long (at most {MAX_VALUE_CHARS} characters)")


# The `late` fault holds the answer back the same way on both APIs.
bp.after_request(answer_late)


@bp.after_app_request
def log_call(response):
    if is_verify_path(request.path) and not request.headers.get(PHONE_HEADER):  # the app's calls
        fake().store.log_call(request.method, request.path, response.status_code)
    return response


def authenticate():
    """20003, Twilio's answer to missing or wrong credentials."""
    return TwilioError(401, 20003, "Authenticate")


def constant_equal(given, expected):
    return hmac.compare_digest(given.encode(), expected.encode())


def require_account():
    if g.caller[0] != "account":
        raise authenticate()


def device_factor(service_sid, identity):
    """The factor whose key signed this call's JWT (user `token`), if it is this entity's."""
    token = g.caller[1]
    try:
        factor = verify_store().factor_by_credential(keys.unverified_kid(token))
        if factor is None or (factor["service_sid"], factor["identity"]) != (service_sid, identity):
            raise keys.Refused("no factor of this entity has that kid")
        keys.check_device_jwt(token, factor["public_key"], account_sid())
    except keys.Refused:
        raise authenticate() from None
    return factor


def allow(service_sid, identity, factor_sid):
    """The app, or the device of `factor_sid` itself."""
    if g.caller[0] == "account":
        return
    if device_factor(service_sid, identity)["sid"] != factor_sid:
        raise authenticate()


# Reading parameters


def param(name, required=False, limit=MAX_NAME_CHARS, code=60306):
    value = request.values.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"Missing required parameter {name} in the post body", code)
        return None
    if limit and len(value) > limit:
        raise invalid(f"Invalid parameter {name}: at most {limit} characters", code)
    return value


def json_param(name, limit):
    """A parameter holding a JSON object of strings (Metadata, HiddenDetails)."""
    text = param(name, limit=limit)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid(f"Invalid parameter {name}: not JSON") from None
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise invalid(f"Invalid parameter {name}: must be a JSON object of strings")
    return value


def checked_sid(prefix, sid):
    """A sid from the path; one that cannot be a sid cannot be found either."""
    if not SID[prefix].fullmatch(sid):
        raise not_found()
    return sid


# Services


@bp.post("/Services")
def create_service():
    require_account()
    service = verify_store().create_service(param("FriendlyName", required=True))
    return wire.service_json(service, account_sid()), 201


@bp.get("/Services/<service_sid>")
def fetch_service(service_sid):
    require_account()
    return wire.service_json(service(service_sid), account_sid())


def service(service_sid):
    found = verify_store().service(checked_sid("VA", service_sid))
    if found is None:
        raise not_found()
    return found


# Entities


@bp.post("/Services/<service_sid>/Entities")
def create_entity(service_sid):
    require_account()
    service(service_sid)
    identity = identity_param()
    entity, created = verify_store().create_entity(service_sid, identity)
    if not created:
        raise invalid(f"Entity {identity} already exists")
    return wire.entity_json(entity, account_sid()), 201


def identity_param():
    identity = param("Identity", required=True)
    if not IDENTITY.fullmatch(identity):
        raise invalid("Invalid parameter Identity: 8 to 64 letters, digits or -")
    return identity


@bp.get("/Services/<service_sid>/Entities")
def list_entities(service_sid):
    require_account()
    service(service_sid)
    page, size = wire.page_params(request.args)
    items = [wire.entity_json(entity, account_sid()) for entity in verify_store().entities(service_sid)]
    return wire.page_json("entities", items, page, size, {})


@bp.get("/Services/<service_sid>/Entities/<identity>")
def fetch_entity(service_sid, identity):
    require_account()
    return wire.entity_json(entity(service_sid, identity), account_sid())


@bp.delete("/Services/<service_sid>/Entities/<identity>")
def delete_entity(service_sid, identity):
    require_account()
    entity(service_sid, identity)
    verify_store().delete_entity(service_sid, identity)
    return "", 204


def entity(service_sid, identity):
    service(service_sid)
    found = verify_store().entity(service_sid, identity)
    if found is None:
        raise not_found()
    return found


# Access tokens: the app makes one for the device, which creates its factor with it


@bp.post("/Services/<service_sid>/AccessTokens")
def create_access_token(service_sid):
    require_account()
    service(service_sid)
    identity = identity_param()
    factor_type = param("FactorType", required=True)
    if factor_type != "push":
        raise invalid("Invalid parameter FactorType: the fake implements push")
    ttl_text = param("Ttl") or str(DEFAULT_TOKEN_TTL)
    if not (ttl_text.isascii() and ttl_text.isdigit() and MIN_TOKEN_TTL <= int(ttl_text) <= MAX_TOKEN_TTL):
        raise invalid(f"Invalid parameter Ttl: a whole number of seconds from {MIN_TOKEN_TTL} to {MAX_TOKEN_TTL}")
    settings = fake().settings
    token = verify_store().create_access_token(
        service_sid,
        identity,
        factor_type,
        param("FactorFriendlyName"),
        int(ttl_text),
        lambda sid: keys.make_access_token(
            settings.auth_token, settings.account_sid, service_sid, identity, factor_type, sid, int(ttl_text)
        ),
    )
    return wire.access_token_json(token, account_sid()), 201


@bp.get("/Services/<service_sid>/AccessTokens/<token_sid>")
def fetch_access_token(service_sid, token_sid):
    require_account()
    service(service_sid)
    found = verify_store().access_token(service_sid, checked_sid("YK", token_sid))
    if found is None:
        raise not_found()
    return wire.access_token_json(found, account_sid())


# Factors: created and verified by the device


@bp.post("/Services/<service_sid>/Entities/<identity>/Factors")
def create_factor(service_sid, identity):
    service(service_sid)
    if not IDENTITY.fullmatch(identity):
        raise invalid("Invalid Identity: 8 to 64 letters, digits or -")
    if g.caller[0] == "token":
        try:
            grant = keys.check_access_token(g.caller[1], fake().settings.auth_token, account_sid())
        except keys.Refused:
            raise authenticate() from None
        if (grant.get("service_sid"), grant.get("identity")) != (service_sid, identity):
            raise authenticate()
    friendly_name = param("FriendlyName", required=True)
    if param("FactorType", required=True) != "push":
        raise invalid("Invalid parameter FactorType: the fake implements push")
    public_key = param("Binding.PublicKey", required=True, limit=1024)
    try:
        keys.public_key(public_key)
    except keys.Refused as problem:
        raise invalid(f"Invalid parameter Binding.PublicKey: {problem}") from None
    if param("Binding.Alg", required=True) != "ES256":
        raise invalid("Invalid parameter Binding.Alg: must be ES256")
    platform = param("Config.NotificationPlatform", required=True)
    if platform not in NOTIFICATION_PLATFORMS:
        raise invalid(f"Invalid parameter Config.NotificationPlatform: one of {', '.join(NOTIFICATION_PLATFORMS)}")
    config = {
        "sdk_version": param("Config.SdkVersion"),
        "app_id": param("Config.AppId", limit=255),
        "notification_platform": platform,
        "notification_token": param("Config.NotificationToken", required=platform != "none", limit=1024),
    }
    factor = verify_store().create_factor(
        service_sid, identity, friendly_name, public_key, "ES256", config, json_param("Metadata", 1024)
    )
    send_event("factor.created", factor)
    return wire.factor_json(factor, account_sid(), with_binding=True), 201


@bp.get("/Services/<service_sid>/Entities/<identity>/Factors")
def list_factors(service_sid, identity):
    require_account()
    entity(service_sid, identity)
    page, size = wire.page_params(request.args)
    items = [wire.factor_json(factor, account_sid()) for factor in verify_store().factors(service_sid, identity)]
    return wire.page_json("factors", items, page, size, {})


@bp.get("/Services/<service_sid>/Entities/<identity>/Factors/<factor_sid>")
def fetch_factor(service_sid, identity, factor_sid):
    found = factor(service_sid, identity, factor_sid)
    return wire.factor_json(found, account_sid())


@bp.post("/Services/<service_sid>/Entities/<identity>/Factors/<factor_sid>")
def update_factor(service_sid, identity, factor_sid):
    """Verify the factor (AuthPayload: its sid signed by the device's key) or update it."""
    found = factor(service_sid, identity, factor_sid)
    auth_payload = param("AuthPayload", limit=MAX_VALUE_CHARS)
    status = None
    if auth_payload is not None:
        try:
            keys.check_factor_payload(found["public_key"], found["sid"], auth_payload)
        except keys.Refused:
            raise TwilioError(403, 60311, "Factor verification failed") from None
        status = "verified"
    platform = param("Config.NotificationPlatform")
    if platform is not None and platform not in NOTIFICATION_PLATFORMS:
        raise invalid(f"Invalid parameter Config.NotificationPlatform: one of {', '.join(NOTIFICATION_PLATFORMS)}")
    config = {
        key: value
        for key, value in (
            ("notification_platform", platform),
            ("notification_token", param("Config.NotificationToken", limit=1024)),
            ("sdk_version", param("Config.SdkVersion")),
        )
        if value is not None
    }
    before, after = verify_store().update_factor(found["sid"], status, param("FriendlyName"), config)
    if after is None:
        raise not_found()
    if before["status"] != "verified" and after["status"] == "verified":
        send_event("factor.verified", after)
    return wire.factor_json(after, account_sid())


@bp.delete("/Services/<service_sid>/Entities/<identity>/Factors/<factor_sid>")
def delete_factor(service_sid, identity, factor_sid):
    factor(service_sid, identity, factor_sid)
    deleted = verify_store().delete_factor(factor_sid)
    if deleted is None:
        raise not_found()
    send_event("factor.deleted", deleted)
    return "", 204


def factor(service_sid, identity, factor_sid):
    """This entity's factor, for the app or its own device."""
    service(service_sid)
    found = verify_store().factor(checked_sid("YF", factor_sid))
    if found is None or (found["service_sid"], found["identity"]) != (service_sid, identity):
        raise not_found()
    allow(service_sid, identity, factor_sid)
    return found


# Challenges: the app creates one per login; the device answers it


@bp.post("/Services/<service_sid>/Entities/<identity>/Challenges")
def create_challenge(service_sid, identity):
    require_account()
    entity(service_sid, identity)
    factor_sid = param("FactorSid", required=True)
    if not SID["YF"].fullmatch(factor_sid):
        raise invalid("Invalid parameter FactorSid")
    found = verify_store().factor(factor_sid)
    if found is None or (found["service_sid"], found["identity"]) != (service_sid, identity):
        raise not_found()
    if found["status"] != "verified":
        raise invalid("Factor is not verified: a challenge needs a verified factor")
    details = {"message": param("Details.Message", required=True, limit=MAX_MESSAGE_CHARS, code=60368),
               "fields": fields_param()}
    challenge = verify_store().create_challenge(
        found, details, json_param("HiddenDetails", MAX_HIDDEN_DETAILS_CHARS), expiration_param()
    )
    return wire.challenge_json(challenge, account_sid()), 201


def fields_param():
    """Details.Fields: the name repeated, each value a JSON {"label", "value"}."""
    fields = []
    for text in request.form.getlist("Details.Fields"):
        try:
            field = json.loads(text)
        except ValueError:
            raise invalid("Invalid parameter Details.Fields: each must be a JSON object", 60368) from None
        if (
            not isinstance(field, dict)
            or set(field) != {"label", "value"}
            or not all(isinstance(item, str) and item for item in field.values())
        ):
            raise invalid('Invalid parameter Details.Fields: each must be {"label": ..., "value": ...}', 60368)
        if len(field["label"]) > MAX_LABEL_CHARS or len(field["value"]) > MAX_FIELD_VALUE_CHARS:
            raise invalid(
                f"Invalid parameter Details.Fields: a label has at most {MAX_LABEL_CHARS} characters, "
                f"a value {MAX_FIELD_VALUE_CHARS}",
                60368,
            )
        fields.append({"label": field["label"], "value": field["value"]})
    if len(fields) > MAX_FIELDS:
        raise invalid(f"Invalid parameter Details.Fields: at most {MAX_FIELDS} fields", 60368)
    return fields


def expiration_param():
    """ExpirationDate (ISO 8601): in the future, at most an hour away; default five minutes."""
    now = time.time()
    text = param("ExpirationDate")
    if text is None:
        return now + DEFAULT_CHALLENGE_SECONDS
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        at = when.timestamp()
    except (ValueError, OverflowError):
        raise invalid("Invalid parameter ExpirationDate: not an ISO 8601 date") from None
    if not now < at <= now + MAX_CHALLENGE_SECONDS:
        raise invalid("Invalid parameter ExpirationDate: must be in the next hour")
    return at


@bp.get("/Services/<service_sid>/Entities/<identity>/Challenges")
def list_challenges(service_sid, identity):
    entity(service_sid, identity)
    factor_sid = param("FactorSid")
    if g.caller[0] == "token":  # a device lists the challenges of its own factor, named in FactorSid
        allow(service_sid, identity, factor_sid or "")
    status = param("Status")
    if status is not None and status not in CHALLENGE_STATUSES:
        raise invalid(f"Invalid parameter Status: one of {', '.join(CHALLENGE_STATUSES)}")
    order = param("Order") or "asc"
    if order not in ("asc", "desc"):
        raise invalid("Invalid parameter Order: asc or desc")
    page, size = wire.page_params(request.args)
    found = verify_store().challenges(service_sid, identity, factor_sid, status, newest_first=order == "desc")
    items = [wire.challenge_json(challenge, account_sid()) for challenge in found]
    query = {name: value for name, value in (("FactorSid", factor_sid), ("Status", status), ("Order", order)) if value}
    return wire.page_json("challenges", items, page, size, query)


@bp.get("/Services/<service_sid>/Entities/<identity>/Challenges/<challenge_sid>")
def fetch_challenge(service_sid, identity, challenge_sid):
    found = challenge(service_sid, identity, challenge_sid)
    response = current_app.json.response(wire.challenge_json(found, account_sid()))
    if found["status"] == "pending":
        response.headers[SIGNATURE_FIELDS_HEADER] = ",".join(SIGNATURE_FIELDS)
    return response


@bp.post("/Services/<service_sid>/Entities/<identity>/Challenges/<challenge_sid>")
def update_challenge(service_sid, identity, challenge_sid):
    """Approve or deny: AuthPayload is a JWT the factor's key signed (keys.py)."""
    found = challenge(service_sid, identity, challenge_sid)
    auth_payload = param("AuthPayload", required=True, limit=MAX_VALUE_CHARS)
    metadata = json_param("Metadata", 1024)
    refuse_unless_pending(found)
    factor_found = verify_store().factor(found["factor_sid"])
    if factor_found is None:
        raise not_found()
    try:
        claims = keys.check_challenge_payload(auth_payload, factor_found["public_key"])
    except keys.Refused:
        raise TwilioError(403, 60324, "Challenge verification failed") from None
    signed = wire.challenge_json(found, account_sid())
    if claims.get("status") not in ("approved", "denied") or any(
        claims.get(field) != signed[field] for field in SIGNATURE_FIELDS
    ):
        raise TwilioError(403, 60324, "Challenge verification failed")
    answered, changed = verify_store().answer_challenge(found["sid"], claims["status"], metadata)
    if answered is None:
        raise not_found()
    if not changed:  # answered or expired a moment ago, by another call
        refuse_unless_pending(answered)
    send_event(f"challenge.{answered['status']}", factor_found, answered)
    return wire.challenge_json(answered, account_sid())


def refuse_unless_pending(found):
    if found["status"] == "expired":
        raise TwilioError(403, 60323, "Challenge expired")
    if found["status"] != "pending":
        raise invalid(f"Challenge already responded: it is {found['status']}")


def challenge(service_sid, identity, challenge_sid):
    """This entity's challenge, for the app or the device of its factor."""
    entity(service_sid, identity)
    found = verify_store().challenge(checked_sid("YC", challenge_sid))
    if found is None or (found["service_sid"], found["identity"]) != (service_sid, identity):
        raise not_found()
    allow(service_sid, identity, found["factor_sid"])
    return found


# Webhooks: the app's own configuration, as the library manages it


@bp.post("/Services/<service_sid>/Webhooks")
def create_webhook(service_sid):
    require_account()
    service(service_sid)
    webhook = verify_store().create_webhook(
        service_sid,
        param("FriendlyName", required=True),
        event_types_param(required=True),
        url_param(required=True),
        choice_param("Status", ("enabled", "disabled")) or "enabled",
        choice_param("Version", ("v1", "v2")) or "v2",
    )
    return wire.webhook_json(webhook, account_sid()), 201


@bp.get("/Services/<service_sid>/Webhooks")
def list_webhooks(service_sid):
    require_account()
    service(service_sid)
    page, size = wire.page_params(request.args)
    items = [wire.webhook_json(webhook, account_sid()) for webhook in verify_store().webhooks(service_sid)]
    return wire.page_json("webhooks", items, page, size, {})


@bp.get("/Services/<service_sid>/Webhooks/<webhook_sid>")
def fetch_webhook(service_sid, webhook_sid):
    require_account()
    return wire.webhook_json(webhook(service_sid, webhook_sid), account_sid())


@bp.post("/Services/<service_sid>/Webhooks/<webhook_sid>")
def update_webhook(service_sid, webhook_sid):
    require_account()
    webhook(service_sid, webhook_sid)
    changes = {
        "friendly_name": param("FriendlyName"),
        "event_types": event_types_param(required=False),
        "webhook_url": url_param(required=False),
        "status": choice_param("Status", ("enabled", "disabled")),
        "version": choice_param("Version", ("v1", "v2")),
    }
    updated = verify_store().update_webhook(
        service_sid, webhook_sid, {name: value for name, value in changes.items() if value is not None}
    )
    if updated is None:
        raise not_found()
    return wire.webhook_json(updated, account_sid())


@bp.delete("/Services/<service_sid>/Webhooks/<webhook_sid>")
def delete_webhook(service_sid, webhook_sid):
    require_account()
    webhook(service_sid, webhook_sid)
    if not verify_store().delete_webhook(service_sid, webhook_sid):
        raise not_found()
    return "", 204


def webhook(service_sid, webhook_sid):
    service(service_sid)
    found = verify_store().webhook(service_sid, checked_sid("YW", webhook_sid))
    if found is None:
        raise not_found()
    return found


def event_types_param(required):
    event_types = request.form.getlist("EventTypes")
    if not event_types:
        if required:
            raise invalid("Missing required parameter EventTypes in the post body")
        return None
    allowed = ("*", *webhooks.EVENT_TYPES)
    if any(event_type not in allowed for event_type in event_types):
        raise invalid(f"Invalid parameter EventTypes: each one of {', '.join(allowed)}")
    return list(dict.fromkeys(event_types))


def url_param(required):
    url = param("WebhookUrl", required=required, limit=2048)
    if url is not None and not url.startswith(("http://", "https://")):
        raise invalid("Invalid parameter WebhookUrl: must be an http(s) URL")
    return url


def choice_param(name, choices):
    value = param(name)
    if value is not None and value not in choices:
        raise invalid(f"Invalid parameter {name}: one of {', '.join(choices)}")
    return value


def send_event(event_type, factor, challenge=None):
    """Tell the service's webhooks (before answering, so a test sees the result at once)."""
    targets = verify_store().webhooks(factor["service_sid"])
    if targets:
        params = webhooks.event(event_type, account_sid(), factor, challenge)
        webhooks.send(targets, fake().settings.auth_token, params)
