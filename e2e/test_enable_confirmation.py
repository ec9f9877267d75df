"""From the profile to the page that asks to confirm enabling 2FA (stage 03 on)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.since("03")
def test_enable_confirmation_page(page, live_app, user):
    user.register_and_login(page, live_app)
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Enable two-factor authentication").click()
    # a short explanation, and the button that goes ahead
    expect(page).to_have_url(f"{live_app.url}/2fa/enable")
    expect(page.get_by_role("heading", name="Enable two-factor authentication")).to_be_visible()
    expect(page.get_by_text("the Authy app shows the request")).to_be_visible()
    expect(page.get_by_role("button", name="Enable 2FA")).to_be_visible()
