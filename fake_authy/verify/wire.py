"""Verify API v2 on the wire: sids, dates, the JSON of each resource, errors and paging.

The field names are those the official `twilio` library reads (payload.get("...") in
twilio/rest/verify/v2/service/...) and the Verify Push SDKs map (their ChallengeMapper and
FactorMapper); docs/fake-verify.md lists them.
"""

import secrets
import time
from urllib.parse import urlencode

from flask import request

# Twilio's answers say where a resource lives on verify.twilio.com; the fake says where it
# lives on the fake, so that a next_page_url is one the caller can follow.
VERSION = "v2"


class TwilioError(Exception):
    """An answer in Twilio's error envelope: {code, message, more_info, status}.

    The `twilio` library turns it into a TwilioRestException with .code and .status.
    """

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }


def not_found():
    """20404, Twilio's answer for any unknown service, entity, factor, challenge or path."""
    return TwilioError(404, 20404, f"The requested resource {request.path.removeprefix('/' + VERSION)} was not found")


def invalid(message, code=60306):
    """60306 Invalid Request (400): a missing or malformed parameter."""
    return TwilioError(400, code, message)


def new_sid(prefix):
    return prefix + secrets.token_hex(16)


def iso(timestamp):
    """Twilio's dates: ISO-8601 UTC to the second, with Z; None stays None."""
    return None if timestamp is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def base():
    """The fake's own /v2 address, e.g. http://127.0.0.1:5001/v2."""
    return request.host_url.rstrip("/") + "/" + VERSION


def service_json(service, account_sid):
    url = f"{base()}/Services/{service['sid']}"
    return {
        "sid": service["sid"],
        "account_sid": account_sid,
        "friendly_name": service["friendly_name"],
        "code_length": 6,
        "push": {"include_date": False, "apn_credential_sid": None, "fcm_credential_sid": None},
        "date_created": iso(service["created_at"]),
        "date_updated": iso(service["updated_at"]),
        "url": url,
        "links": {name.lower(): f"{url}/{name}" for name in ("Entities", "Webhooks", "AccessTokens")},
    }


def entity_json(entity, account_sid):
    url = f"{base()}/Services/{entity['service_sid']}/Entities/{entity['identity']}"
    return {
        "sid": entity["sid"],
        "identity": entity["identity"],
        "account_sid": account_sid,
        "service_sid": entity["service_sid"],
        "date_created": iso(entity["created_at"]),
        "date_updated": iso(entity["updated_at"]),
        "url": url,
        "links": {"factors": f"{url}/Factors", "challenges": f"{url}/Challenges", "new_factors": f"{url}/Factors"},
    }


def factor_json(factor, account_sid, with_binding=False):
    """A factor; `with_binding` for the answer to its creation (NewFactorInstance reads it)."""
    answer = {
        "sid": factor["sid"],
        "account_sid": account_sid,
        "service_sid": factor["service_sid"],
        "entity_sid": factor["entity_sid"],
        "identity": factor["identity"],
        "date_created": iso(factor["created_at"]),
        "date_updated": iso(factor["updated_at"]),
        "friendly_name": factor["friendly_name"],
        "status": factor["status"],
        "factor_type": factor["factor_type"],
        # The SDKs keep config.credential_sid: the "kid" of every JWT the device signs.
        "config": {**factor["config"], "credential_sid": factor["credential_sid"]},
        "metadata": factor["metadata"],
        "url": f"{base()}/Services/{factor['service_sid']}/Entities/{factor['identity']}/Factors/{factor['sid']}",
    }
    if with_binding:
        answer["binding"] = {"alg": factor["alg"], "public_key": factor["public_key"]}
    return answer


def challenge_json(challenge, account_sid):
    url = f"{base()}/Services/{challenge['service_sid']}/Entities/{challenge['identity']}/Challenges/{challenge['sid']}"
    return {
        "sid": challenge["sid"],
        "account_sid": account_sid,
        "service_sid": challenge["service_sid"],
        "entity_sid": challenge["entity_sid"],
        "identity": challenge["identity"],
        "factor_sid": challenge["factor_sid"],
        "date_created": iso(challenge["created_at"]),
        "date_updated": iso(challenge["updated_at"]),
        "date_responded": iso(challenge["responded_at"]),
        "expiration_date": iso(challenge["expires_at"]),
        "status": challenge["status"],
        "responded_reason": challenge["responded_reason"],
        "details": challenge["details"],
        "hidden_details": challenge["hidden_details"],
        "metadata": challenge["metadata"],
        "factor_type": "push",
        "url": url,
        "links": {"notifications": f"{url}/Notifications"},
    }


def access_token_json(token, account_sid):
    return {
        "sid": token["sid"],
        "account_sid": account_sid,
        "service_sid": token["service_sid"],
        "entity_identity": token["identity"],
        "factor_type": token["factor_type"],
        "factor_friendly_name": token["factor_friendly_name"],
        "token": token["token"],
        "url": f"{base()}/Services/{token['service_sid']}/AccessTokens/{token['sid']}",
        "ttl": token["ttl"],
        "date_created": iso(token["created_at"]),
    }


def webhook_json(webhook, account_sid):
    return {
        "sid": webhook["sid"],
        "service_sid": webhook["service_sid"],
        "account_sid": account_sid,
        "friendly_name": webhook["friendly_name"],
        "event_types": webhook["event_types"],
        "status": webhook["status"],
        "version": webhook["version"],
        "webhook_url": webhook["webhook_url"],
        "webhook_method": "POST",
        "date_created": iso(webhook["created_at"]),
        "date_updated": iso(webhook["updated_at"]),
        "url": f"{base()}/Services/{webhook['service_sid']}/Webhooks/{webhook['sid']}",
    }


# Paging, as Twilio's list answers do it: {key: [...], meta: {page, page_size, ...}}.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_PAGE = 10_000


def page_params(params):
    """(page, page_size) from Page and PageSize; 60306 when they are not whole numbers."""
    page = _whole(params.get("Page", "0"), "Page", 0, MAX_PAGE)
    size = _whole(params.get("PageSize", str(DEFAULT_PAGE_SIZE)), "PageSize", 1, MAX_PAGE_SIZE)
    return page, size


def _whole(text, name, low, high):
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise invalid(f"Invalid {name}: must be a whole number from {low} to {high}")
    return int(text)


def page_json(key, items, page, size, query):
    """One page of `items` (all of them, in order); `query` holds the list's filters."""
    url = base() + request.path.removeprefix("/" + VERSION)

    def page_url(number):
        return f"{url}?{urlencode({**query, 'PageSize': size, 'Page': number})}"

    chosen = items[page * size : (page + 1) * size]
    more = len(items) > (page + 1) * size
    return {
        key: chosen,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": page_url(0),
            "previous_page_url": page_url(page - 1) if page > 0 else None,
            "url": page_url(page),
            "next_page_url": page_url(page + 1) if more else None,
            "key": key,
        },
    }
