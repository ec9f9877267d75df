"""Turn two-factor authentication off again from the profile (stage 06 on)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.since("06")
def test_disable_2fa(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Disable two-factor authentication").click()

    # the confirmation page says what disabling means
    expect(page).to_have_url(f"{live_app.url}/2fa/disable")
    expect(page.get_by_role("heading", name="Disable two-factor authentication")).to_be_visible()
    expect(page.get_by_text("Logins will no longer ask for your approval")).to_be_visible()
    page.get_by_role("button", name="Disable").click()

    # back on the profile: 2FA is off and can be enabled again
    expect(page).to_have_url(f"{live_app.url}/user/{username}")
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now disabled.")
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_be_visible()
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_have_count(0)

    # and the password alone signs in again: no waiting for the phone
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    assert phone.requests() == []
