"""The Authy API: the same paths, parameters, status codes and JSON bodies as the real one.

This is the "responses" part of the fake: it turns HTTP into store calls and store rows into
Authy's wire format. docs/fake-authy.md ("What it implements") lists every route and answer;
Twilio's public Authy API reference and the official `authy` clients are what it follows.
"""

import hmac
import re
import time

from flask import Blueprint
from flask import Response
from flask import g
from flask import request

from .params import BadParams
from .params import request_params
from .state import fake

bp = Blueprint("api", __name__)

API_PREFIXES = ("/protected/", "/onetouch/")
DEFAULT_SECONDS_TO_EXPIRE = 86400
MAX_SECONDS_TO_EXPIRE = 2**31 - 1
ID_PATTERN = re.compile(r"[0-9]{1,18}")  # fits SQLite's 64-bit integers
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CELLPHONE_PATTERN = re.compile(r"[0-9]{6,15}")
COUNTRY_CODE_PATTERN = re.compile(r"[0-9]{1,4}")
# The token formats the official clients let through: authy-python 6 to 12 digits, the
# Node client authy-client 6 to 8. What the real service answered for other formats could
# not be confirmed; the fake takes 6 to 10 digits and answers anything else as a wrong token
# (no code of that form can be valid), never a 400 that tells the two apart.
TOKEN_PATTERN = re.compile(r"[0-9]{6,10}")
# How long a code sent by SMS stays valid: not stated anywhere public; ten minutes here.
SMS_CODE_SECONDS = 600
# The number of the simulated phone, for accounts added by QR code (the app never learns
# the number of a phone that scanned its code). 555-0100 to 555-0199 are fictional numbers.
SIMULATED_PHONE = (1, "2015550123")


class ApiError(Exception):
    """An answer in Authy's error envelope: message, success false, errors and error_code."""

    def __init__(self, status, code, message, errors=None, fields=None):
        super().__init__(message)
        self.status = status
        self.body = {
            **(fields or {}),  # 60027 repeats the field errors at the top level
            "message": message,
            "success": False,
            "errors": {"message": message} if errors is None else errors,
            "error_code": code,
        }


def is_api_path(path):
    return path.startswith(API_PREFIXES)


def parameter_error(name, problem="Parameter is required"):
    return ApiError(400, "60004", f"Invalid parameter: {name} - {problem}")


def user_not_found():
    return ApiError(404, "60026", "User not found.")


def token_invalid(message="Token is invalid"):
    """A wrong code: 401 and 60020, with "token": "is invalid" as the real service answers."""
    error = ApiError(401, "60020", message)
    error.body = {"message": message, "token": "is invalid", **error.body}
    return error


def iso(timestamp):
    """Authy's timestamps: ISO-8601 UTC to the second, with Z; None stays None."""
    return None if timestamp is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


@bp.errorhandler(ApiError)
def api_error(error):
    return error.body, error.status


def http_error(error):
    """Flask's HTTP errors on API paths (unknown route, body too large) as an envelope."""
    if error.code == 404:
        message = f"Not found: {request.path} (the fake implements OneTouch, QR registration, users, codes and SMS)"
    else:
        message = error.description
    return ApiError(error.code, "60000", message).body, error.code


@bp.before_request
def misbehave_then_authenticate():
    """Apply the fault mode (test control), check the API key, then read the parameters."""
    fault = fake().take_fault()
    if fault.mode == "slow":
        time.sleep(fault.seconds)  # the feature itself: an Authy that answers late
    elif fault.mode == "late":
        g.answer_after = fault.seconds  # carried out now, answered late (answer_late)
    elif fault.mode == "unavailable":
        # What a load balancer in front of a dead service says: not JSON at all.
        return Response("<html><body><h1>503 Service Unavailable</h1></body></html>", 503, mimetype="text/html")
    elif fault.mode == "error":
        raise ApiError(500, "60000", "An error occurred")
    elif fault.mode == "malformed":
        return Response("<html><body>Everything is fine</body></html>", 200, mimetype="text/html")
    elif fault.mode == "rate_limit":
        raise ApiError(429, "60003", "Too many requests")

    given = request.headers.get("X-Authy-API-Key") or request.args.get("api_key") or request.form.get("api_key")
    if not given or not hmac.compare_digest(given.encode(), fake().settings.api_key.encode()):
        raise ApiError(401, "60001", "Invalid API key")

    try:
        g.params = request_params(request)
    except BadParams as problem:
        raise ApiError(400, "60002", f"Invalid request: {problem}") from None
    g.params.pop("api_key", None)


@bp.after_request
def answer_late(response):
    """The `late` fault: the call has had its effect, and its answer waits (test control)."""
    seconds = g.pop("answer_after", 0)
    if seconds:
        time.sleep(seconds)
    return response


@bp.after_app_request
def log_call(response):
    # Every call to an Authy path, answered or refused (never its query string: it may
    # hold the API key).
    if is_api_path(request.path):
        fake().store.log_call(request.method, request.path, response.status_code)
    return response


# Registration by QR code


@bp.get("/protected/json/registrations/status")
def registration_status():
    custom_user_id = text_param("custom_user_id")
    registration = fake().store.registration(custom_user_id)
    if registration is None:
        raise ApiError(404, "60035", "Registration not found.")
    answer = {"status": registration["status"]}
    if registration["status"] == "completed":
        answer["authy_id"] = registration["authy_id"]
    return {"registration": answer, "success": True}


# OneTouch approval requests


@bp.post("/onetouch/json/users/<authy_id>/approval_requests")
def create_approval_request(authy_id):
    authy_id = id_from_path(authy_id)
    created = fake().store.create_approval_request(
        authy_id,
        message=text_param("message"),
        details=map_param("details"),
        hidden_details=map_param("hidden_details"),
        logos=logos_param(),
        seconds_to_expire=seconds_to_expire_param(),
    )
    if created is None:
        raise user_not_found()
    return {"approval_request": {"uuid": created["uuid"]}, "success": True}


@bp.get("/onetouch/json/approval_requests/<uuid>")
def approval_request(uuid):
    found = fake().store.approval_request(uuid)
    if found is None:
        raise ApiError(404, "60049", f"Approval request not found: {uuid}", errors={})
    return {"approval_request": approval_request_json(found), "success": True}


def approval_request_json(found):
    """The 14 fields of a real approval request."""
    settings = fake().settings
    return {
        "_app_name": settings.app_name,
        "_app_serial_id": int(settings.app_id),
        "_authy_id": found["authy_id"],
        "_id": found["object_id"],
        "_user_email": found["user_email"],
        "app_id": settings.app_object_id,
        "created_at": iso(found["created_at"]),
        "notified": False,
        "processed_at": iso(found["processed_at"]),
        "seconds_to_expire": found["seconds_to_expire"],
        "status": found["status"],
        "updated_at": iso(found["updated_at"]),
        "user_id": found["user_id"],
        "uuid": found["uuid"],
    }


# Users


@bp.post("/protected/json/users/new")
def create_user():
    user = g.params.get("user")
    if not isinstance(user, dict):
        raise parameter_error("user")
    email = str(user.get("email") or "").strip()
    cellphone = re.sub(r"[\s().-]", "", str(user.get("cellphone") or ""))
    country_code = str(user.get("country_code") or "").lstrip("+")
    invalid = {
        field: "is invalid"
        for field, value, pattern in (
            ("email", email, EMAIL_PATTERN),
            ("cellphone", cellphone, CELLPHONE_PATTERN),
            ("country_code", country_code, COUNTRY_CODE_PATTERN),
        )
        if not pattern.fullmatch(value)
    }
    if invalid:
        message = "User was not valid"
        raise ApiError(400, "60027", message, errors={**invalid, "message": message}, fields=invalid)
    authy_id = fake().store.create_user(email, cellphone, int(country_code))
    return {"message": "User created successfully.", "user": {"id": authy_id}, "success": True}


@bp.get("/protected/json/users/<authy_id>/status")
def user_status(authy_id):
    user = fake().store.user(id_from_path(authy_id))
    if user is None:
        raise user_not_found()
    cellphone = user["cellphone"]
    status = {
        "authy_id": user["authy_id"],
        "confirmed": user["confirmed"],  # a valid code used once
        "registered": user["registered"],  # has the Authy app: the simulated phone
        "country_code": user["country_code"],
        "phone_number": f"XXX-XXX-{cellphone[-4:]}" if cellphone else None,
        "email": user["email"],
        "devices": user["devices"],
        "has_hard_token": False,
        "account_disabled": False,
        "detailed_devices": [],
        "deleted_devices": [],
    }
    return {"status": status, "message": "User status.", "success": True}


# One-time codes: the phone's (TOTP), and the same code sent by SMS


@bp.get("/protected/json/verify/<token>/<authy_id>")
def verify_token(token, authy_id):
    """Check a code the user typed.

    200 {"message": "Token is valid.", "token": "is valid", "success": "true"}: "true" is a
    string in the real service's answers (as public samples of them show), and the official
    Python client's Token.ok() looks for the exact text "token":"is valid" in the body.
    """
    user = fake().store.user(id_from_path(authy_id))
    if user is None:
        raise user_not_found()
    # As Authy documented it (the official Ruby client's README and the Rust client's docs
    # repeat it): without force=true, a user who has neither the app nor a code used once is
    # not checked at all, so that nobody is locked out. The Python client always sends
    # force=true, and so should every app.
    if not flag_param("force") and not user["registered"] and not user["confirmed"]:
        return token_valid()
    if not TOKEN_PATTERN.fullmatch(token):
        raise token_invalid()
    outcome = fake().store.check_code(user["authy_id"], token, fake().now())
    if outcome == "used":
        raise token_invalid("Token is invalid. Token was used recently")
    if outcome != "valid":  # also None: the user was deleted a moment ago
        raise token_invalid()
    return token_valid()


def token_valid():
    return {"message": "Token is valid.", "token": "is valid", "success": "true"}


@bp.get("/protected/json/sms/<authy_id>")
def request_sms(authy_id):
    """Send the user's current code by SMS; ignored (unless force=true) when it has the app."""
    user = fake().store.user(id_from_path(authy_id))
    if user is None:
        raise user_not_found()
    country_code, number = (
        (user["country_code"], user["cellphone"]) if user["cellphone"] else SIMULATED_PHONE
    )
    cellphone = f"+{country_code}-XXX-XXX-XX{number[-2:]}"
    if user["registered"] and not flag_param("force"):
        return {
            "success": True,
            "message": "Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway",
            "cellphone": cellphone,
            "device": user["devices"][0] if user["devices"] else None,
            "ignored": True,
        }
    text = f"Your {fake().settings.app_name} verification code is: {{code}}"
    sent = fake().store.send_code(
        user["authy_id"], f"+{country_code} {number}", text, fake().now(), SMS_CODE_SECONDS
    )
    if sent is None:  # deleted a moment ago
        raise user_not_found()
    return {"success": True, "message": "SMS token was sent", "cellphone": cellphone}


# Official clients disagree on the delete path: Python, Node and Rust; Ruby; PHP.
@bp.post("/protected/json/users/<authy_id>/delete")
@bp.post("/protected/json/users/delete/<authy_id>")
@bp.post("/protected/json/users/<authy_id>/remove")
def delete_user(authy_id):
    if not fake().store.delete_user(id_from_path(authy_id)):
        raise user_not_found()
    return {"message": "User was added to remove.", "success": True}


# Reading parameters


def id_from_path(text):
    """A numeric id from the path; anything else cannot be a user."""
    if not ID_PATTERN.fullmatch(text):
        raise user_not_found()
    return int(text)


def text_param(name):
    value = g.params.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise parameter_error(name)
    return value


def flag_param(name):
    """A yes/no parameter: true when it says true (in any case) or 1, as clients send it."""
    value = g.params.get(name)
    if isinstance(value, bool):
        return value
    return isinstance(value, (str, int)) and str(value).strip().lower() in ("true", "1")


def map_param(name):
    value = g.params.get(name)
    # Absent, null, "" (a form) and [] (PHP's json_encode of an empty array) all mean none.
    if value in (None, "", []):
        return {}
    if not isinstance(value, dict):
        raise parameter_error(name, "Must be a map")
    return value


def logos_param():
    value = g.params.get("logos")
    if value in (None, "", {}):
        return []
    if not isinstance(value, list) or not all(isinstance(logo, dict) for logo in value):
        raise parameter_error("logos", "Must be a list of {res, url}")
    return value


def seconds_to_expire_param():
    """Seconds until the request expires: missing or null means a day, 0 means never."""
    value = g.params.get("seconds_to_expire")
    if value is None or value == "":
        return DEFAULT_SECONDS_TO_EXPIRE
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SECONDS_TO_EXPIRE:
        raise parameter_error("seconds_to_expire", "Must be a whole number of seconds")
    return value
