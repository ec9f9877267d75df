"""OneTouch approval requests: created by the app, answered on the phone, polled by the app."""

import re

import pytest
import requests

from fake_authy.testing import UnexpectedResponse

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-013[0-9a-f]-[0-9a-f]{4}-[0-9a-f]{12}")
HEX24 = re.compile(r"[0-9a-f]{24}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def send(authy, authy_id, **options):
    sent = authy.one_touch.send_request(authy_id, "Login requested", **options)
    assert sent.ok(), sent.content
    return sent.get_uuid()


def status_of(authy, uuid):
    answer = authy.one_touch.get_approval_status(uuid)
    assert answer.ok(), answer.content
    return answer["approval_request"]


def test_new_request_has_all_fields_of_a_real_one(authy, authy_id):
    sent = authy.one_touch.send_request(authy_id, "Login requested", details={"Username": "bob"})
    assert sent.content == {"approval_request": {"uuid": sent.get_uuid()}, "success": True}
    assert UUID.fullmatch(sent.get_uuid())

    request = status_of(authy, sent.get_uuid())
    assert sorted(request) == [
        "_app_name", "_app_serial_id", "_authy_id", "_id", "_user_email", "app_id", "created_at",
        "notified", "processed_at", "seconds_to_expire", "status", "updated_at", "user_id", "uuid",
    ]  # fmt: skip
    assert request["_app_name"] == "Push 2FA Tutorial"
    assert request["_app_serial_id"] == 46113
    assert request["_authy_id"] == authy_id
    assert all(HEX24.fullmatch(request[name]) for name in ("_id", "app_id", "user_id"))
    assert TIMESTAMP.fullmatch(request["created_at"])
    assert request["updated_at"] == request["created_at"]
    assert (request["status"], request["processed_at"], request["notified"]) == ("pending", None, False)
    # The client sends seconds_to_expire null when not given: the server's default, a day.
    assert request["seconds_to_expire"] == 86400


@pytest.mark.parametrize(("answer", "status"), [("approve_latest", "approved"), ("deny_latest", "denied")])
def test_answer_on_the_phone_is_what_the_app_polls(authy, phone, authy_id, answer, status):
    uuid = send(authy, authy_id, details={"Username": "bob"})
    shown = getattr(phone, answer)()
    assert (shown["uuid"], shown["status"], shown["details"]) == (uuid, status, {"Username": "bob"})

    request = status_of(authy, uuid)
    assert request["status"] == status
    assert TIMESTAMP.fullmatch(request["processed_at"])
    assert request["updated_at"] == request["processed_at"]


@pytest.mark.parametrize("second", ["approve", "deny"])
def test_an_answered_request_cannot_be_answered_again(authy, phone, authy_id, second):
    uuid = send(authy, authy_id)
    phone.deny(uuid)
    with pytest.raises(UnexpectedResponse) as conflict:
        getattr(phone, second)(uuid)
    assert conflict.value.status_code == 409
    assert "already denied" in conflict.value.response.json()["error"]
    assert status_of(authy, uuid)["status"] == "denied"


def test_request_expires_on_time(authy, phone, authy_id, wait_for):
    uuid = send(authy, authy_id, seconds_to_expire=1)
    assert status_of(authy, uuid)["status"] == "pending"

    expired = wait_for(lambda: (request := status_of(authy, uuid))["status"] == "expired" and request)
    assert expired["processed_at"] == expired["updated_at"]
    # Expired is final: the phone can no longer approve it.
    with pytest.raises(UnexpectedResponse) as conflict:
        phone.approve(uuid)
    assert conflict.value.status_code == 409
    assert phone.requests("pending") == []
    assert [request["status"] for request in phone.requests("expired")] == ["expired"]


def test_zero_seconds_to_expire_means_never(authy, phone, authy_id):
    uuid = send(authy, authy_id, seconds_to_expire=0)
    assert status_of(authy, uuid)["seconds_to_expire"] == 0
    assert (phone.latest()["expires_at"], phone.latest()["seconds_left"]) == (None, None)


def test_missing_seconds_to_expire_means_a_day(api, phone, authy_id):
    created = api("post", f"/onetouch/json/users/{authy_id}/approval_requests", json={"message": "Hi"})
    assert created.status_code == 200
    assert 86390 < phone.latest()["seconds_left"] <= 86400


def test_phone_lists_newest_first_and_filters_by_status(authy, phone, authy_id):
    first, second, third = (send(authy, authy_id) for _ in range(3))
    phone.approve(second)
    assert [request["uuid"] for request in phone.requests()] == [third, second, first]
    assert [request["uuid"] for request in phone.requests("pending")] == [third, first]
    assert phone.latest("approved")["uuid"] == second
    assert phone.latest("denied") is None


def test_answer_latest_fails_clearly_when_nothing_is_pending(phone, authy, authy_id):
    phone.approve(send(authy, authy_id))
    with pytest.raises(AssertionError, match=r"pending approval request; the phone has \[\('approved'"):
        phone.deny_latest(timeout=0.2)


def test_unknown_request_on_the_phone_is_404(phone):
    with pytest.raises(UnexpectedResponse) as missing:
        phone.approve("00000000-0000-0130-0000-000000000000")
    assert missing.value.status_code == 404


def test_unknown_request_is_60049_with_empty_errors(authy, assert_envelope):
    answer = authy.one_touch.get_approval_status("00000000-0000-0130-0000-000000000000")
    body = assert_envelope(answer.response, 404, "60049")
    assert body["message"] == "Approval request not found: 00000000-0000-0130-0000-000000000000"
    assert body["errors"] == {}


@pytest.mark.parametrize("authy_id", [999, "abc"])
def test_request_for_an_unknown_user_is_60026(api, assert_envelope, authy_id):
    response = api("post", f"/onetouch/json/users/{authy_id}/approval_requests", json={"message": "Hi"})
    assert assert_envelope(response, 404, "60026")["message"] == "User not found."


def test_request_without_message_is_60004(api, assert_envelope, authy_id, phone):
    response = api("post", f"/onetouch/json/users/{authy_id}/approval_requests", json={"details": {}})
    assert assert_envelope(response, 400, "60004")["message"] == "Invalid parameter: message - Parameter is required"
    assert phone.requests() == []


# What the Python client never sends: Ruby/Go forms with bracket keys, PHP's query strings.


def test_form_body_with_bracket_keys_and_key_in_the_form(fake, phone, authy_id):
    form = [
        ("api_key", fake.api_key),
        ("message", "Login requested"),
        ("details[Username]", "bob"),
        ("details[IP Address]", "10.0.0.1"),
        ("logos[][res]", "default"),
        ("logos[][url]", "https://example.com/a.png"),
        ("seconds_to_expire", "120"),
    ]
    response = requests.post(f"{fake.url}/onetouch/json/users/{authy_id}/approval_requests", data=form, timeout=10)
    assert response.status_code == 200, response.text
    shown = phone.latest()
    assert shown["details"] == {"Username": "bob", "IP Address": "10.0.0.1"}
    assert 110 < shown["seconds_left"] <= 120


def test_query_string_body_and_key_in_the_query(fake, phone, authy_id):
    query = {"api_key": fake.api_key, "message": "Login requested", "details[Username]": "bob"}
    response = requests.post(f"{fake.url}/onetouch/json/users/{authy_id}/approval_requests", params=query, timeout=10)
    assert response.status_code == 200, response.text
    uuid = response.json()["approval_request"]["uuid"]
    assert phone.latest()["details"] == {"Username": "bob"}

    read = requests.get(f"{fake.url}/onetouch/json/approval_requests/{uuid}", params={"api_key": fake.api_key}, timeout=10)
    assert read.json()["approval_request"]["status"] == "pending"
