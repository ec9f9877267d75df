"""The phone page in a real Chromium: it updates itself, scans links and pictures, answers,
shows each account's code and the text messages."""

import io
import re

import pytest
import qrcode
import requests
from playwright.sync_api import expect
from qrcode.image.svg import SvgPathImage


@pytest.fixture
def screen(fake, page):
    page.goto(f"{fake.url}/phone?poll_ms=100")
    return page


def test_page_has_no_inline_script_and_a_strict_policy(fake):
    response = requests.get(f"{fake.url}/phone", timeout=10)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert re.findall(r"<script[^>]*>", response.text) == ['<script src="/static/phone.js" defer>']
    assert not re.search(r"\son[a-z]+=", response.text)  # no onclick= and friends
    assert requests.get(f"{fake.url}/static/phone.js", timeout=10).status_code == 200


def test_new_requests_appear_and_are_answered(screen, authy, authy_id):
    expect(screen.get_by_text("No pending requests.")).to_be_visible()
    first = authy.one_touch.send_request(authy_id, "Log in to the tutorial", details={"Username": "bob"}).get_uuid()
    second = authy.one_touch.send_request(authy_id, "Change your email").get_uuid()

    # No reload: the page polls and shows each request with its details and time left.
    card = screen.get_by_role("listitem").filter(has_text="Log in to the tutorial")
    expect(card).to_contain_text("Username")
    expect(card).to_contain_text("bob")
    expect(card).to_contain_text(re.compile(r"Expires in \d+ s"))

    card.get_by_role("button", name="Approve").click()
    expect(screen.get_by_role("status").filter(has_text="Approved")).to_have_text("Approved: Log in to the tutorial")
    screen.get_by_role("listitem").filter(has_text="Change your email").get_by_role("button", name="Deny").click()
    expect(screen.get_by_role("status").filter(has_text="Denied")).to_have_text("Denied: Change your email")
    expect(screen.get_by_text("No pending requests.")).to_be_visible()

    statuses = [authy.one_touch.get_approval_status(uuid)["approval_request"]["status"] for uuid in (first, second)]
    assert statuses == ["approved", "denied"]


def test_scan_a_pasted_link(screen, link):
    screen.get_by_label("Link from the QR code").fill(link("7"))
    screen.get_by_role("button", name="Scan").click()
    expect(screen.get_by_role("status").filter(has_text="Added")).to_have_text(re.compile(r"Added user 7 \(authy_id \d+\)\."))
    expect(screen.locator("#accounts")).to_contain_text("Push 2FA Tutorial: user 7")


def test_scan_an_uploaded_picture_and_see_errors(screen, link):
    screen.get_by_label("Link from the QR code").fill("authy://account?token=nonsense")
    screen.get_by_role("button", name="Scan").click()
    expect(screen.get_by_role("status").filter(has_text="Not added")).to_contain_text("Not a valid registration token")

    picture = io.BytesIO()
    qrcode.make(link("8")).save(picture)
    screen.get_by_label("Link from the QR code").fill("")
    screen.get_by_label("or a picture of the QR code").set_input_files(
        files=[{"name": "qr.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
    )
    screen.get_by_role("button", name="Scan").click()
    expect(screen.locator("#accounts")).to_contain_text("user 8")


def test_each_account_shows_its_code_and_countdown(fake, screen, phone, authy_id):
    fake.set_clock(1_700_000_003)
    account = screen.locator(f'[data-authy-id="{authy_id}"]')
    expect(account.locator(".digits")).to_have_text(phone.code(authy_id))
    expect(account.locator(".countdown")).to_have_text("7 s left")
    # The next 10-second step: a new code, without a reload.
    fake.set_clock(1_700_000_010)
    expect(account.locator(".digits")).to_have_text(phone.code(authy_id))
    expect(account.locator(".countdown")).to_have_text("10 s left")
    fake.set_user(authy_id, registered=False)
    expect(account.locator(".code")).to_have_text("No Authy app: codes come by SMS")


def test_a_text_message_appears_under_messages(screen, authy, phone, authy_id):
    expect(screen.get_by_text("No text messages.")).to_be_visible()
    authy.users.request_sms(authy_id, {"force": True})
    code = phone.messages()[0]["code"]
    messages = screen.get_by_role("region", name="Messages")
    expect(messages.get_by_role("listitem")).to_contain_text(f"Your Push 2FA Tutorial verification code is: {code}")
    expect(messages.get_by_role("listitem")).to_contain_text("To +1 2015550123")
    expect(screen.get_by_text("No text messages.")).to_be_hidden()


def test_scan_an_uploaded_svg(screen, link):
    picture = io.BytesIO()
    qrcode.make(link("9"), image_factory=SvgPathImage).save(picture)
    screen.get_by_label("or a picture of the QR code").set_input_files(
        files=[{"name": "qr.svg", "mimeType": "image/svg+xml", "buffer": picture.getvalue()}]
    )
    screen.get_by_role("button", name="Scan").click()
    expect(screen.locator("#accounts")).to_contain_text("user 9")


def test_a_long_account_name_wraps_at_phone_width(screen, link):
    # A user id with no space to break at, as long as an app's random one, on a 390 px screen.
    screen.set_viewport_size({"width": 390, "height": 844})
    screen.get_by_label("Link from the QR code").fill(link("df6c43e0a999" * 4))
    screen.get_by_role("button", name="Scan").click()
    account = screen.locator("#accounts .account")
    expect(account).to_contain_text("user df6c43e0a999")
    # the name breaks inside its card: neither the card nor the page scrolls sideways
    assert account.evaluate("item => item.scrollWidth <= item.clientWidth")
    assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
