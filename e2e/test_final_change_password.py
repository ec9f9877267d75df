"""Changing the password from the profile (final only).

"This wasn't me" tells the user to change their password: the profile has the page for it.
The current password first; afterwards every other browser signed in to the account is
signed out, and only the new password logs in.
"""

import re

import pytest
from playwright.sync_api import expect

NEW = "a new and longer passphrase"


def fill_in(page, current, new):
    page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Repeat new password").fill(new)
    page.get_by_role("button", name="Change password").click()


@pytest.mark.since("final")
def test_change_password(page, context, live_app, user):
    username = user.register_and_login(page, live_app)
    # the same user, signed in on a second browser
    other = context.browser.new_context().new_page()
    user.login(other, live_app, username)
    expect(other.get_by_role("button", name="Logout")).to_be_visible()
    # from the profile to the page
    page.goto(f"{live_app.url}/user/{username}")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    # a wrong current password changes nothing, and the page says so
    fill_in(page, "wrong password", NEW)
    expect(page.get_by_role("alert")).to_have_text("Invalid current password.")
    # the right one: back to the profile, which says what happened
    fill_in(page, user.password, NEW)
    expect(page).to_have_url(re.compile(rf"/user/{username}$"))
    expect(page.get_by_role("alert")).to_contain_text("Your password has been changed.")
    # the other browser is signed out; this one is not
    other.reload()
    expect(other).to_have_url(re.compile(r"/auth/login\?next="))
    other.context.close()
    page.reload()
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    # only the new password logs in now
    page.get_by_role("button", name="Logout").click()
    user.submit_login(page, username)
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    user.submit_login(page, username, password=NEW)
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
