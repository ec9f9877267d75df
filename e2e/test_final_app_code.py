"""No notification? The code from the Authy app (final only).

The phone is offline: the push does not reach the user. The Authy app still shows a code
(it needs no network), and the waiting page takes it. The person reads the code on the
phone's page, in a second tab, as they would read it on their phone.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again

LINK = "No notification? Enter the code from your Authy app"


@pytest.fixture
def still_clock(fake_authy, phone):
    """The codes' clock stands still during the scenario (the phone fixture's reset, at the
    next scenario, lets it run again): the code read is the code typed, however slow the machine."""
    fake_authy.set_clock(int(time.time()))


def read_code(context, fake_authy):
    """Open the phone's page and read the code of the (only) account on it."""
    phone_page = context.new_page()
    phone_page.goto(f"{fake_authy.url}/phone")
    digits = phone_page.locator("#accounts .account .digits")
    expect(digits).to_have_text(re.compile(r"^\d{7}$"))
    code = digits.inner_text()
    phone_page.close()
    return code


def enter_code(page, code):
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()


@pytest.mark.since("final")
def test_code_from_the_app_signs_in(page, context, live_app, user, phone, fake_authy, still_clock):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    # nothing on the phone's lock screen: the user takes the other way in
    page.get_by_role("link", name=LINK).click()
    expect(page.get_by_role("heading", name="Enter the code from your Authy app")).to_be_visible()
    code = read_code(context, fake_authy)
    # a typo first: the page says so, and nobody is signed in
    enter_code(page, f"{(int(code) + 1) % 10_000_000:07d}")
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)
    # then the code as the phone shows it, grouped as people type it
    enter_code(page, f"{code[:3]} {code[3:]}")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    # the request still on the phone opens nothing any more
    phone.approve_latest()
    # a code is used once: the same one does not open the next login
    log_in_again(page, live_app, user, username)
    page.get_by_role("link", name=LINK).click()
    enter_code(page, code)
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    # and the way back to the push works: Approve still signs in
    page.get_by_role("link", name="Back to the request on your phone").click()
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
