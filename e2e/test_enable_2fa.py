"""Turn on two-factor authentication by scanning the QR code with the phone (stage 04 on).

The phone's camera is played by a screenshot of the QR code as the browser shows it,
decoded with zxing-cpp; the fake's phone then scans the link it holds.
"""

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect


def forget_other_stages(fake_authy):
    """Start from an empty fake Authy.

    Every stage's server numbers its users from 1, and all of them share one fake: user 1 of
    a stage tested before would otherwise already be registered, and its QR code "scanned".
    """
    fake_authy.reset()


def scan_qr_code(page, phone):
    """Read the QR code off the screen, as a phone's camera does, and add the account."""
    image = page.get_by_role("img", name="QR code")
    # visible is not enough: until the picture has loaded, the browser shows the alt text
    loaded = "image => image.complete && image.naturalWidth > 0"
    page.wait_for_function(loaded, arg=image.element_handle())
    picture = Image.open(io.BytesIO(image.screenshot()))
    # QR codes only: a QR code's pattern can also pass for a short 1D barcode
    codes = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(codes) == 1, "one QR code on the screenshot"
    assert codes[0].text.startswith("authy://account?token=")
    return phone.scan(codes[0].text)


def enable_2fa(page, live_app, user, phone, fake_authy):
    """A fresh user who has turned on 2FA and is signed in; returns the username."""
    forget_other_stages(fake_authy)
    username = user.register_and_login(page, live_app)
    page.goto(f"{live_app.url}/user/{username}")
    page.get_by_role("link", name="Enable two-factor authentication").click()
    page.get_by_role("button", name="Enable 2FA").click()
    scan_qr_code(page, phone)
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()
    return username


@pytest.mark.since("04")
def test_enable_2fa_by_scanning_qr(page, live_app, user, phone, fake_authy):
    forget_other_stages(fake_authy)
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

    scan_qr_code(page, phone)
    # the page moves on by itself: the profile says 2FA is on and offers to disable it
    expect(page).to_have_url(f"{live_app.url}/user/{username}")
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now enabled.")
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_have_count(0)
