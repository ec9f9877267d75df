"""Log in with the password, then answer the push on the phone (stage 05 on).

Each scenario signs up a user and turns on 2FA by scanning the QR code (as in
test_enable_2fa.py), logs out, and logs in again; the fake's phone then approves, denies,
or lets the request expire.
"""

import re
import secrets

import pytest
from playwright.sync_api import expect

from test_enable_2fa import enable_2fa
from tools import stages
from tools.servers import AppServer
from tools.servers import free_port


def log_in_again(page, live_app, user, username):
    """Log out, then enter the right password: the app waits for the phone."""
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page).to_have_url(f"{live_app.url}/auth/login/push")
    expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    expect(page.get_by_text("We sent a login request to your phone.")).to_be_visible()
    # the password alone signs nobody in
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("05")
def test_login_with_approve(page, live_app, user, phone, fake_authy):
    username = enable_2fa(page, live_app, user, phone, fake_authy)
    log_in_again(page, live_app, user, username)
    # the phone shows who is logging in, and the user approves
    request = phone.approve_latest()
    assert request["message"] == "Log in to Push 2FA Tutorial"
    assert request["details"]["Username"] == username
    # the waiting page moves on by itself: signed in, on the home page
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_be_visible()


@pytest.mark.since("05")
def test_login_with_deny(page, live_app, user, phone, fake_authy):
    username = enable_2fa(page, live_app, user, phone, fake_authy)
    log_in_again(page, live_app, user, username)
    phone.deny_latest()
    # back on the login page, which says so; nobody is signed in
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("05")
def test_login_cancel(page, live_app, user, phone, fake_authy):
    username = enable_2fa(page, live_app, user, phone, fake_authy)
    log_in_again(page, live_app, user, username)
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    # approving the cancelled request afterwards signs nobody in
    phone.approve_latest()
    page.goto(f"{live_app.url}/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.fixture
def short_expiry_app(live_app, fake_authy, tmp_path):
    """The same stage's app, started again with login requests that expire after 2 seconds.

    (The shared server has the default of 120 seconds, too long to wait for.)
    """
    app = AppServer(
        folder=stages.ROOT / stages.get(live_app.stage_id).path,
        port=free_port(),
        log=tmp_path / "server.log",
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "AUTHY_API_URL": fake_authy.url,
            "POLL_INTERVAL": "0.2",
            "PUSH_EXPIRY": "2",
            "FLASK_DEBUG": "0",
            "SECRET_KEY": secrets.token_hex(16),
        },
    ).start()
    yield app
    app.stop()


@pytest.mark.since("05")
def test_login_request_expires(page, short_expiry_app, user, phone, fake_authy):
    username = enable_2fa(page, short_expiry_app, user, phone, fake_authy)
    log_in_again(page, short_expiry_app, user, username)
    # nobody answers on the phone: after two seconds the waiting page gives up by itself
    expect(page.get_by_role("alert")).to_have_text("Login request expired.", timeout=15_000)
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)
