"""Registration by QR code: the phone verifies the token; the app polls the status."""

import base64
import io
import time

import pytest
import qrcode
import requests
from PIL import Image

from fake_authy.testing import UnexpectedResponse


def qr_png(text):
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


def test_scan_completes_the_registration(phone, authy, link):
    scanned = phone.scan(link("7"))
    assert scanned["custom_user_id"] == "7"
    assert scanned["authy_id"] > 1_000_000  # never mistaken for an app's small user ids

    # The app's poll through the official client sees it completed, with the same id.
    status = authy.users.registration_status("7")
    assert status.ok()
    assert status.content == {"registration": {"authy_id": scanned["authy_id"], "status": "completed"}, "success": True}


def test_scanning_again_keeps_the_authy_id(phone, link):
    first = phone.scan(link("7"))
    again = phone.scan(link("7"))
    other = phone.scan(link("8"))
    assert again["authy_id"] == first["authy_id"]
    assert other["authy_id"] != first["authy_id"]
    assert [account["custom_user_id"] for account in phone.accounts()] == ["7", "8"]


def test_unscanned_registration_is_not_found(authy, assert_envelope):
    status = authy.users.registration_status("never-scanned")
    assert not status.ok()
    body = assert_envelope(status.response, 404, "60035")
    assert body["message"] == "Registration not found."


def test_registration_status_needs_custom_user_id(api, assert_envelope):
    body = assert_envelope(api("get", "/protected/json/registrations/status"), 400, "60004")
    assert body["message"] == "Invalid parameter: custom_user_id - Parameter is required"


@pytest.mark.parametrize(
    ("claims", "key", "error"),
    [
        ({"exp": time.time() - 1}, None, "has expired"),
        ({}, "another-application-key-of-32-bytes", "Bad signature"),
        ({"iss": "Another App"}, None, "Wrong application: the token's iss must be 'Push 2FA Tutorial'"),
        ({"context": {"custom_user_id": "7", "authy_app_id": "1"}}, None, "context.authy_app_id must be '46113'"),
        ({"context": {"authy_app_id": "46113"}}, None, "no context.custom_user_id"),
        ({"context": None}, None, "no 'context' claim"),
        ({"exp": None}, None, "no 'exp' claim"),
        ({"exp": "soon"}, None, "Not a valid registration token"),
    ],
    ids=["expired", "bad-signature", "wrong-iss", "wrong-app-id", "no-user", "no-context", "null-exp", "text-exp"],
)
def test_bad_token_is_refused_with_the_reason(phone, link, authy, claims, key, error):
    with pytest.raises(UnexpectedResponse) as refused:
        phone.scan(link("7", key=key, **claims))
    assert refused.value.status_code == 400
    assert error in refused.value.response.json()["error"]
    # Nothing was registered.
    assert authy.users.registration_status("7").response.status_code == 404
    assert phone.accounts() == []


@pytest.mark.parametrize(
    ("uri", "error"),
    [
        ("https://example.com/?token=abc", "Not an Authy link"),
        ("authy://account?tok=abc", "Not an Authy link"),
        ("authy://[account?token=abc", "Not an Authy link"),
        ("authy://account?token=not.a.jwt", "Not a valid registration token"),
        ("", "Send the link as the field uri"),
    ],
)
def test_not_a_registration_link_is_refused(phone, uri, error):
    response = requests.post(f"{phone.url}/phone/scan", json={"uri": uri}, timeout=10)
    assert response.status_code == 400
    assert error in response.json()["error"]


def test_unsigned_token_is_refused(phone, link):
    # alg "none" must never be accepted: anyone could forge a registration.
    _, payload, _ = link("7").partition("token=")[2].split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    response = requests.post(f"{phone.url}/phone/scan", json={"uri": f"authy://account?token={header}.{payload}."}, timeout=10)
    assert response.status_code == 400
    assert phone.accounts() == []


def test_scan_takes_the_link_as_a_form_field(phone, link):
    # What the phone page's form sends.
    response = requests.post(f"{phone.url}/phone/scan", data={"uri": link("7")}, timeout=10)
    assert response.status_code == 200
    assert response.json()["custom_user_id"] == "7"


def test_qr_code_picture_end_to_end(phone, authy, link):
    scanned = phone.scan_image(qr_png(link("7")))
    assert scanned["custom_user_id"] == "7"
    assert authy.users.registration_status("7")["registration"]["status"] == "completed"


@pytest.mark.parametrize(
    ("picture", "error"),
    [
        (lambda: png_of(Image.new("RGB", (200, 200), "white")), "No QR code found"),
        (lambda: b"GIF89a but not really a picture", "not a picture"),
        (lambda: qr_png("https://example.com/not-authy"), "Not an Authy link"),
    ],
    ids=["blank-picture", "not-a-picture", "other-qr-code"],
)
def test_picture_without_a_registration_is_refused(phone, picture, error):
    with pytest.raises(UnexpectedResponse) as refused:
        phone.scan_image(picture())
    assert refused.value.status_code == 400
    assert error in refused.value.response.json()["error"]
    assert phone.accounts() == []


def png_of(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("status", ["pending", "denied", "expired"])
def test_control_sets_a_registration_status(fake, authy, status):
    fake.set_registration("7", status)
    answer = authy.users.registration_status("7")
    # The app sees the status, and no authy_id it could store by mistake.
    assert answer.ok()
    assert answer.content == {"registration": {"status": status}, "success": True}


def test_scan_after_a_denied_registration_completes_it(fake, phone, authy, link, authy_id):
    fake.set_registration("7", "denied")
    assert phone.scan(link("7"))["authy_id"] == authy_id
    assert authy.users.registration_status("7")["registration"] == {"authy_id": authy_id, "status": "completed"}


def test_deleting_the_user_ends_its_registration(phone, authy, link, authy_id):
    assert authy.users.delete(authy_id).ok()
    # The app polling for a new registration must not get the deleted id back...
    assert authy.users.registration_status("7").response.status_code == 404
    # ...and scanning again makes a new account.
    assert phone.scan(link("7"))["authy_id"] not in (authy_id, None)
