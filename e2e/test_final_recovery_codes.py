"""Recovery codes: saved when 2FA is on, one signs in when the phone is lost (final only).

The person saves the codes as the page offers (the downloaded text file), loses their phone,
signs in with a code from the file, reads how many are left, and moves 2FA to a new phone.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again

CODE = re.compile(r"^[0-9a-z]{4}(?:-[0-9a-z]{4}){5}$")


def save_codes(page, tmp_path):
    """On the profile: Show my recovery codes, then Download as text; the file's codes."""
    page.get_by_role("link", name="Profile").click()
    offer = page.get_by_test_id("recovery-codes")
    expect(offer).to_contain_text("You have no recovery codes.")
    offer.get_by_role("button", name="Show my recovery codes").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    shown = page.get_by_test_id("recovery-code-list").get_by_role("listitem")
    expect(shown).to_have_count(10)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as text").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    codes = [line for line in Path(saved).read_text().splitlines() if CODE.match(line)]
    assert codes == shown.all_inner_texts()
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_test_id("recovery-codes")).to_contain_text("You have 10 unused recovery codes.")
    return codes


def use_code(page, code):
    """On the waiting page: Lost your phone?, then the code, typed as printed."""
    page.get_by_role("link", name="Lost your phone? Use a recovery code").click()
    expect(page.get_by_role("heading", name="Use a recovery code")).to_be_visible()
    page.get_by_label("Recovery code").fill(code)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.since("final")
def test_lost_phone_signs_in_with_a_recovery_code(page, live_app, user, phone, tmp_path):
    username = user.enable_2fa(page, live_app, phone)
    codes = save_codes(page, tmp_path)

    # the phone is lost: the push is never answered; a code from the file signs in instead
    log_in_again(page, live_app, user, username)
    use_code(page, codes[0])
    expect(page.get_by_role("heading", name="Signed in with a recovery code")).to_be_visible()
    expect(page.get_by_test_id("codes-left")).to_contain_text("You have 9 recovery codes left.")

    # 2FA moves to the new phone: disable, then enable with it
    page.get_by_role("link", name="Disable two-factor authentication").click()
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now disabled.")
    # (the same simulated phone plays the new one: it scans the new QR code)
    page.get_by_role("link", name="Enable two-factor authentication").click()
    page.get_by_role("button", name="Enable 2FA").click()
    user.scan_qr_code(page, phone)
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now enabled.")
    new_codes = save_codes(page, tmp_path)

    # the old codes ended with the old phone; the new ones work, once each
    log_in_again(page, live_app, user, username)
    use_code(page, codes[1])
    expect(page.get_by_text("That is not one of your unused recovery codes.")).to_be_visible()
    page.get_by_label("Recovery code").fill(new_codes[0].upper().replace("-", " "))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("codes-left")).to_contain_text("You have 9 recovery codes left.")
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
