"""Test-only controls: fault modes on the Authy API (never on the phone), the call log, reset."""

import time

import pytest
import requests


@pytest.mark.parametrize(
    ("mode", "status", "error_code"),
    [("unavailable", 503, None), ("error", 500, "60000"), ("malformed", 200, None), ("rate_limit", 429, "60003")],
)
def test_fault_mode_breaks_every_api_call(fake, authy, authy_id, assert_envelope, mode, status, error_code):
    fake.set_fault(mode)
    for answer in (
        authy.users.registration_status("7"),
        authy.one_touch.send_request(authy_id, "Login requested"),
        authy.users.status(authy_id),
    ):
        assert answer.response.status_code == status
        if error_code:
            assert_envelope(answer.response, status, error_code)
        else:
            # Not JSON at all: the client is left with text (and malformed still says 200).
            assert isinstance(answer.content, str)
    # The failed create stored nothing, and the phone itself keeps working.
    assert fake.phone.requests() == []


def test_slow_mode_answers_late_but_correctly(fake, api, authy_id):
    fake.set_fault("slow", seconds=1)
    with pytest.raises(requests.ReadTimeout):
        api("get", f"/protected/json/users/{authy_id}/status", timeout=0.3)

    started = time.monotonic()
    answer = api("get", f"/protected/json/users/{authy_id}/status")
    assert time.monotonic() - started >= 1
    assert answer.json()["status"]["authy_id"] == authy_id


def test_late_mode_acts_at_once_and_answers_late(fake, api, authy, authy_id):
    # Authy deletes the user, but its answer comes after the client has given up
    fake.set_fault("late", seconds=1, calls=1)
    with pytest.raises(requests.ReadTimeout):
        api("post", f"/protected/json/users/{authy_id}/delete", timeout=0.3)
    # the user is gone already; and the fault was for that one call
    answer = authy.users.status(authy_id)
    assert answer.response.status_code == 404
    assert answer.content["error_code"] == "60026"


def test_late_mode_answers_correctly_in_the_end(fake, api, authy_id):
    fake.set_fault("late", seconds=1)
    started = time.monotonic()
    answer = api("get", f"/protected/json/users/{authy_id}/status")
    assert time.monotonic() - started >= 1
    assert answer.json()["status"]["authy_id"] == authy_id


def test_fault_for_a_number_of_calls(fake, authy, authy_id):
    assert fake.set_fault("error", calls=2) == {"mode": "error", "seconds": 0, "calls": 2}
    assert authy.users.status(authy_id).response.status_code == 500
    assert fake._control("get", "faults") == {"mode": "error", "seconds": 0, "calls": 1}
    assert authy.users.status(authy_id).response.status_code == 500
    # then back to normal, by itself
    assert authy.users.status(authy_id).response.status_code == 200
    assert fake._control("get", "faults") == {"mode": "none", "seconds": 0, "calls": None}


def test_faults_leave_the_phone_and_controls_alone(fake, authy, authy_id):
    assert authy.one_touch.send_request(authy_id, "Login requested").ok()
    fake.set_fault("unavailable")
    assert fake.phone.approve_latest()["status"] == "approved"
    assert [call["path"] for call in fake.calls()] == [f"/onetouch/json/users/{authy_id}/approval_requests"]
    fake.set_fault("none")
    assert authy.users.registration_status("7").ok()


def test_call_log_has_method_path_status_and_time_but_never_the_key(fake, api, authy, authy_id):
    authy.users.registration_status("7")
    api("get", "/protected/json/users/999/status", params={"api_key": fake.api_key}, headers={"X-Authy-API-Key": ""})
    api("post", "/protected/json/users/new", headers={"X-Authy-API-Key": "wrong"}, json={})

    calls = fake.calls()
    assert [(call["method"], call["path"], call["status"]) for call in calls] == [
        ("GET", "/protected/json/registrations/status", 200),
        ("GET", "/protected/json/users/999/status", 404),
        ("POST", "/protected/json/users/new", 401),
    ]
    assert all(call["time"].endswith("Z") for call in calls)
    assert fake.api_key not in str(calls)


def test_reset_forgets_state_calls_and_fault(fake, authy, authy_id):
    authy.one_touch.send_request(authy_id, "Login requested")
    fake.set_fault("error")
    fake.reset()
    assert fake.calls() == []
    assert fake.phone.requests() == []
    assert authy.users.registration_status("7").response.status_code == 404
    assert authy.users.status(authy_id).response.status_code == 404
