"""OneTouch callbacks: the signed POST Authy sends to the app when a request is answered.

The signature is what apps verify (the `authy` client's validate_one_touch_signature):

    base64(HMAC-SHA256(API key, NONCE + "|" + METHOD + "|" + URL + "|" + CANON))

where CANON is the body flattened to Rails-style query pairs (`a[b][c]=x`, array elements
`a[]`), each percent-encoded, sorted, and joined with "&".
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from urllib.parse import quote_plus
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

# The phone waits for the callback before it answers the click; never for long.
TIMEOUT_SECONDS = 3


def canonical_params(params):
    """`{"b": "x y", "a": [{"r": 1}, {"r": None}]}` -> `a%5B%5D%5Br%5D=1&a%5B%5D%5Br%5D=&b=x+y`."""
    pairs = []
    for path, value in _flatten(params, ()):
        value = _encode(value)
        # Sorted with the array positions in the keys (a[0][r] before a[1][r]), written
        # without them (a[][r]): what the official clients' validators compute.
        pairs.append((f"{_encode(_key(path, True))}={value}", f"{_encode(_key(path, False))}={value}"))
    return "&".join(written for _, written in sorted(pairs))


def _flatten(value, path):
    """(path, text) for every leaf; a path holds names, and positions in arrays."""
    if isinstance(value, dict):  # an empty {} or [] gives no pair at all
        for name, item in value.items():
            yield from _flatten(item, (*path, str(name)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _flatten(item, (*path, position))
    elif value is None:
        yield path, ""
    elif isinstance(value, bool):
        yield path, "true" if value else "false"
    else:
        yield path, str(value)


def _key(path, with_positions):
    name, *segments = path
    return name + "".join(f"[{part}]" if with_positions or isinstance(part, str) else "[]" for part in segments)


def _encode(text):
    # Keeps A-Za-z0-9-_.~, turns a space into + and everything else into %XX.
    return quote_plus(text, safe="")


def signature(api_key, nonce, method, url, params):
    """The X-Authy-Signature of a callback."""
    message = "|".join((nonce, method, url, canonical_params(params)))
    digest = hmac.new(api_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def body(settings, answered):
    """The callback's JSON body for an answered approval request (shape of a real one)."""
    return {
        "authy_id": answered["authy_id"],
        "device_uuid": 2_000_000 + answered["authy_id"],  # one simulated device per account
        "callback_action": "approval_request_status",
        "uuid": answered["uuid"],
        "status": answered["status"],
        "approval_request": {
            "transaction": {
                "details": answered["details"],
                "device_details": {},
                "device_geolocation": "",
                "device_signing_time": int(answered["processed_at"]),
                "encrypted": False,
                "flagged": False,
                "hidden_details": answered["hidden_details"],
                "message": answered["message"],
                "reason": "",
                "requester_details": None,
                "status": answered["status"],
                "uuid": answered["uuid"],
                "created_at_time": int(answered["created_at"]),
                "customer_uuid": int(settings.app_id),
            },
            "expiration_timestamp": answered["expires_at"] and int(answered["expires_at"]),
            "logos": answered["logos"] or None,
            "app_id": settings.app_object_id,
        },
        # The device's own RSA signature in the real service; no client checks it.
        "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        "device": {"os_type": "android", "ip": "127.0.0.1", "country": "Localhost"},
    }


def send(url, settings, answered):
    """POST the signed callback; a failure is logged, never raised."""
    payload = body(settings, answered)
    # Microseconds, like the real nonces: two callbacks in one second must not share one,
    # or an app that refuses replayed nonces would drop the second.
    nonce = f"{time.time():.6f}"
    signed_url = urlsplit(url)._replace(query="", fragment="").geturl()
    headers = {
        "Content-Type": "application/json",
        "X-Authy-Signature": signature(settings.api_key, nonce, "POST", signed_url, payload),
        "X-Authy-Signature-Nonce": nonce,
    }
    try:
        response = requests.post(url, data=json.dumps(payload), headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        log.warning("OneTouch callback for %s to %s failed: %s", answered["uuid"], url, error)
        return
    log.info("OneTouch callback for %s to %s: HTTP %s", answered["uuid"], url, response.status_code)
