"""A burst of logins runs into the per-account push cap (final only).

What a push bomber does: log in with the stolen password again and again, each time sending
a request to the victim's phone. Final sends at most 10 an hour per account (PUSH_CAP).
"""

import re

import pytest
from playwright.sync_api import expect

from test_push_login import assert_signed_out
from test_push_login import poller

PUSH_CAP = 10  # final's default


@pytest.mark.since("final")
def test_a_burst_of_logins_hits_the_cap(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    page.get_by_role("button", name="Logout").click()
    for sent in range(1, PUSH_CAP + 1):
        user.login(page, live_app, username)
        expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
        assert len(phone.requests()) == sent
    poll = poller(page)  # the last waiting page's
    # the next login, with the right password, sends nothing and says why
    user.login(page, live_app, username)
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_have_text(
        "Too many login requests for this account. Please try again later.")
    assert len(phone.requests()) == PUSH_CAP
    # each new login ended the one before it: approving the newest request signs nobody in
    phone.approve_latest()
    poll()
    assert_signed_out(page, live_app)
