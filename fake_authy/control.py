"""Test-only controls, off the Authy paths: reset, fault modes, the call log and more.

Nothing here exists in the real service. Tests use it to start clean, to make the Authy
API misbehave, to count the calls an app made, and to steer states a phone cannot reach.
"""

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import request

from .api import ID_PATTERN
from .params import BadParams
from .params import id_text
from .params import json_object
from .state import Fault
from .state import fake

bp = Blueprint("control", __name__, url_prefix="/_control")

FAULT_MODES = ("none", "unavailable", "error", "slow", "late", "malformed", "rate_limit")
MAX_SLOW_SECONDS = 120
# "completed" is reached only by scanning, which creates the account too.
SETTABLE_REGISTRATION_STATUSES = ("pending", "denied", "expired")
# The devices users/{id}/status can list (the names the real service used).
DEVICES = ("authy", "android", "android_tablet", "ios", "authy_chrome", "sms")
# The codes' clock can be set anywhere a 64-bit time step reaches, and no further.
MAX_CLOCK = 2**40


@bp.errorhandler(BadParams)
def bad_input(error):
    return {"error": str(error)}, 400


def body():
    return json_object(request.get_data())


@bp.post("/reset")
def reset():
    """Forget every user, registration, request, message and call; clear the fault, the
    callback and the clock."""
    fake().reset()
    return {"reset": True}


@bp.get("/faults")
def fault():
    current = fake().fault
    return {"mode": current.mode, "seconds": current.seconds, "calls": current.calls}


@bp.post("/faults")
def set_fault():
    wanted = body()
    mode = wanted.get("mode")
    if mode not in FAULT_MODES:
        raise BadParams(f"mode must be one of {', '.join(FAULT_MODES)}")
    seconds = wanted.get("seconds", 0)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_SLOW_SECONDS:
        raise BadParams(f"seconds must be a number from 0 to {MAX_SLOW_SECONDS}")
    calls = wanted.get("calls")
    if calls is not None and (not isinstance(calls, int) or isinstance(calls, bool) or calls < 1):
        raise BadParams("calls must be a whole number from 1, or null for every call")
    fake().fault = Fault(mode, seconds, calls)
    return fault()


@bp.get("/calls")
def calls():
    """The Authy API calls since the last reset, oldest first."""
    return [
        {
            "method": call["method"],
            "path": call["path"],
            "status": call["status"],
            "time": datetime.fromtimestamp(call["time"], UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        for call in fake().store.calls()
    ]


@bp.post("/registrations")
def set_registration():
    """Give a custom_user_id's registration a status the app must handle (not completed)."""
    wanted = body()
    custom_user_id = id_text(wanted.get("custom_user_id"))
    status = wanted.get("status")
    if custom_user_id is None:
        raise BadParams("custom_user_id is required")
    if status not in SETTABLE_REGISTRATION_STATUSES:
        raise BadParams(f"status must be one of {', '.join(SETTABLE_REGISTRATION_STATUSES)}")
    fake().store.set_registration_status(custom_user_id, status)
    return {"custom_user_id": custom_user_id, "status": status}


@bp.post("/users/<authy_id>")
def set_user(authy_id):
    """Whether a user has the Authy app (registered) and on which devices, as status shows."""
    wanted = body()
    registered = wanted.get("registered")
    if not isinstance(registered, bool):
        raise BadParams("registered must be true or false")
    devices = wanted.get("devices", ["authy"] if registered else [])
    if not isinstance(devices, list) or not all(isinstance(device, str) and device in DEVICES for device in devices):
        raise BadParams(f"devices must be a list of {', '.join(DEVICES)}")
    user = ID_PATTERN.fullmatch(authy_id) and fake().store.set_user_state(
        int(authy_id), registered, list(dict.fromkeys(devices))
    )
    if not user:
        return {"error": f"No user {authy_id}"}, 404
    return {"authy_id": user["authy_id"], "registered": user["registered"], "devices": user["devices"]}


@bp.get("/clock")
def clock():
    return {"time": fake().clock}


@bp.post("/clock")
def set_clock():
    """Stop the clock of the phone's codes at a Unix time (null: the real time again)."""
    at = body().get("time")
    if at is not None and (not isinstance(at, (int, float)) or isinstance(at, bool) or not 0 <= at <= MAX_CLOCK):
        raise BadParams(f"time must be a Unix time from 0 to {MAX_CLOCK}, or null")
    fake().clock = at
    return clock()


@bp.post("/callback")
def set_callback():
    """Send OneTouch callbacks to another URL (null: to none) until the next reset."""
    url = body().get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise BadParams("url must be an http(s) URL or null")
    fake().callback_url = url
    return {"url": url}
