"""The phone page as a Verify Push device, in a real Chromium: a factor added by pasting the
verify-push app's link, its challenge shown as an Authy request is (the question, the code in
its box, the fields), answered with Approve; a key Verify never saw is refused on the page.
The app's side is played with the twilio library (tests/fake_verify/ tests the JSON routes)."""

import re
import sqlite3

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from fake_authy.testing import enrolment_link

IDENTITY = "0123456789abcdef"  # enrolment_link's


@pytest.fixture
def service(fake):
    return fake.twilio_client().verify.v2.services(fake.verify_service_sid)


@pytest.fixture
def enrolled(fake):
    return fake.phone.scan(enrolment_link(fake))


def login_challenge(service, factor_sid):
    return service.entities(IDENTITY).challenges.create(
        factor_sid=factor_sid, details_message="Log in as alice?",
        details_fields=[{"label": "Code", "value": "4271"}, {"label": "Username", "value": "alice"},
                        {"label": "Browser", "value": "Firefox on Linux"}],
    )


def swap_key(fake, factor_sid):
    """Replace the phone's stored key of a factor with a new one, which Verify never saw."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with sqlite3.connect(fake.folder / "fake_authy.db") as db:
        db.execute("UPDATE phone_factors SET private_key = ? WHERE factor_sid = ?", (pem, factor_sid))


def test_a_swapped_key_fails_on_the_phone_page(fake, service, enrolled, page):
    challenge = login_challenge(service, enrolled["factor_sid"])
    # The slowest polling, so that the card stays while the key changes under it: a device
    # whose key Verify refuses cannot list its challenges either.
    page.goto(f"{fake.url}/phone?poll_ms=10000")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Log in as alice?"))
    expect(card).to_be_visible()
    swap_key(fake, enrolled["factor_sid"])
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#answer-result")).to_have_text(re.compile(
        r"Could not answer: Twilio Verify refused the phone's signature \(error 20003\)"))
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "pending"


def test_the_phone_page_shows_a_challenge_as_it_shows_an_authy_request(fake, service, enrolled, page):
    challenge = login_challenge(service, enrolled["factor_sid"])
    page.goto(f"{fake.url}/phone?poll_ms=100")
    account = page.locator(f'[data-factor-sid="{enrolled["factor_sid"]}"]')
    expect(account.locator(".name")).to_have_text("Push 2FA Tutorial")
    expect(account.locator(".username")).to_have_text("Push 2FA Tutorial: alice")
    expect(account.locator(".authy-id")).to_have_text(f"Verify Push factor {enrolled['factor_sid']}")

    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Log in as alice?"))
    expect(card.locator(".request-code")).to_have_text("Code 4271")
    expect(card).to_contain_text("Firefox on Linux")
    expect(card).to_contain_text(re.compile(r"Expires in [45]:\d\d"))
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#answer-result")).to_have_text("Approved: Log in as alice")
    expect(page.get_by_text("No pending requests.")).to_be_visible()
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "approved"


def test_scanning_the_link_on_the_phone_page(fake, service, page):
    page.goto(f"{fake.url}/phone?poll_ms=100")
    page.get_by_label("Link from the QR code").fill(enrolment_link(fake))
    page.get_by_role("button", name="Scan").click()
    expect(page.locator("#scan-result")).to_have_text(
        re.compile(r"Added Push 2FA Tutorial \(Verify Push factor YF[0-9a-f]{32}\)\."))
    expect(page.locator("#accounts .account .username")).to_have_text("Push 2FA Tutorial: alice")
    expect(page.locator("#accounts .account .code")).to_be_hidden()  # approvals only: no codes


def test_a_factor_and_its_challenge_have_no_accessibility_violations(fake, service, enrolled, page):
    from axe_playwright_python.sync_playwright import Axe

    login_challenge(service, enrolled["factor_sid"])
    page.goto(f"{fake.url}/phone?poll_ms=100")
    expect(page.locator("#requests .card")).to_have_count(1)
    expect(page.locator(f'[data-factor-sid="{enrolled["factor_sid"]}"]')).to_be_visible()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        violations = Axe().run(page).response["violations"]
        assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations] == [], width
        # nothing wider than the phone's column: the factor's sid wraps
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
