"""Final's Content-Security-Policy blocks nothing the pages need (final only).

A policy that is too strict breaks a site quietly: a script that does not run, a style
sheet that does not load. Chromium reports each thing it refuses in the console ("Refused
to load ... because it violates the following Content Security Policy directive"); this
scenario goes through the whole flow and expects no such message.
"""

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again


@pytest.mark.since("final")
def test_policy_blocks_nothing_the_pages_need(page, live_app, user, phone):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    # the QR page's script runs (the page moves on by itself once the phone has scanned)
    username = user.enable_2fa(page, live_app, phone)
    # Bootstrap's style sheet is loaded: the navigation bar is laid out as a flex box
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
    # and so does the waiting page's
    log_in_again(page, live_app, user, username)
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    assert [text for text in messages if "Content Security Policy" in text] == []


@pytest.mark.since("final")
def test_the_policy_is_enforced(page, live_app, user):
    user.register_and_login(page, live_app)
    # an inline script, as an XSS bug would inject it, is refused and does not run
    refused = lambda message: "Content Security Policy" in message.text  # noqa: E731
    with page.expect_console_message(refused):
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.injected = 'yes'";
            document.body.append(script);
        }""")
    assert page.evaluate("document.body.dataset.injected") is None
