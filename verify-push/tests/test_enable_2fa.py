import io
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

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


def factor_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.factor_sid).where(User.username == username))


def link_part(link, name):
    """A part of a QR code's link: service, identity or token."""
    return parse_qs(urlsplit(link).query)[name][0]


def identity_of(link):
    """The entity identity in a QR code's link, the entity Verify knows this QR code's factor by."""
    return link_part(link, "identity")


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
    assert "Scan QR code" in page
    assert "Can’t scan it?" in page
    assert re.search(r"<code[^>]*>verifypush://enrol\?service=VA[0-9a-f]{32}&amp;identity=[0-9a-f]{32}&amp;token=[\w.-]+</code>", page)
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


def test_access_token(client, auth, twofa, app, fake):
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    token = link_part(link, "token")
    # made by Verify for this service and this QR code's entity only, push factors only
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["grants"]["verify"]["identity"] == identity_of(link)
    assert claims["grants"]["verify"]["factor"] == "push"
    assert link_part(link, "service") == fake.verify_service_sid
    with app.app_context():
        registration_id = db.session.get(User, 1).registration_id
    # a random identity kept for the user: no username or email goes to Verify
    assert identity_of(link) == registration_id
    assert re.fullmatch(r"[0-9a-f]{32}", registration_id)
    # valid for at most five minutes, starting now
    assert 0 < claims["exp"] - time.time() <= 300


def test_qr_code_lives_qr_expiry_seconds(client, auth, twofa, app, fake):
    def lifetime():
        twofa.press_enable()
        claims = jwt.decode(link_part(twofa.link(), "token"), options={"verify_signature": False})
        return claims["exp"] - time.time()

    auth.login()
    # five minutes by default, the most Verify allows; QR_EXPIRY shortens it (to try expiry)
    # (the token's exp is in whole seconds, and a busy machine takes a moment)
    assert 297 <= lifetime() <= 300
    app.config["QR_EXPIRY"] = 60
    assert 57 <= lifetime() <= 60


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
        assert "verify_enrolment" not in cookie


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
    factor_sid = phone.scan(twofa.link()).sid
    with client:
        answer = twofa.poll().get_json()
        # the page is told to go to the profile, and the JWT is forgotten
        assert answer == {"redirect": "/user/test"}
        assert "verify_enrolment" not in session
    # the user's factor is stored
    assert factor_of(app) == factor_sid
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


def test_unverified_factor_does_not_enable(client, auth, twofa, app, phone, db_rows):
    auth.login()
    twofa.press_enable()
    # a phone created a factor but did not prove it holds the key (no signed sid)
    phone.scan(twofa.link(), verify_factor=False)
    before = db_rows()
    assert twofa.poll().get_json() == {"status": "pending"}
    assert db_rows() == before
    assert factor_of(app) is None


def test_enrolment_expired(client, auth, twofa, app, phone, fake, db_rows):
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    phone.scan(link)
    # five minutes later, without sleeping: the session's enrolment has expired
    with client.session_transaction() as cookie:
        cookie["verify_enrolment"] = {**cookie["verify_enrolment"], "expires": time.time() - 1}
    before = db_rows()
    assert twofa.poll().get_json() == {"message": "The QR code has expired. Please try again."}
    assert db_rows() == before
    # and the QR page no longer shows it
    assert client.get("/2fa/enable/scan").headers["Location"] == "/2fa/enable"


BAD_FACTOR_LISTS = [
    (200, {"factors": [{"sid": None, "status": "verified", "factor_type": "push"}], "meta": {"key": "factors"}}),
    (200, {"factors": [{"sid": "not a sid", "status": "verified", "factor_type": "push"}], "meta": {"key": "factors"}}),
    (200, {"no": "factors"}),
    (500, {"code": 20500, "status": 500, "message": "error"}),
    (401, {"code": 20003, "status": 401, "message": "auth"}),
]


@pytest.mark.parametrize(("status", "body"), BAD_FACTOR_LISTS)
def test_enrolment_without_a_good_factor(client, auth, twofa, app, canned_verify, db_rows, status, body):
    auth.login()
    twofa.press_enable()
    canned_verify(status, body)
    before = db_rows()
    # only a verified push factor with a real sid turns 2FA on; anything else stops
    assert twofa.poll().get_json() == {
        "message": "We could not reach Twilio Verify. Please try again in a moment."
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
    assert factor_of(app) is None


def test_each_qr_code_has_its_own_id(client, auth, twofa, app):
    auth.login()
    twofa.press_enable()
    first = identity_of(twofa.link())
    twofa.press_enable()
    second = identity_of(twofa.link())
    # a new QR code at each press of the button, for the same user
    assert first != second
    assert "1" not in (first, second) and "test" not in (first, second)


def test_older_qr_code_scanned_elsewhere_does_not_enable(client, auth, twofa, app, phone):
    auth.login()
    twofa.press_enable()
    older = twofa.link()
    # the user leaves that QR page; someone who saw it scans it with their own phone
    client.get("/user/test")
    intruder = phone.scan(older).sid
    # the user presses Enable 2FA again: the older scan does not count for the new QR code
    twofa.press_enable()
    assert twofa.poll().get_json() == {"status": "pending"}
    assert factor_of(app) is None
    # only a scan of the QR code shown now turns 2FA on, with that phone
    factor_sid = phone.scan(twofa.link()).sid
    a_while_later(app)
    assert "redirect" in twofa.poll().get_json()
    assert factor_of(app) == factor_sid != intruder


def test_enable_polls_ask_verify_once_per_interval(client, auth, twofa, app, fake):
    app.config["POLL_INTERVAL"] = 60
    auth.login()
    twofa.press_enable()

    def status_calls():
        return [c for c in fake.calls() if c["path"].endswith("/Factors") and c["method"] == "GET"]

    # a script polls as fast as it can: one Verify call, and "pending" for every poll
    answers = [twofa.poll().get_json() for _ in range(30)]
    assert answers == [{"status": "pending"}] * 30
    assert len(status_calls()) == 1
    # one interval later Verify is asked again, once
    a_while_later(app)
    answers = [twofa.poll().get_json() for _ in range(10)]
    assert answers == [{"status": "pending"}] * 10
    assert len(status_calls()) == 2
    # a new QR code does not start a new interval
    twofa.press_enable()
    assert twofa.poll().get_json() == {"status": "pending"}
    assert len(status_calls()) == 2


def test_simultaneous_enable_polls_ask_verify_once(client, auth, twofa, app, fake):
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
    # all of them are told to wait, and Verify is asked once
    assert answers == [{"status": "pending"}] * 10
    assert len(fake.calls()) == calls + 1
