import io
import re
import time
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
import zxingcpp
from flask import session
from PIL import Image

from app import db
from app.models import User
from conftest import at_once
from conftest import tabs

ENABLED = "Two-factor authentication is now enabled."


def authy_id_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.authy_id).where(User.username == username))


def custom_user_id(link):
    """The custom_user_id in a QR code's link, the id Authy knows this QR code's scan by."""
    token = link.removeprefix("authy://account?token=")
    return jwt.decode(token, options={"verify_signature": False})["context"]["custom_user_id"]


def a_while_later(app, seconds=60):
    """Move the last check of every enrolment `seconds` back: as if that time had passed."""
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.registration_checked_at.is_not(None))):
            user.registration_checked_at -= timedelta(seconds=seconds)
        db.session.commit()


def test_qr_page(client, auth, twofa):
    auth.login()
    twofa.press_enable()
    response = client.get("/2fa/enable/scan")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the QR code as a picture, the steps for both phones, and the link for those who cannot scan
    assert '<img src="/2fa/enable/qr.png" alt="QR code"' in page
    assert "On iOS" in page and "On Android" in page
    assert "Can’t scan it?" in page
    assert re.search(r"<code[^>]*>authy://account\?token=[\w.-]+</code>", page)
    # a spinner while the page waits for the phone
    assert "spinner-border" in page
    assert "Waiting for your phone" in page


def test_qr_page_polls_from_a_static_script(client, auth, twofa):
    auth.login()
    twofa.press_enable()
    page = client.get("/2fa/enable/scan").get_data(as_text=True)
    # no inline script: the script is a file, its settings are data- attributes
    scripts = re.findall(r"<script.*?</script>", page, re.DOTALL)
    assert scripts == ['<script src="/static/poll.js"></script>']
    assert 'data-poll-url="/2fa/enable/status"' in page
    assert 'data-poll-interval="1.0"' in page
    assert re.search(r'data-csrf-token="[^"]+"', page)
    with client.get("/static/poll.js") as script:
        assert script.status_code == 200


def test_registration_jwt(client, auth, twofa, app, fake):
    auth.login()
    twofa.press_enable()
    token = twofa.link().removeprefix("authy://account?token=")
    # signed with the API key, HS256
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, fake.api_key, algorithms=["HS256"])
    # for this application, and for this QR code only: a random id kept for the user
    assert claims["iss"] == "Push 2FA Tutorial"
    with app.app_context():
        registration_id = db.session.get(User, 1).registration_id
    assert claims["context"] == {"custom_user_id": registration_id, "authy_app_id": "46113"}
    assert re.fullmatch(r"[0-9a-f]{32}", registration_id)
    # valid for at most five minutes, starting now
    assert abs(claims["iat"] - time.time()) < 5
    assert 0 < claims["exp"] - claims["iat"] <= 300



def test_qr_code_lives_qr_expiry_seconds(client, auth, twofa, app, fake):
    def lifetime():
        twofa.press_enable()
        token = twofa.link().removeprefix("authy://account?token=")
        claims = jwt.decode(token, fake.api_key, algorithms=["HS256"])
        return claims["exp"] - claims["iat"]

    auth.login()
    # five minutes by default, the most Authy allows; QR_EXPIRY shortens it (to try expiry)
    assert lifetime() == 300
    app.config["QR_EXPIRY"] = 20
    assert lifetime() == 20

def test_qr_code_image(client, auth, twofa):
    auth.login()
    twofa.press_enable()
    response = client.get("/2fa/enable/qr.png")
    assert response.status_code == 200
    assert response.content_type == "image/png"
    # the picture is the link itself, as a phone's camera reads it
    picture = Image.open(io.BytesIO(response.data))
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [twofa.link()]


def test_qr_code_is_not_cached(client, auth, twofa):
    auth.login()
    twofa.press_enable()
    # the picture and the page carry the JWT: no browser or proxy may keep a copy
    assert client.get("/2fa/enable/qr.png").headers["Cache-Control"] == "no-store"
    assert client.get("/2fa/enable/scan").headers["Cache-Control"] == "no-store"


def test_qr_page_needs_the_enable_button(client, auth):
    auth.login()
    # without pressing Enable 2FA first there is no QR code: back to the button
    response = client.get("/2fa/enable/scan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/2fa/enable"
    assert client.get("/2fa/enable/qr.png").status_code == 404


def test_qr_code_of_another_user_is_not_shown(client, auth, twofa, phone):
    auth.login("other")
    twofa.press_enable()
    link = twofa.link()
    auth.logout()
    # "test" signs in on the same browser: the QR code that "other" asked for is gone
    auth.login("test")
    assert client.get("/2fa/enable/scan").headers["Location"] == "/2fa/enable"
    assert client.get("/2fa/enable/qr.png").status_code == 404
    # even if someone scans the leftover code, it is not "test" who gets 2FA from it
    phone.scan(link)
    assert "message" in twofa.poll().get_json()


def test_logout_drops_the_registration_jwt(client, auth, twofa):
    auth.login()
    twofa.press_enable()
    auth.logout()
    # the cookie no longer holds the QR code's token: nobody else at this browser can scan it
    with client.session_transaction() as cookie:
        assert "registration_jwt" not in cookie


def test_poll_before_scanning(client, auth, twofa, app, db_rows):
    auth.login()
    twofa.press_enable()
    before = db_rows()
    # the phone has not scanned the code yet: keep waiting, change nothing
    assert twofa.poll().get_json() == {"status": "pending"}
    assert db_rows() == before


def test_scan_enables_2fa(client, auth, twofa, app, phone):
    auth.login()
    twofa.press_enable()
    authy_id = phone.scan(twofa.link())["authy_id"]
    with client:
        answer = twofa.poll().get_json()
        # the page is told to go to the profile, and the JWT is forgotten
        assert answer == {"redirect": "/user/test"}
        assert "registration_jwt" not in session
    # the user's Authy id is stored
    assert authy_id_of(app) == authy_id
    # the profile says so, and now offers to disable it
    page = client.get("/user/test").get_data(as_text=True)
    assert ENABLED in page
    assert ">Disable two-factor authentication</a>" in page
    assert "Enable two-factor authentication" not in page


def test_enable_page_once_enabled(client, auth, twofa):
    auth.login()
    twofa.enable()
    # with 2FA on, the enable page and its button lead back to the profile
    assert client.get("/2fa/enable").headers["Location"] == "/user/test"
    assert twofa.press_enable().headers["Location"] == "/user/test"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("denied", "The Authy app did not add the account. Please try again."),
        ("expired", "The QR code has expired. Please try again."),
    ],
)
def test_registration_not_completed(client, auth, twofa, app, fake, db_rows, status, message):
    auth.login()
    twofa.press_enable()
    fake.set_registration(custom_user_id(twofa.link()), status)
    before = db_rows()
    # the page stops with the reason, and 2FA stays off
    assert twofa.poll().get_json() == {"message": message}
    assert db_rows() == before
    assert authy_id_of(app) is None


def test_registration_jwt_expired(client, auth, twofa, app, phone, fake, db_rows):
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    phone.scan(link)
    # five minutes later, without sleeping: the session holds a JWT that has expired
    with client.session_transaction() as cookie:
        claims = jwt.decode(cookie["registration_jwt"], fake.api_key, algorithms=["HS256"])
        claims.update(iat=claims["iat"] - 400, exp=claims["exp"] - 400)
        cookie["registration_jwt"] = jwt.encode(claims, fake.api_key, algorithm="HS256")
    before = db_rows()
    assert twofa.poll().get_json() == {"message": "The QR code has expired. Please try again."}
    assert db_rows() == before
    # and the QR page no longer shows it
    assert client.get("/2fa/enable/scan").headers["Location"] == "/2fa/enable"


BAD_REGISTRATIONS = [
    {"status": "completed", "authy_id": 0},
    {"status": "completed", "authy_id": -5},
    {"status": "completed", "authy_id": "1000001"},
    {"status": "completed", "authy_id": 1000001.5},
    {"status": "completed", "authy_id": True},
    {"status": "completed", "authy_id": None},
    {"status": "completed"},
    {"status": "approved", "authy_id": 1000001},
    {"authy_id": 1000001},
]


@pytest.mark.parametrize("registration", BAD_REGISTRATIONS)
def test_registration_without_a_good_authy_id(
    client, auth, twofa, app, canned_authy, db_rows, registration
):
    auth.login()
    twofa.press_enable()
    canned_authy(200, {"registration": registration, "success": True})
    before = db_rows()
    # only "completed" with a positive whole number turns 2FA on; anything else stops
    assert twofa.poll().get_json() == {
        "message": "We could not reach Authy. Please try again in a moment."
    }
    assert db_rows() == before


def test_status_poll_needs_csrf_token(client, auth, twofa, app, phone, db_rows):
    auth.login()
    twofa.press_enable()
    phone.scan(twofa.link())
    before = db_rows()
    # another site cannot make the browser finish the registration
    assert client.post("/2fa/enable/status").status_code == 400
    assert client.post("/2fa/enable/status", headers={"X-CSRFToken": "forged"}).status_code == 400
    assert db_rows() == before


def test_status_poll_needs_login(client, auth):
    token = auth.csrf_token("/auth/login")
    response = client.post("/2fa/enable/status", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_get_never_enables(client, auth, twofa, app, app_urls, phone, fake, db_rows):
    auth.login()
    twofa.press_enable()
    phone.scan(twofa.link())
    before, calls = db_rows(), fake.calls()
    # the phone has scanned, but looking at pages (even the QR page) changes nothing
    for url in app_urls("GET"):
        client.get(url)
    assert db_rows() == before
    assert fake.calls() == calls
    assert authy_id_of(app) is None


def test_each_qr_code_has_its_own_id(client, auth, twofa, app):
    auth.login()
    twofa.press_enable()
    first = custom_user_id(twofa.link())
    twofa.press_enable()
    second = custom_user_id(twofa.link())
    # a new QR code at each press of the button, for the same user
    assert first != second
    assert "1" not in (first, second)


def test_older_qr_code_scanned_elsewhere_does_not_enable(client, auth, twofa, app, phone):
    auth.login()
    twofa.press_enable()
    older = twofa.link()
    # the user leaves that QR page; someone who saw it scans it with their own phone
    client.get("/user/test")
    intruder = phone.scan(older)["authy_id"]
    # the user presses Enable 2FA again: the older scan does not count for the new QR code
    twofa.press_enable()
    assert twofa.poll().get_json() == {"status": "pending"}
    assert authy_id_of(app) is None
    # only a scan of the QR code shown now turns 2FA on, with that phone
    authy_id = phone.scan(twofa.link())["authy_id"]
    a_while_later(app)
    assert "redirect" in twofa.poll().get_json()
    assert authy_id_of(app) == authy_id != intruder


def test_enable_polls_ask_authy_once_per_interval(client, auth, twofa, app, fake):
    app.config["POLL_INTERVAL"] = 60
    auth.login()
    twofa.press_enable()

    def status_calls():
        return [c for c in fake.calls() if c["path"] == "/protected/json/registrations/status"]

    # a script polls as fast as it can: one Authy call, and "pending" for every poll
    answers = [twofa.poll().get_json() for _ in range(30)]
    assert answers == [{"status": "pending"}] * 30
    assert len(status_calls()) == 1
    # one interval later Authy is asked again, once
    a_while_later(app)
    answers = [twofa.poll().get_json() for _ in range(10)]
    assert answers == [{"status": "pending"}] * 10
    assert len(status_calls()) == 2
    # a new QR code does not start a new interval
    twofa.press_enable()
    assert twofa.poll().get_json() == {"status": "pending"}
    assert len(status_calls()) == 2


def test_simultaneous_enable_polls_ask_authy_once(client, auth, twofa, app, fake):
    app.config["POLL_INTERVAL"] = 60
    auth.login()
    twofa.press_enable()
    token = auth.csrf_token("/")
    cookie = client.get_cookie("session").value
    calls = len(fake.calls())
    # ten tabs (or a script) poll at the very same moment, each with its own connection
    browsers = tabs(app, cookie, 10)

    def poll(number):
        response = browsers[number].post("/2fa/enable/status", headers={"X-CSRFToken": token})
        return response.get_json()

    answers = at_once(len(browsers), poll)
    # all of them are told to wait, and Authy is asked once
    assert answers == [{"status": "pending"}] * 10
    assert len(fake.calls()) == calls + 1
