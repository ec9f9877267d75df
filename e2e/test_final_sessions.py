"""Logging out ends the user's sessions in every browser (final only)."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.since("final")
def test_logout_ends_the_other_browsers_session(page, context, live_app, user):
    username = user.register_and_login(page, live_app)
    # the same user, signed in on a second browser (with Remember Me, for good measure)
    other = context.browser.new_context().new_page()
    user.login(other, live_app, username, remember=True)
    expect(other.get_by_role("button", name="Logout")).to_be_visible()
    # logging out on the first ends the second too, remember cookie and all
    page.get_by_role("button", name="Logout").click()
    other.reload()
    expect(other).to_have_url(re.compile(r"/auth/login\?next="))
    other.context.close()
