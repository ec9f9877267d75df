"""Turn on two-factor authentication by scanning the QR code with the phone (stage 04 on).

The phone's camera is played by a screenshot of the QR code as the browser shows it
(user.scan_qr_code, in conftest.py); the fake's phone then scans the link it holds.
"""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.since("04")
def test_enable_2fa_by_scanning_qr(page, live_app, user, phone):
    username = user.register_and_login(page, live_app)
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Enable two-factor authentication").click()
    page.get_by_role("button", name="Enable 2FA").click()

    # the QR page: the code, the steps, the link as text, and a spinner while it waits
    expect(page).to_have_url(f"{live_app.url}/2fa/enable/scan")
    expect(page.get_by_role("heading", name="Scan the QR code")).to_be_visible()
    expect(page.get_by_role("heading", name="On iOS")).to_be_visible()
    expect(page.get_by_role("heading", name="On Android")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^authy://account\?token="))).to_be_visible()
    expect(page.get_by_text("Waiting for your phone")).to_be_visible()

    user.scan_qr_code(page, phone)
    # the page moves on by itself: the profile says 2FA is on and offers to disable it
    expect(page).to_have_url(f"{live_app.url}/user/{username}")
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now enabled.")
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_have_count(0)
