"""Every page at a phone's width: 390 px wide, nothing to scroll sideways (stage 01 on).

One walk a stage through the pages that stage has, and the fake's phone page beside it.
The check itself is page_checks.py's (OverflowCheck): each page that loads must fit the
window's width, in every scenario; this one narrows the window to a phone's.
"""

import pytest
from playwright.sync_api import expect

from tools.person import Person

PHONE = {"width": 390, "height": 844}


def open_phone_page(context, fake_authy, stage):
    """The fake's phone page, in a second tab at the same width, left open: it is measured
    again when the scenario ends, with the account (04 on) and the login request (05 on) it
    shows by then."""
    phone_page = context.new_page()
    phone_page.goto(f"{fake_authy.url}/phone")
    expect(phone_page.locator("#accounts .account")).to_have_count(1 if stage >= "04" else 0)
    expect(phone_page.locator("#requests .card")).to_have_count(1 if stage >= "05" else 0)


@pytest.mark.since("01")
@pytest.mark.browser_context_args(viewport=PHONE)
def test_every_page_fits_a_phone(page, context, live_app, phone, fake_authy):
    stage = live_app.stage_id
    person = Person(page, live_app.url)
    person.register()                       # the registration page, then the login page
    person.log_in()                         # home, signed in: the full navbar
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    if stage >= "02":
        page.get_by_role("link", name="Profile").click()
        expect(page.get_by_role("heading", name=f"User: {person.username}")).to_be_visible()
    if stage == "03":
        page.get_by_role("link", name="Enable two-factor authentication").click()
        expect(page.get_by_role("button", name="Enable 2FA")).to_be_visible()
    if stage >= "04":
        person.enable_2fa(phone)            # the enable page, the QR code, the profile with 2FA on
    if stage == "final":
        page.get_by_role("link", name="Change password").click()
        expect(page.get_by_role("heading", name="Change password")).to_be_visible()
        page.get_by_role("link", name="Profile").click()
        page.get_by_test_id("recovery-codes").get_by_role("button", name="Show my recovery codes").click()
        expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
        page.get_by_role("link", name="I have saved them").click()
    if stage >= "06":
        page.get_by_role("link", name="Disable two-factor authentication").click()
        expect(page.get_by_role("button", name="Disable")).to_be_visible()
        page.get_by_role("link", name="Profile").click()
    if stage >= "05":
        person.log_out()
        person.log_in()                     # the waiting page
        expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    if stage == "final":
        page.get_by_role("link", name="No notification? Enter the code from your Authy app").click()
        expect(page.get_by_role("heading", name="Enter the code from your Authy app")).to_be_visible()
        page.go_back()
        page.get_by_role("link", name="Lost your phone? Use a recovery code").click()
        expect(page.get_by_role("heading", name="Use a recovery code")).to_be_visible()
        page.go_back()
    open_phone_page(context, fake_authy, stage)
    if stage >= "05":
        phone.approve_latest()
        expect(page.get_by_role("heading", name=f"Hi, {person.username}!")).to_be_visible()
