"""Verify Push webhooks: the signed POSTs the service sends the app when a factor or a
challenge changes, so that the app need not poll.

Signed as every Twilio webhook is, and as the `twilio` library's RequestValidator checks:

    X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + every param name and value,
                                          sorted by name))

The body is a form (application/x-www-form-urlencoded); docs/fake-verify.md lists its fields.
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets

import requests

from .wire import iso

log = logging.getLogger(__name__)

EVENT_TYPES = ("factor.created", "factor.verified", "factor.deleted", "challenge.approved", "challenge.denied")
# The device waits for the webhook before its call is answered; never for long.
TIMEOUT_SECONDS = 3


def signature(auth_token, url, params):
    """The X-Twilio-Signature of a POST of `params` (a dict of strings) to `url`."""
    message = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def event(event_type, account_sid, factor, challenge=None):
    """The form fields of one event."""
    params = {
        "uuid": secrets.token_hex(16),
        "type": event_type,
        "account_sid": account_sid,
        "service_sid": factor["service_sid"],
        "entity_identity": factor["identity"],
        "factor_sid": factor["sid"],
        "factor_type": factor["factor_type"],
        "factor_friendly_name": factor["friendly_name"],
        "factor_status": factor["status"],
    }
    if challenge is not None:
        params.update(
            challenge_sid=challenge["sid"],
            challenge_details=json.dumps(challenge["details"]),
            hidden_details=json.dumps(challenge["hidden_details"] or {}),
            status=challenge["status"],
            responded_reason=challenge["responded_reason"],
            date_responded=iso(challenge["responded_at"]) or "",
        )
        if challenge["metadata"] is not None:
            params["metadata"] = json.dumps(challenge["metadata"])
    return params


def send(webhooks, auth_token, params):
    """POST the event to every enabled webhook that asked for its type; failures are logged."""
    for webhook in webhooks:
        wanted = webhook["event_types"]
        if webhook["status"] != "enabled" or not ("*" in wanted or params["type"] in wanted):
            continue
        url = webhook["webhook_url"]
        headers = {"X-Twilio-Signature": signature(auth_token, url, params)}
        try:
            response = requests.post(url, data=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            log.warning("Verify webhook %s to %s failed: %s", params["type"], url, error)
            continue
        log.info("Verify webhook %s to %s: HTTP %s", params["type"], url, response.status_code)
