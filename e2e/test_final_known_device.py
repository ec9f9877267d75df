"""Somebody guessing a user's password slows down the account, but not the owner's own
browser (final only)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.since("final")
def test_the_owner_signs_in_while_the_account_is_under_attack(page, context, live_app, user):
    username = user.register_and_login(page, live_app)
    page.get_by_role("button", name="Logout").click()
    # somebody else, in another browser, guesses: five failures, then the account waits
    attacker = context.browser.new_context().new_page()
    attacker.goto(f"{live_app.url}/auth/login")
    for _ in range(5):
        with attacker.expect_navigation():  # the message of the guess before says the same
            user.submit_login(attacker, username, "wrong password")
        expect(attacker.get_by_text("Invalid username or password.")).to_be_visible()
    user.submit_login(attacker, username)
    expect(attacker.get_by_text("Too many failed logins for this account.")).to_be_visible()
    expect(attacker.get_by_role("button", name="Logout")).to_have_count(0)
    attacker.context.close()
    # the owner's browser has signed in before: it has its own count, and signs in
    user.login(page, live_app, username)
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
