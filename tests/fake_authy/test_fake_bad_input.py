"""Bad input of every kind gets an error envelope (or a clear 400), never a 500, and changes nothing."""

import pytest
import requests

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TWO_MIB = 2 * 1024 * 1024
CREATE = "/onetouch/json/users/{authy_id}/approval_requests"


def create_with(**body):
    """A create-approval-request call whose JSON body has these parameters."""
    return ("post", CREATE, {"json": {"message": "Hi", **body}})


API_CASES = {
    "wrong-key": ("get", "/protected/json/users/{authy_id}/status", {"headers": {"X-Authy-API-Key": "wrong"}}, 401, "60001"),
    "empty-key": ("get", "/protected/json/users/{authy_id}/status", {"headers": {"X-Authy-API-Key": ""}}, 401, "60001"),
    "non-ascii-key": ("get", "/protected/json/users/{authy_id}/status", {"headers": {"X-Authy-API-Key": "clé".encode()}}, 401, "60001"),
    "malformed-json": ("post", CREATE, {"data": '{"message": ', "headers": JSON}, 400, "60002"),
    "json-array": ("post", CREATE, {"data": '["message"]', "headers": JSON}, 400, "60002"),
    "json-nested-deep": ("post", CREATE, {"data": "[" * 200_000, "headers": JSON}, 400, "60002"),
    "json-not-utf8": ("post", CREATE, {"data": b'{"message": "\xff\xfe"}', "headers": JSON}, 400, "60002"),
    "form-not-utf8": ("post", CREATE, {"data": b"message=\xff\xfe", "headers": FORM}, 400, "60004"),
    "json-huge": ("post", CREATE, {"data": b" " * TWO_MIB + b"{}", "headers": JSON}, 413, "60000"),
    "form-huge": ("post", CREATE, {"data": {"message": "x" * TWO_MIB}}, 413, "60000"),
    "form-conflicting-keys": ("post", CREATE, {"data": "message=Hi&details=1&details[a]=2", "headers": FORM}, 400, "60002"),
    "form-nested-deep": ("post", CREATE, {"data": "message=Hi&details" + "[a]" * 40 + "=1", "headers": FORM}, 400, "60002"),
    "message-not-text": create_with(message={"text": "Hi"}) + (400, "60004"),
    "details-not-a-map": create_with(details="Username: bob") + (400, "60004"),
    "logos-not-a-list": create_with(logos="https://example.com/a.png") + (400, "60004"),
    "logos-not-maps": create_with(logos=["https://example.com/a.png"]) + (400, "60004"),
    "expiry-negative": create_with(seconds_to_expire=-1) + (400, "60004"),
    "expiry-text": create_with(seconds_to_expire="soon") + (400, "60004"),
    "expiry-fraction": create_with(seconds_to_expire=1.5) + (400, "60004"),
    "expiry-boolean": create_with(seconds_to_expire=True) + (400, "60004"),
    "expiry-huge": create_with(seconds_to_expire=2**70) + (400, "60004"),
    "uuid-not-utf8": ("get", "/onetouch/json/approval_requests/%FF%FE", {}, 404, "60049"),
    "authy-id-huge": ("post", "/onetouch/json/users/" + "9" * 40 + "/approval_requests", {"json": {"message": "Hi"}}, 404, "60026"),
    "not-implemented-call": ("get", "/protected/json/call/{authy_id}", {}, 404, "60000"),
    "wrong-method": ("get", "/protected/json/users/new", {}, 405, "60000"),
    "verify-letters": ("get", "/protected/json/verify/12a4567/{authy_id}", {}, 401, "60020"),
    "verify-short": ("get", "/protected/json/verify/12345/{authy_id}", {}, 401, "60020"),
    "verify-long": ("get", "/protected/json/verify/12345678901/{authy_id}", {}, 401, "60020"),
    "verify-huge": ("get", "/protected/json/verify/" + "9" * 5000 + "/{authy_id}", {}, 401, "60020"),
    "verify-arabic-digits": ("get", "/protected/json/verify/\u0661\u0662\u0663\u0664\u0665\u0666\u0667/{authy_id}", {}, 401, "60020"),
    "verify-signed": ("get", "/protected/json/verify/+123456/{authy_id}", {}, 401, "60020"),
    "verify-not-utf8": ("get", "/protected/json/verify/%FF%FE%FD%FC%FB%FA/{authy_id}", {}, 401, "60020"),
    "verify-empty": ("get", "/protected/json/verify//{authy_id}", {}, 404, "60000"),
    "verify-unknown-user": ("get", "/protected/json/verify/1234567/999", {}, 404, "60026"),
    "verify-user-not-a-number": ("get", "/protected/json/verify/1234567/abc", {}, 404, "60026"),
    "verify-user-huge": ("get", "/protected/json/verify/1234567/" + "9" * 40, {}, 404, "60026"),
    "sms-unknown-user": ("get", "/protected/json/sms/999", {"params": {"force": "true"}}, 404, "60026"),
    "sms-user-huge": ("get", "/protected/json/sms/" + "9" * 40, {"params": {"force": "true"}}, 404, "60026"),
    "sms-user-not-a-number": ("get", "/protected/json/sms/1e6", {"params": {"force": "true"}}, 404, "60026"),
}

OTHER_CASES = {
    "scan-malformed-json": ("post", "/phone/scan", {"data": "{", "headers": JSON}, 400),
    "scan-json-array": ("post", "/phone/scan", {"json": ["authy://account?token=x"]}, 400),
    "scan-nothing": ("post", "/phone/scan", {}, 400),
    "scan-uri-not-text": ("post", "/phone/scan", {"json": {"uri": 7}}, 400),
    "scan-huge-picture": ("post", "/phone/scan", {"files": {"image": ("qr.png", b"\0" * 11 * 1024 * 1024)}}, 413),
    "requests-bad-status": ("get", "/phone/requests?status=maybe", {}, 400),
    "answer-by-get": ("get", "/phone/requests/{uuid}/approve", {}, 405),
    "answer-unknown-action": ("post", "/phone/requests/{uuid}/ignore", {}, 404),
    "fault-unknown-mode": ("post", "/_control/faults", {"json": {"mode": "flaky"}}, 400),
    "fault-negative-seconds": ("post", "/_control/faults", {"json": {"mode": "slow", "seconds": -1}}, 400),
    "fault-text-seconds": ("post", "/_control/faults", {"json": {"mode": "slow", "seconds": "1"}}, 400),
    "fault-not-json": ("post", "/_control/faults", {"data": "mode=slow", "headers": FORM}, 400),
    "fault-zero-calls": ("post", "/_control/faults", {"json": {"mode": "error", "calls": 0}}, 400),
    "fault-text-calls": ("post", "/_control/faults", {"json": {"mode": "error", "calls": "1"}}, 400),
    "fault-true-calls": ("post", "/_control/faults", {"json": {"mode": "error", "calls": True}}, 400),
    "registration-completed": ("post", "/_control/registrations", {"json": {"custom_user_id": "7", "status": "completed"}}, 400),
    "registration-no-user": ("post", "/_control/registrations", {"json": {"status": "denied"}}, 400),
    "callback-not-http": ("post", "/_control/callback", {"json": {"url": "file:///etc/passwd"}}, 400),
    "user-registered-not-bool": ("post", "/_control/users/{authy_id}", {"json": {"registered": "yes"}}, 400),
    "user-devices-unknown": ("post", "/_control/users/{authy_id}", {"json": {"registered": True, "devices": ["pager"]}}, 400),
    "user-devices-not-list": ("post", "/_control/users/{authy_id}", {"json": {"registered": True, "devices": "ios"}}, 400),
    "user-devices-unhashable": ("post", "/_control/users/{authy_id}", {"json": {"registered": True, "devices": [["ios"]]}}, 400),
    "user-unknown": ("post", "/_control/users/999", {"json": {"registered": False}}, 404),
    "user-huge": ("post", "/_control/users/" + "9" * 40, {"json": {"registered": False}}, 404),
    "user-not-json": ("post", "/_control/users/{authy_id}", {"data": "registered=false", "headers": FORM}, 400),
    "clock-text": ("post", "/_control/clock", {"json": {"time": "now"}}, 400),
    "clock-negative": ("post", "/_control/clock", {"json": {"time": -1}}, 400),
    "clock-huge": ("post", "/_control/clock", {"json": {"time": 10**30}}, 400),
    "clock-nan": ("post", "/_control/clock", {"data": '{"time": NaN}', "headers": JSON}, 400),
    "clock-true": ("post", "/_control/clock", {"json": {"time": True}}, 400),
    "messages-by-post": ("post", "/phone/messages", {}, 405),
}


@pytest.fixture
def world(fake, authy, phone, authy_id):
    """A registered user with one pending request; returns a snapshot function of all state."""
    fake.set_clock(1_700_000_000)  # the phone's codes stay put, whatever a bad call takes
    authy.one_touch.send_request(authy_id, "Login requested")
    uuid = phone.latest()["uuid"]

    def snapshot():
        pending = [(request["uuid"], request["status"]) for request in phone.requests()]
        accounts = phone.accounts()  # with the code: a bad verify must not use it up
        messages = phone.messages()
        registration = authy.users.registration_status("7").content, authy.users.status(authy_id).content
        fault = requests.get(f"{fake.url}/_control/faults", timeout=10).json()
        return pending, accounts, messages, registration, fault

    return {"authy_id": authy_id, "uuid": uuid, "snapshot": snapshot}


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "error_code"), API_CASES.values(), ids=API_CASES)
def test_bad_api_call_gets_an_envelope(api, world, assert_envelope, method, path, kwargs, status, error_code):
    before = world["snapshot"]()
    response = api(method, path.format(**world), **kwargs)
    assert_envelope(response, status, error_code)
    assert world["snapshot"]() == before


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), OTHER_CASES.values(), ids=OTHER_CASES)
def test_bad_phone_or_control_call_gets_a_clear_error(fake, world, method, path, kwargs, status):
    before = world["snapshot"]()
    response = requests.request(method, fake.url + path.format(**world), timeout=10, **kwargs)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["error"], str)
    assert world["snapshot"]() == before
