"""Log in with the password, then answer the push on the phone (stage 05 on).

Each scenario signs up a user and turns on 2FA by scanning the QR code (as in
user.enable_2fa), logs out, and logs in again; the fake's phone then approves, denies,
or lets the request expire.
"""

import re

import pytest
from playwright.sync_api import expect


def log_in_again(page, live_app, user, username):
    """Log out, then enter the right password: the app waits for the phone."""
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page).to_have_url(f"{live_app.url}/auth/login/push")
    expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    expect(page.get_by_text("We sent a login request to your phone.")).to_be_visible()
    # the password alone signs nobody in
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


def poller(page):
    """Send, later and from this browser, the poll the waiting page now shown would send.

    After Cancel the page has gone, and its script with it; a left-over session entry would
    still sign the browser in at the next poll, so the scenarios send one themselves.
    """
    box = page.locator("#poll")
    url, token = box.get_attribute("data-poll-url"), box.get_attribute("data-csrf-token")
    origin = re.match(r"https?://[^/]+", page.url).group()
    return lambda: page.request.post(origin + url, headers={"X-CSRFToken": token})


def assert_signed_out(page, live_app):
    page.goto(f"{live_app.url}/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("05")
def test_login_with_approve(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
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
def test_login_with_deny(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    phone.deny_latest()
    # back on the login page, which says so; nobody is signed in
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("05")
def test_login_cancel(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    poll = poller(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    # approving the cancelled request afterwards signs nobody in, even when asked
    phone.approve_latest()
    poll()
    assert_signed_out(page, live_app)


@pytest.mark.since("05")
def test_login_request_expires(page, start_app, user, phone):
    # login requests that expire after 2 seconds (the shared server waits the default 120)
    app = start_app(PUSH_EXPIRY="2")
    username = user.enable_2fa(page, app, phone)
    log_in_again(page, app, user, username)
    # nobody answers on the phone: after two seconds the waiting page gives up by itself
    expect(page.get_by_role("alert")).to_have_text("Login request expired.", timeout=15_000)
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)
