"""OneTouch callbacks: the phone's answer reaches the waiting page through the database (final only).

Final started with AUTHY_CALLBACK_URL, and the fake Authy told (at run time, through its
test control) to send its signed callbacks there. Approving on the phone then signs the
user in with two Authy calls in all: the push, and one status call that confirms it.
"""

import re

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again
from tools.servers import free_port


@pytest.fixture
def callback_app(start_app, fake_authy):
    """Final with callbacks on (its own server: the URL names its port); each scenario tells the
    fake to send its callbacks there."""
    port = free_port()
    callback_url = f"http://127.0.0.1:{port}/authy/callback"
    # POLL_INTERVAL back at its default: the waiting page uses CALLBACK_POLL_INTERVAL
    app = start_app(port=port, AUTHY_CALLBACK_URL=callback_url, POLL_INTERVAL="1")
    app.callback_url = callback_url
    yield app
    fake_authy.set_callback_url(None)


def onetouch_calls(fake_authy):
    return [call["method"] for call in fake_authy.calls() if call["path"].startswith("/onetouch/")]


@pytest.mark.since("final")
def test_signed_callback_signs_in_through_the_waiting_page(page, callback_app, user, phone, fake_authy):
    username = user.enable_2fa(page, callback_app, phone)
    fake_authy.set_callback_url(callback_app.callback_url)
    log_in_again(page, callback_app, user, username)
    # the waiting page polls the database often (CALLBACK_POLL_INTERVAL, 0.2 s by default)
    expect(page.locator("#poll")).to_have_attribute("data-poll-interval", "0.2")
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    # the app answered the fake's callback, and asked Authy only to send and to confirm
    assert re.search(r'"POST /authy/callback HTTP/1.1" 200', callback_app.output_tail(200))
    assert onetouch_calls(fake_authy) == ["POST", "GET"]


@pytest.mark.since("final")
def test_denial_by_callback(page, callback_app, user, phone, fake_authy):
    username = user.enable_2fa(page, callback_app, phone)
    fake_authy.set_callback_url(callback_app.callback_url)
    log_in_again(page, callback_app, user, username)
    phone.deny_latest()
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
    # a denial needs no confirmation: the push was the only Authy call
    assert onetouch_calls(fake_authy) == ["POST"]
