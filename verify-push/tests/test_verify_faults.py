"""When Verify fails, every page that asks it answers promptly, plainly, and changes nothing."""

import logging
import socket
import time
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask

from app import create_app
from app import verify
from conftest import TIMEOUT

# The fake's fault modes: 503 with a web page, 500, 200 that is not JSON, 429, too slow.
FAULTS = ["unavailable", "error", "malformed", "rate_limit", "slow"]
# Answers that the fake does not give: a wrong API key, and "no" in a 200.
# Answers that the fake does not give: wrong credentials, a refusal, and odd 200s.
CANNED = [
    (401, {"code": 20003, "message": "Authenticate", "status": 401}),
    (400, {"code": 60306, "message": "Invalid parameter", "status": 400}),
    (200, ["not", "an", "object"]),
]
PLAIN = "We could not reach Twilio Verify. Please try again in a moment."


def timed(request):
    """The response to request(), and how many seconds it took."""
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scanned(auth, twofa, phone):
    """The user pressed Enable 2FA and the phone scanned the QR code."""
    auth.login()
    twofa.press_enable()
    phone.scan(twofa.link())


@pytest.mark.parametrize("mode", FAULTS)
def test_enable_poll_when_verify_fails(scanned, twofa, fault, db_rows, mode):
    fault(mode)
    before = db_rows()
    response, seconds = timed(twofa.poll)
    # the QR page stops with a plain message, soon, and 2FA stays off
    assert response.get_json() == {"message": PLAIN}
    assert seconds < TIMEOUT + 1
    assert db_rows() == before


def test_enable_poll_when_verify_is_down(scanned, twofa, app, db_rows):
    app.config["TWILIO_VERIFY_BASE_URL"] = f"http://127.0.0.1:{closed_port()}"
    before = db_rows()
    assert twofa.poll().get_json() == {"message": PLAIN}
    assert db_rows() == before


@pytest.mark.parametrize(("status", "body"), CANNED)
def test_enable_poll_when_verify_says_no(
    scanned, twofa, canned_verify, db_rows, caplog, status, body
):
    canned_verify(status, body)
    before = db_rows()
    assert twofa.poll().get_json() == {"message": PLAIN}
    assert db_rows() == before
    # refused for what the answer says (not because it took too long)
    assert "Verify call failed: " + (f"HTTP {status}" if status >= 400 else "the call or its answer") in caplog.text


@pytest.mark.parametrize("mode", FAULTS)
def test_login_when_verify_fails(client, auth, with_2fa, fault, db_rows, mode):
    with_2fa()
    fault(mode)
    before = db_rows()
    response, seconds = timed(lambda: auth.login(next="/user/test"))
    # back to the login page (and its `next`), soon, with a plain message; nobody signed in
    assert response.headers["Location"] == "/auth/login?next=/user/test"
    assert seconds < TIMEOUT + 1
    assert PLAIN in client.get("/auth/login").get_data(as_text=True)
    # nothing changes, but for the push cap's count: a push that Verify may have sent (no
    # answer in time, or one we cannot read) counts (tests/test_push_limits.py)
    assert {**db_rows(), "hit": None} == {**before, "hit": None}
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "pending_login" not in session


@pytest.mark.parametrize("mode", FAULTS)
def test_push_poll_when_verify_fails(client, auth, with_2fa, phone, push, fault, mode):
    with_2fa()
    auth.login()
    phone.approve_latest()  # the phone works; the API does not
    push.csrf_token()
    fault(mode)
    response, seconds = timed(push.poll)
    # the login ends, soon, with a plain message; an approval that cannot be checked is no yes
    assert response.get_json() == {"redirect": "/auth/login"}
    assert seconds < TIMEOUT + 1
    assert PLAIN in client.get("/auth/login").get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "pending_login" not in session


@pytest.mark.parametrize("mode", FAULTS)
def test_disable_when_verify_fails(client, auth, with_2fa, fake, fault, db_rows, mode):
    auth.login()
    with_2fa()
    token = auth.csrf_token("/2fa/disable")
    calls = len(fake.calls())
    fault(mode)
    before = db_rows()
    response, seconds = timed(lambda: client.post("/2fa/disable", data={"csrf_token": token}))
    # 2FA stays on, and the page says so, soon (the delete, then a question about the user)
    assert response.headers["Location"] == "/2fa/disable"
    assert seconds < 2 * TIMEOUT + 1
    assert "Two-factor authentication is still on. " + PLAIN in client.get(
        "/2fa/disable"
    ).get_data(as_text=True)
    assert db_rows() == before
    # after an unclear failure the app asked whether the user is still there; a 429 is a
    # clear "not done" (slow calls arrive late: wait, so the next test does not see them)
    asked = ["DELETE"] if mode == "rate_limit" else ["DELETE", "GET"]
    assert [call["method"] for call in fake.calls()[calls:]] == asked


# For a delete, any 2xx is a good answer: only the refusals.
NOT_DELETED = [answer for answer in CANNED if answer[0] >= 400]


@pytest.mark.parametrize(("status", "body"), NOT_DELETED)
def test_disable_when_verify_says_no(
    client, auth, with_2fa, canned_verify, db_rows, caplog, status, body
):
    auth.login()
    with_2fa()
    token = auth.csrf_token("/2fa/disable")
    canned_verify(status, body)
    before = db_rows()
    assert client.post("/2fa/disable", data={"csrf_token": token}).status_code == 302
    assert db_rows() == before
    assert "Verify call failed: " + (f"HTTP {status}" if status >= 400 else "the call or its answer") in caplog.text


def test_secrets_not_logged(client, auth, twofa, app, phone, fake, fault, app_urls, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    token = parse_qs(urlsplit(link).query)["token"][0]
    # (decoded leniently: one of them is the QR code picture)
    pages = {url: client.get(url).get_data().decode(errors="replace") for url in app_urls("GET")}
    fault("error")
    twofa.poll()
    fault("none")
    phone.scan(link)
    twofa.poll()
    # the auth token and the access token are never written to the log
    assert "Verify call failed" in caplog.text
    assert fake.auth_token not in caplog.text
    assert token not in caplog.text
    # the auth token is on no page; the access token only on its owner's QR page
    assert all(fake.auth_token not in page for page in pages.values())
    assert [url for url, page in pages.items() if token in page] == ["/2fa/enable/scan"]


def test_error_inside_a_call_is_logged(app, caplog):
    def one_argument(user_id):
        return user_id

    # a wrong call of our own (two arguments for one) fails closed, and the log names the error
    with app.app_context(), pytest.raises(verify.VerifyError):
        verify._call(one_argument, 1, 2)
    assert "TypeError(" in caplog.text
    assert "takes 1 positional argument but 2 were given" in caplog.text


def test_every_call_has_the_timeout(app, fake, fault):
    # the twilio library's client gets VERIFY_TIMEOUT: a slow Verify is given up on
    fault("slow")
    with app.app_context(), pytest.raises(verify.VerifyError):
        verify.enrolment_status(verify.new_identity())


def test_app_without_init_app_does_not_call_verify(app, fake):
    # an app whose factory forgot authy.init_app() would call Verify without timeouts: it stops
    bare = Flask("bare")
    bare.config.update(app.config)
    calls = len(fake.calls())
    with bare.app_context(), pytest.raises(RuntimeError, match="init_app"):
        verify.enrolment_status(verify.new_identity())
    assert len(fake.calls()) == calls


@pytest.mark.parametrize("seconds", ["0", "-1", "nan"])
def test_verify_timeout_must_be_above_zero(load_config, seconds):
    config = load_config(SECRET_KEY="s3cret", DATABASE_URL="sqlite://", VERIFY_TIMEOUT=seconds)
    with pytest.raises(RuntimeError, match="VERIFY_TIMEOUT must be a number of seconds above 0"):
        create_app(config)
