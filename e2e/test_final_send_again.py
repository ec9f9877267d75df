"""Send again and This wasn't me on the waiting page (final only)."""

import re

import pytest
from playwright.sync_api import expect

from test_push_login import assert_signed_out
from test_push_login import log_in_again
from test_push_login import poller


@pytest.mark.since("final")
def test_a_fourth_send_again_is_refused(page, start_app, user, phone):
    # no wait between two Send again (the 30 seconds are tested in final/tests)
    app = start_app(RESEND_COOLDOWN="0")
    username = user.enable_2fa(page, app, phone)
    log_in_again(page, app, user, username)
    code = page.get_by_test_id("login-code").inner_text()
    for sent in range(2, 5):
        # the alert of the click before says the same words: wait for the new page itself
        with page.expect_navigation():
            page.get_by_role("button", name="Send again").click()
        expect(page.get_by_role("alert")).to_have_text("We sent a new request to your phone.")
        # one more request on the phone, with the same code
        assert len(phone.requests()) == sent
        assert phone.latest()["details"]["Code"] == code
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("alert")).to_have_text(
        "No more requests for this login. Log in again if you need another.")
    assert len(phone.requests()) == 4
    # the newest request signs in (that older ones no longer count is in final/tests)
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()


@pytest.mark.since("final")
def test_this_wasnt_me(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    poll = poller(page)
    page.get_by_role("button", name="This wasn't me").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_contain_text("Login stopped.")
    # the request is still on the phone, but approving it signs nobody in, even when asked
    phone.approve_latest()
    poll()
    assert_signed_out(page, live_app)
