"""When Authy fails, every page that asks it answers promptly, plainly, and changes nothing."""

import logging
import socket
import subprocess
import sys
import time

import pytest
from flask import Flask

from app import verify
from app import create_app
from conftest import STAGE
from conftest import TIMEOUT
from fake_authy.testing import wait_for

# The fake's fault modes: 503 with a web page, 500, 200 that is not JSON, 429, too slow.
FAULTS = ["unavailable", "error", "malformed", "rate_limit", "slow"]
# Answers that the fake does not give: a wrong API key, and "no" in a 200.
CANNED = [
    (401, {"message": "Invalid API key", "success": False, "error_code": "60001"}),
    (200, {"message": "Something failed", "success": False}),
    (200, {"success": True}),
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
def test_enable_poll_when_authy_fails(scanned, twofa, fault, db_rows, mode):
    fault(mode)
    before = db_rows()
    response, seconds = timed(twofa.poll)
    # the QR page stops with a plain message, soon, and 2FA stays off
    assert response.get_json() == {"message": PLAIN}
    assert seconds < TIMEOUT + 1
    assert db_rows() == before


def test_enable_poll_when_authy_is_down(scanned, twofa, app, db_rows):
    app.config["AUTHY_API_URL"] = f"http://127.0.0.1:{closed_port()}"
    before = db_rows()
    assert twofa.poll().get_json() == {"message": PLAIN}
    assert db_rows() == before


@pytest.mark.parametrize(("status", "body"), CANNED)
def test_enable_poll_when_authy_says_no(
    scanned, twofa, canned_authy, db_rows, caplog, status, body
):
    canned_authy(status, body)
    before = db_rows()
    assert twofa.poll().get_json() == {"message": PLAIN}
    assert db_rows() == before
    # refused for what the answer says (not because it took too long)
    assert f"Authy call failed: HTTP {status}" in caplog.text


@pytest.mark.parametrize("mode", FAULTS)
def test_login_when_authy_fails(client, auth, with_2fa, fault, db_rows, mode):
    with_2fa()
    fault(mode)
    before = db_rows()
    response, seconds = timed(lambda: auth.login(next="/user/test"))
    # back to the login page (and its `next`), soon, with a plain message; nobody signed in
    assert response.headers["Location"] == "/auth/login?next=/user/test"
    assert seconds < TIMEOUT + 1
    assert PLAIN in client.get("/auth/login").get_data(as_text=True)
    # nothing changes, but for the push cap's count: a push that Authy may have sent (no
    # answer in time, or one we cannot read) counts (tests/test_push_limits.py)
    assert {**db_rows(), "hit": None} == {**before, "hit": None}
    with client.session_transaction() as session:
        assert "_user_id" not in session
        assert "pending_login" not in session


@pytest.mark.parametrize("mode", FAULTS)
def test_push_poll_when_authy_fails(client, auth, with_2fa, phone, push, fault, mode):
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
def test_disable_when_authy_fails(client, auth, with_2fa, fake, fault, db_rows, mode):
    auth.login()
    authy_id = with_2fa()
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
    asked = ["delete"] if mode == "rate_limit" else ["delete", "status"]
    logged = wait_for(lambda: len(fake.calls()) == calls + len(asked) and fake.calls()[calls:])
    assert sorted(call["path"] for call in logged) == [
        f"/protected/json/users/{authy_id}/{path}" for path in asked
    ]


# For a delete, {"success": true} is the whole of a good answer.
NOT_DELETED = [answer for answer in CANNED if answer[1] != {"success": True}]


@pytest.mark.parametrize(("status", "body"), NOT_DELETED)
def test_disable_when_authy_says_no(
    client, auth, with_2fa, canned_authy, db_rows, caplog, status, body
):
    auth.login()
    with_2fa()
    token = auth.csrf_token("/2fa/disable")
    canned_authy(status, body)
    before = db_rows()
    assert client.post("/2fa/disable", data={"csrf_token": token}).status_code == 302
    assert db_rows() == before
    assert f"Authy call failed: HTTP {status}" in caplog.text


def test_secrets_not_logged(client, auth, twofa, app, phone, fake, fault, app_urls, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    token = link.removeprefix("authy://account?token=")
    # (decoded leniently: one of them is the QR code picture)
    pages = {url: client.get(url).get_data().decode(errors="replace") for url in app_urls("GET")}
    fault("error")
    twofa.poll()
    fault("none")
    phone.scan(link)
    twofa.poll()
    # the API key and the JWT are never written to the log
    assert "Authy call failed" in caplog.text
    assert fake.api_key not in caplog.text
    assert token not in caplog.text
    # the API key is on no page; the JWT only on its owner's QR page
    assert all(fake.api_key not in page for page in pages.values())
    assert [url for url, page in pages.items() if token in page] == ["/2fa/enable/scan"]


def test_error_inside_a_call_is_logged(app, caplog):
    def one_argument(user_id):
        return user_id

    # a wrong call of our own (two arguments for one) fails closed, and the log names the error
    with app.app_context(), pytest.raises(authy.AuthyError):
        authy._call(one_argument, 1, 2)
    assert "TypeError(" in caplog.text
    assert "takes 1 positional argument but 2 were given" in caplog.text


def test_timeouts_come_from_create_app():
    # Importing app.authy leaves the authy client as it is; create_app() gives it the timeouts.
    # (In a process of its own: the tests here have created apps already.)
    script = """
import authy.api.resources as resources, requests
import app.authy
assert resources.requests is requests, "the authy client was changed on import"
from app import create_app
from config import Config
class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
create_app(TestConfig)
assert resources.requests is app.authy.REQUESTS_WITH_TIMEOUTS, "create_app() did not set it"
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=STAGE, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_app_without_init_app_does_not_call_authy(app, fake):
    # an app whose factory forgot authy.init_app() would call Authy without timeouts: it stops
    bare = Flask("bare")
    bare.config.update(app.config)
    calls = len(fake.calls())
    with bare.app_context(), pytest.raises(RuntimeError, match="init_app"):
        authy.registration_status(authy.new_registration_id())
    assert len(fake.calls()) == calls


@pytest.mark.parametrize("seconds", ["0", "-1", "nan"])
def test_authy_timeout_must_be_above_zero(load_config, seconds):
    config = load_config(SECRET_KEY="s3cret", DATABASE_URL="sqlite://", VERIFY_TIMEOUT=seconds)
    with pytest.raises(RuntimeError, match="VERIFY_TIMEOUT must be a number of seconds above 0"):
        create_app(config)
