"""The waiting page and the push show the same code (final only).

Against push bombing: someone who has the password logs in while the real user is logging
in too. Two requests reach the phone; only the one with the code on the user's screen is
theirs, and the other one gets Deny.
"""

import re

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again


@pytest.mark.since("final")
def test_code_on_the_page_matches_the_push(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    shown = page.get_by_test_id("login-code")
    expect(shown).to_have_text(re.compile(r"^\d{4}$"))
    # the phone's request carries the same code, and says what to do if it differs
    request = phone.latest("pending")
    assert request["details"]["Code"] == shown.inner_text()
    assert request["details"]["Username"] == username
    assert request["details"]["Codes differ?"] == "Tap Deny: it is not your login."
    expect(page.get_by_text("If your phone shows another code, tap Deny")).to_be_visible()


@pytest.mark.since("final")
def test_the_other_login_has_another_code(page, context, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    mine = page.get_by_test_id("login-code").inner_text()
    # someone else with the password logs in from another browser at the same moment
    attacker = context.browser.new_context().new_page()
    user.login(attacker, live_app, username)
    theirs = attacker.get_by_test_id("login-code").inner_text()
    # two requests on the phone, each with its own attempt's code (four random digits
    # each: the same by chance once in ten thousand, which is why the user compares)
    requests = {request["details"]["Code"]: request for request in phone.requests("pending")}
    assert mine in requests and theirs in requests
    # the user denies the request whose code is not on their screen: the attacker is out
    if mine != theirs:
        phone.deny(requests[theirs]["uuid"])
        expect(attacker.get_by_role("alert")).to_have_text("Login request denied.")
        phone.approve(requests[mine]["uuid"])
        expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    attacker.context.close()
