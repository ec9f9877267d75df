"""The QR page (stage 04 on) and the waiting page (stage 05 on) for people who do not see the
spinner, or do not want it to move.

Both pages wait for the phone. What they say while waiting, and what happens when the waiting
ends, goes into one status line: a live region (role="status", aria-live="polite"), which
screen readers read aloud whenever poll.js changes it. The spinner turns, except for people
whose system asks for less motion (prefers-reduced-motion: reduce): app.css stops it there,
and the ring stays as a still sign that the page waits.
"""

import re

import pytest
from playwright.sync_api import expect

from tools.person import Person

# Records every text the status line shows, page after page, in the tab's sessionStorage: a
# status the script writes just before it leaves the page is still there on the next page.
RECORD_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("[role=status]");
  if (!status) return;
  new MutationObserver(() => {
    const said = JSON.parse(sessionStorage.getItem("said") || "[]");
    said.push(status.textContent.trim());
    sessionStorage.setItem("said", JSON.stringify(said));
  }).observe(status, {childList: true, characterData: true, subtree: true});
});
"""


def said(page) -> list[str]:
    """What the status lines of the pages this tab showed have said since the page opened."""
    return page.evaluate("JSON.parse(sessionStorage.getItem('said') || '[]')")


def expect_a_live_status(page, text):
    status = page.get_by_role("status")
    expect(status).to_have_count(1)
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text(text)


@pytest.mark.since("04")
def test_qr_page_status_is_announced_and_spinner_keeps_still(page, live_app, user, phone):
    page.add_init_script(RECORD_STATUS)
    username = user.register_and_login(page, live_app)
    Person(page, live_app.url, username).open_qr_code()
    expect_a_live_status(page, "Waiting for your phone")

    # the spinner turns (once the stylesheets have loaded: to_have_css waits for that); asked
    # for less motion, it stands still, and stays in sight
    spinner = page.locator("#poll .spinner-border")
    expect(spinner).to_have_css("animation-name", "spinner-border")
    page.emulate_media(reduced_motion="reduce")
    expect(spinner).to_have_css("animation-name", "none")
    expect(spinner).to_be_visible()

    # once scanned, the status line says the page moves on, before it does
    user.scan_qr_code(page, phone)
    expect(page).to_have_url(f"{live_app.url}/user/{username}")
    assert "Done: opening the next page." in said(page)


@pytest.mark.since("04")
def test_qr_page_says_in_its_status_why_it_stopped(page, start_app, user):
    app = start_app(QR_EXPIRY="1")  # the QR code expires after a second
    username = user.register_and_login(page, app)
    Person(page, app.url, username).open_qr_code()
    # nobody scans: the status line itself says so, in place of "Waiting for your phone"
    status = page.get_by_role("status")
    expect(status).to_have_text("The QR code has expired. Please try again.", timeout=15_000)
    expect(status).to_have_attribute("aria-live", "polite")
    expect(page.locator("#poll .spinner-border")).to_be_hidden()
    expect(page.get_by_role("link", name="Try again")).to_be_visible()


@pytest.mark.since("05")
def test_waiting_page_status_is_announced_and_spinner_keeps_still(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    page.add_init_script(RECORD_STATUS)
    page.emulate_media(reduced_motion="reduce")
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page).to_have_url(f"{live_app.url}/auth/login/push")
    expect_a_live_status(page, "Tap Approve there")

    # the large ring (5rem: app.css has loaded) stands still for people who asked for less
    # motion, and is in sight
    spinner = page.locator("#poll .spinner-border")
    expect(spinner).to_be_visible()
    expect(spinner).to_have_css("width", "80px")
    expect(spinner).to_have_css("animation-name", "none")

    # the phone says no: the status line says the page moves on, and the login page says why
    phone.deny_latest()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    assert "Done: opening the next page." in said(page)
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
