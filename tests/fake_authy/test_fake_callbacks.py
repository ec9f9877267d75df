"""OneTouch callbacks: signed as the real service signs them, sent on approve or deny only."""

import socket
import time

import pytest
from authy.api.resources import OneTouch

from fake_authy.callbacks import canonical_params
from fake_authy.callbacks import signature
from fake_authy.testing import UnexpectedResponse
from fake_authy.vectors import SIGNATURE_FIELDS
from fake_authy.vectors import SIGNATURE_VECTORS


@pytest.mark.parametrize(SIGNATURE_FIELDS, SIGNATURE_VECTORS)
def test_signature_matches_the_vectors_and_the_client(key, nonce, method, url, params, expected):
    assert signature(key, nonce, method, url, params) == expected
    assert OneTouch("http://unused", key).validate_one_touch_signature(expected, nonce, method, url, params)


def test_canonical_form_keeps_array_order_and_drops_empty_maps():
    params = {"b": "x y/z", "a": [{"r": 2}, {"r": 1}], "e": {}, "n": None, "t": True, "c": {"d": "é"}}
    assert canonical_params(params) == "a%5B%5D%5Br%5D=2&a%5B%5D%5Br%5D=1&b=x+y%2Fz&c%5Bd%5D=%C3%A9&n=&t=true"


@pytest.fixture
def sent(fake, authy, authy_id, receiver):
    """A pending request sent to user 7, with callbacks going to the receiver."""
    fake.set_callback_url(receiver.url + "?app=tutorial")
    sent = authy.one_touch.send_request(authy_id, "Login requested", details={"Username": "bob"}, seconds_to_expire=120)
    return sent.get_uuid()


@pytest.mark.parametrize(("answer", "status"), [("approve", "approved"), ("deny", "denied")])
def test_answer_sends_one_signed_callback(fake, phone, receiver, authy_id, sent, answer, status):
    getattr(phone, answer)(sent)
    # Sent before the phone's answer returned: no waiting needed.
    [callback] = receiver.received
    body = callback["json"]
    assert callback["path"] == "/authy/callback?app=tutorial"
    assert (body["authy_id"], body["uuid"], body["status"]) == (authy_id, sent, status)
    assert body["callback_action"] == "approval_request_status"
    transaction = body["approval_request"]["transaction"]
    assert (transaction["message"], transaction["details"], transaction["status"]) == ("Login requested", {"Username": "bob"}, status)
    assert body["approval_request"]["expiration_timestamp"] - transaction["created_at_time"] == 120

    # Signed over the URL without its query string, with a fresh nonce, as the client checks it.
    nonce = callback["headers"]["X-Authy-Signature-Nonce"]
    assert abs(float(nonce) - time.time()) < 60
    assert OneTouch(fake.url, fake.api_key).validate_one_touch_signature(
        callback["headers"]["X-Authy-Signature"], nonce, "POST", receiver.url, body
    )


def test_no_callback_on_expiry_or_when_answering_fails(fake, phone, authy, authy_id, receiver, wait_for):
    fake.set_callback_url(receiver.url)
    uuid = authy.one_touch.send_request(authy_id, "Login requested", seconds_to_expire=1).get_uuid()
    wait_for(lambda: authy.one_touch.get_approval_status(uuid)["approval_request"]["status"] == "expired")
    with pytest.raises(UnexpectedResponse):
        phone.approve(uuid)
    assert receiver.received == []


def test_unreachable_callback_target_does_not_break_the_phone(fake, phone, authy, sent):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fake.set_callback_url(f"http://127.0.0.1:{closed_port}/authy/callback")
    assert phone.approve(sent)["status"] == "approved"
    assert authy.one_touch.get_approval_status(sent)["approval_request"]["status"] == "approved"


def test_reset_returns_to_the_callback_url_of_the_start(fake, phone, authy, link, receiver):
    fake.set_callback_url(receiver.url)
    fake.reset()  # this server was started without one
    authy_id = phone.scan(link("7"))["authy_id"]
    authy.one_touch.send_request(authy_id, "Login requested")
    phone.approve_latest()
    assert receiver.received == []
