"""The phone page in a real Chromium: it updates itself, scans links and pictures, answers,
shows each account's code and the text messages, as figma/frames/phone.svg draws it."""

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

    # No reload: the page polls and shows each request with its details and time left; one
    # that names a user asks whether to log in as them, another says the app's message.
    card = screen.get_by_role("listitem").filter(has=screen.get_by_role("heading", name="Log in as bob?"))
    expect(card).to_contain_text("Username")
    expect(card).to_contain_text("bob")
    expect(card).to_contain_text(re.compile(r"Expires in 23:59:\d\d"))  # a day, the default

    card.get_by_role("button", name="Approve").click()
    expect(screen.get_by_role("status").filter(has_text="Approved")).to_have_text("Approved: Log in as bob")
    other = screen.get_by_role("listitem").filter(has=screen.get_by_role("heading", name="Change your email"))
    other.get_by_role("button", name="Deny").click()
    expect(screen.get_by_role("status").filter(has_text="Denied")).to_have_text("Denied: Change your email")
    expect(screen.get_by_text("No pending requests.")).to_be_visible()

    statuses = [authy.one_touch.get_approval_status(uuid)["approval_request"]["status"] for uuid in (first, second)]
    assert statuses == ["approved", "denied"]


def test_scan_a_pasted_link(screen, link):
    screen.get_by_label("Link from the QR code").fill(link("7"))
    screen.get_by_role("button", name="Scan").click()
    added = screen.get_by_role("status").filter(has_text="Added")
    expect(added).to_have_text(re.compile(r"Added Push 2FA Tutorial \(authy_id \d+\)\."))
    expect(screen.locator("#accounts .account .name")).to_have_text("Push 2FA Tutorial")


def test_scan_an_uploaded_picture_and_see_errors(screen, link):
    screen.get_by_label("Link from the QR code").fill("authy://account?token=nonsense")
    screen.get_by_role("button", name="Scan").click()
    expect(screen.get_by_role("status").filter(has_text="Not added")).to_contain_text("Not a valid registration token")

    picture = io.BytesIO()
    qrcode.make(link("8")).save(picture)
    screen.get_by_label("Link from the QR code").fill("")
    screen.get_by_label("or upload a picture of the QR code").set_input_files(
        files=[{"name": "qr.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
    )
    expect(screen.get_by_text("Picture: qr.png. Press Scan.")).to_be_visible()
    screen.get_by_role("button", name="Scan").click()
    expect(screen.get_by_role("status").filter(has_text="Added")).to_contain_text("Added Push 2FA Tutorial")
    expect(screen.locator("#accounts .account")).to_have_count(1)


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
    screen.get_by_label("or upload a picture of the QR code").set_input_files(
        files=[{"name": "qr.svg", "mimeType": "image/svg+xml", "buffer": picture.getvalue()}]
    )
    screen.get_by_role("button", name="Scan").click()
    expect(screen.locator("#accounts .account")).to_have_count(1)


def test_a_long_username_wraps_at_phone_width(screen, authy, authy_id):
    # A username with no space to break at, on a 390 px screen, in the account and the request.
    screen.set_viewport_size({"width": 390, "height": 844})
    long_name = "df6c43e0a999" * 4
    authy.one_touch.send_request(authy_id, "Log in", details={"Username": long_name})
    account = screen.locator("#accounts .account")
    expect(account.locator(".username")).to_have_text(long_name)
    expect(screen.get_by_role("heading", name=f"Log in as {long_name}?")).to_be_visible()
    # the name breaks inside its card: neither the cards nor the page scroll sideways
    assert account.evaluate("item => item.scrollWidth <= item.clientWidth")
    assert screen.locator("#requests .card").evaluate("item => item.scrollWidth <= item.clientWidth")
    assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/120.0.0.0 Safari/537.36")


def test_a_login_request_reads_as_in_the_phone_frame(screen, authy, authy_id):
    # What final sends (chapter 08), but the browser as a raw header: the phone names it.
    screen.set_viewport_size({"width": 390, "height": 844})
    authy.one_touch.send_request(authy_id, "Log in to Push 2FA Tutorial", seconds_to_expire=60, details={
        "Code": "6994", "Username": "alice", "IP address": "127.0.0.1", "Browser": CHROME_LINUX})
    card = screen.locator("#requests .card")
    expect(card.get_by_role("heading")).to_have_text("Log in as alice?")
    expect(card.locator(".app")).to_have_text("Push 2FA Tutorial")
    expect(card.locator(".request-code")).to_have_text("Code 6994")
    expect(card.locator(".details dt")).to_have_text(["Username", "IP address", "Browser"])
    expect(card.locator(".details dd")).to_have_text(["alice", "127.0.0.1", "Chrome on Linux"])
    expect(card.get_by_text("Chrome on Linux")).to_have_attribute("title", CHROME_LINUX)
    expect(card.locator(".expires-text")).to_have_text(re.compile(r"^Expires in (1:00|0:[0-5]\d)$"))
    # A screen reader hears of it without looking.
    expect(screen.get_by_role("status").filter(has_text="New request")).to_have_text(
        "New request from Push 2FA Tutorial: Log in as alice? Code 6994.")
    # The account: the app's initial, its name, the username the request gave, the authy_id quieter.
    account = screen.locator("#accounts .account")
    expect(account.locator(".avatar")).to_have_text("P")
    expect(account.locator(".name")).to_have_text("Push 2FA Tutorial")
    expect(account.locator(".username")).to_have_text("alice")
    expect(account.locator(".authy-id")).to_have_text(f"authy_id {authy_id}")


def test_approve_and_deny_are_side_by_side_and_big_enough_for_a_thumb(screen, authy, authy_id):
    screen.set_viewport_size({"width": 390, "height": 844})
    authy.one_touch.send_request(authy_id, "Log in", details={"Username": "alice"})
    deny = screen.get_by_role("button", name="Deny")
    approve = screen.get_by_role("button", name="Approve")
    expect(approve).to_be_visible()
    deny_box, approve_box = deny.bounding_box(), approve.bounding_box()
    # At least 44 x 44 CSS pixels each (WCAG 2.5.5), Deny on the left, on one line.
    for box in (deny_box, approve_box):
        assert box["width"] >= 44 and box["height"] >= 44, box
    assert deny_box["x"] + deny_box["width"] <= approve_box["x"] and deny_box["y"] == approve_box["y"]
    # Approve filled with the design's blue, Deny outlined.
    style = "button => [getComputedStyle(button).backgroundColor, getComputedStyle(button).borderTopWidth]"
    assert approve.evaluate(style)[0] == "rgb(37, 99, 235)"
    assert deny.evaluate(style) == ["rgb(255, 255, 255)", "1px"]


def test_the_page_has_no_accessibility_violations(screen, authy, authy_id):
    from axe_playwright_python.sync_playwright import Axe

    authy.one_touch.send_request(authy_id, "Log in", details={"Code": "6994", "Username": "alice"})
    authy.users.request_sms(authy_id, {"force": True})
    expect(screen.locator("#requests .card")).to_have_count(1)
    expect(screen.locator("#messages li")).to_have_count(1)
    for width in (390, 1280):
        screen.set_viewport_size({"width": width, "height": 844})
        violations = Axe().run(screen).response["violations"]
        assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations] == [], width
