"""Each flow with the keyboard alone: register, enable 2FA, log in and approve, disable.

A KeyboardPerson (tools/person.py) reaches every control with Tab, types into the field that
has the focus and presses Enter or Space: no click and no fill anywhere, and every element
the focus lands on must show it. Only the URL of a page is typed into the address bar
(page.goto), as a person does, and the phone's camera reads the QR code from the screen.
"""

import re

import pytest
from playwright.sync_api import expect

from tools.person import Keyboard
from tools.person import KeyboardPerson


def signed_in(page, live_app):
    """A new user, registered and signed in by keyboard."""
    person = KeyboardPerson(page, live_app.url)
    person.register()
    person.log_in()
    expect(page.get_by_role("heading", name=f"Hi, {person.username}!")).to_be_visible()
    return person


def enabled_2fa(page, live_app, phone):
    """A new user, signed in by keyboard, who has turned on 2FA by keyboard."""
    person = signed_in(page, live_app)
    person.enable_2fa(phone)
    return person


@pytest.mark.since("01")
def test_register_and_log_in_by_keyboard(page, live_app):
    person = KeyboardPerson(page, live_app.url)
    person.register()
    expect(page.get_by_role("alert")).to_contain_text("you are now registered")
    person.submit_login()
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {person.username}!")).to_be_visible()
    person.log_out()
    expect(page.get_by_role("alert")).to_contain_text("You have been logged out.")


@pytest.mark.since("04")
def test_enable_2fa_by_keyboard(page, live_app, phone):
    person = signed_in(page, live_app)
    person.open_qr_code()  # Profile, Enable two-factor authentication, Enable 2FA: each by Tab and Enter
    expect(page.get_by_role("heading", name="Scan the QR code")).to_be_visible()
    person.scan_qr_code(phone)
    expect(page).to_have_url(f"{live_app.url}/user/{person.username}")
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now enabled.")
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()


@pytest.mark.since("05")
def test_log_in_and_approve_by_keyboard(page, context, live_app, phone, fake_authy):
    person = enabled_2fa(page, live_app, phone)
    person.log_out()
    person.log_in()
    expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    # The fake's phone, in a second tab: Approve by keyboard too.
    phone_page = context.new_page()
    phone_page.goto(f"{fake_authy.url}/phone")
    Keyboard(phone_page).press(phone_page.get_by_role("button", name="Approve"))
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {person.username}!")).to_be_visible()


@pytest.mark.since("06")
def test_disable_2fa_by_keyboard(page, live_app, phone):
    person = enabled_2fa(page, live_app, phone)  # on the profile, 2FA on
    person.keys.press(page.get_by_role("link", name="Disable two-factor authentication"))
    expect(page).to_have_url(f"{live_app.url}/2fa/disable")
    person.keys.press(page.get_by_role("button", name="Disable"))
    expect(page).to_have_url(re.compile(rf"/user/{person.username}$"))
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now disabled.")
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_be_visible()


# The helper itself, on tiny pages the browser context serves: it fails, and says why.
PAGE = ('<!doctype html><html lang="en"><head><title>Keys</title><style>{style}</style></head><body><main>'
        '<a href="#top">Top</a> <button id="quiet">Quiet</button> <p id="text">Not a control</p></main></body></html>')


@pytest.fixture
def tiny_page(browser):
    """A function that opens PAGE with the given style sheet."""
    context = browser.new_context()

    def open_page(style):
        context.route("http://keys.test/**", lambda route: route.fulfill(content_type="text/html",
                                                                         body=PAGE.format(style=style)))
        page = context.new_page()
        page.goto("http://keys.test/")
        return page

    yield open_page
    context.close()


def test_keyboard_fails_where_the_focus_is_not_visible(tiny_page):
    page = tiny_page("#quiet:focus { outline: none }")
    with pytest.raises(AssertionError, match=r'the focus on button#quiet "Quiet" is not visible \(outline: none'):
        Keyboard(page).tab_to(page.get_by_role("button", name="Quiet"))


def test_keyboard_gives_up_naming_where_the_focus_went(tiny_page):
    page = tiny_page("")
    with pytest.raises(AssertionError, match=r'5 presses of Tab did not bring the focus to .*; it went to: '
                                             r'a "Top", button#quiet "Quiet", '):
        Keyboard(page, most=5).tab_to(page.locator("#text"))
