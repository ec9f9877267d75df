"""The verify-push variant (final moved to Twilio Verify Push) in a real Chromium, with the
fake's phone as the Verify Push device: enrol by scanning the QR code, approve, deny, expire,
disable, and the webhook that moves a login without polling Verify.

Each scenario runs against verify-push/ only (@pytest.mark.variant): the app talks to the
fake's Verify API (/v2), and the phone creates its factor and answers challenges there with
its own key (docs/fake-verify.md).
"""

import re

import pytest
from playwright.sync_api import expect
from twilio.base.exceptions import TwilioRestException

from test_push_login import assert_signed_out
from tools.servers import free_port

pytestmark = pytest.mark.variant("verify-push")


def log_in_again(page, live_app, user, username):
    """Log out, then the right password: the app waits for the phone."""
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page).to_have_url(f"{live_app.url}/auth/login/push")
    expect(page.get_by_role("heading", name="Check your phone")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)
    return page.get_by_test_id("login-code").inner_text().strip()


def verify_factors(fake_authy, identity):
    """The factors Verify lists for an identity, as the app asks (the twilio library)."""
    service = fake_authy.twilio_client().verify.v2.services(fake_authy.verify_service_sid)
    try:
        return service.entities(identity).factors.list()
    except TwilioRestException as error:
        if error.status == 404:
            return []  # no entity any more
        raise


def test_enrol_by_scanning_the_qr_code(page, live_app, user, phone, fake_authy):
    username = user.enable_2fa(page, live_app, phone)  # the phone scans the QR code's picture
    [factor] = phone.factors()
    assert factor["friendly_name"] == f"Push 2FA Tutorial: {username}"
    # Verify has the phone's factor, verified: the app moved on by asking it
    [listed] = verify_factors(fake_authy, factor["identity"])
    assert (listed.sid, listed.status) == (factor["factor_sid"], "verified")
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_be_visible()


def test_login_with_approve(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    code = log_in_again(page, live_app, user, username)
    request = phone.approve_latest()
    # the phone showed the challenge as the app made it: who, and the code the page shows
    assert (request["kind"], request["title"], request["code"]) == ("verify", f"Log in as {username}?", code)
    assert request["details"]["Username"] == username
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_be_visible()


def test_login_with_deny(page, live_app, user, phone):
    username = user.enable_2fa(page, live_app, phone)
    log_in_again(page, live_app, user, username)
    assert phone.deny_latest()["status"] == "denied"
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
    assert_signed_out(page, live_app)


def test_login_request_expires(page, start_app, user, phone):
    app = start_app(PUSH_EXPIRY="2")  # the app's shortest sensible expiry, so the scenario waits 2 s
    username = user.enable_2fa(page, app, phone)
    log_in_again(page, app, user, username)
    challenge = phone.latest("pending")
    assert challenge["kind"] == "verify" and challenge["seconds_left"] <= 2
    expect(page.get_by_role("alert")).to_have_text("Login request expired.")
    # the phone no longer lists it, and cannot approve it any more
    assert phone.requests("pending") == []
    assert phone.requests()[0]["status"] == "expired"
    assert_signed_out(page, app)


def test_disable_deletes_the_factor(page, live_app, user, phone, fake_authy):
    username = user.enable_2fa(page, live_app, phone)
    [factor] = phone.factors()
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Disable two-factor authentication").click()
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_role("alert")).to_have_text("Two-factor authentication is now disabled.")
    expect(page.get_by_role("link", name="Enable two-factor authentication")).to_be_visible()
    expect(page.get_by_role("link", name="Disable two-factor authentication")).to_have_count(0)
    # Verify no longer lists the factor, and the phone dropped it
    assert verify_factors(fake_authy, factor["identity"]) == []
    assert phone.factors() == []
    # the password alone signs in again
    page.get_by_role("button", name="Logout").click()
    user.login(page, live_app, username)
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()


@pytest.fixture
def webhook_app(start_app, fake_authy, phone):
    """verify-push with webhooks on: its own server (the URL names its port), and a webhook for
    that URL on the Verify Service, as whoever runs the site creates it once (after `phone`
    has emptied the fake, which forgets webhooks too)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/verify/webhook"
    app = start_app(port=port, VERIFY_WEBHOOK_URL=url, POLL_INTERVAL="1")
    service = fake_authy.twilio_client().verify.v2.services(fake_authy.verify_service_sid)
    hook = service.webhooks.create(friendly_name="e2e", event_types=["challenge.approved", "challenge.denied"],
                                   webhook_url=url)
    yield app
    service.webhooks(hook.sid).delete()


def challenge_fetches(fake_authy):
    """The app's fetches of a challenge (a poll of Verify), from the fake's call log."""
    return [call for call in fake_authy.calls()
            if call["method"] == "GET" and re.search(r"/Challenges/YC[0-9a-f]{32}$", call["path"])]


def test_the_webhook_moves_the_login_without_polling_verify(page, webhook_app, user, phone, fake_authy):
    username = user.enable_2fa(page, webhook_app, phone)
    log_in_again(page, webhook_app, user, username)
    # the waiting page polls the app often (CALLBACK_POLL_INTERVAL), and the app reads its
    # database: while the phone has not answered, Verify is not asked
    expect(page.locator("#poll")).to_have_attribute("data-poll-interval", "0.2")
    poll_path = page.locator("#poll").get_attribute("data-poll-url")
    for _ in range(3):
        with page.expect_request(lambda request: request.url.endswith(poll_path)):
            pass
    assert challenge_fetches(fake_authy) == []

    phone.approve_latest()  # Verify tells the app at once, by its signed webhook
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    assert re.search(r'"POST /verify/webhook HTTP/1.1" 200', webhook_app.output_tail(200))
    # one fetch of the challenge in all: the app confirms the approval the webhook reported
    assert len(challenge_fetches(fake_authy)) == 1


def test_a_denial_by_webhook_needs_no_call_to_verify(page, webhook_app, user, phone, fake_authy):
    username = user.enable_2fa(page, webhook_app, phone)
    log_in_again(page, webhook_app, user, username)
    phone.deny_latest()
    expect(page.get_by_role("alert")).to_have_text("Login request denied.")
    assert challenge_fetches(fake_authy) == []
    assert_signed_out(page, webhook_app)
