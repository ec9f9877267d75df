"""The profile page and its link to two-factor authentication (stage 02 on)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.since("02")
def test_profile_link(page, live_app, user):
    username = user.register_and_login(page, live_app)
    page.get_by_role("link", name="Profile").click()
    # the user's own profile offers to enable two-factor authentication
    expect(page).to_have_url(f"{live_app.url}/user/{username}")
    expect(page.get_by_role("heading", name=f"User: {username}")).to_be_visible()
    expect(page.get_by_text(f"{username}@example.com")).to_be_visible()
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_be_visible()


@pytest.mark.since("02")
def test_other_users_profile(page, live_app, user):
    other = user.register(page, live_app)
    user.register_and_login(page, live_app)
    page.goto(f"/user/{other}")
    # someone else's profile has no two-factor controls and no email address
    expect(page.get_by_role("heading", name=f"User: {other}")).to_be_visible()
    expect(page.get_by_text("two-factor authentication")).to_have_count(0)
    expect(page.get_by_text(f"{other}@example.com")).to_have_count(0)
