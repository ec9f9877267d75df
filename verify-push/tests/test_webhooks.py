"""Verify's webhooks: signed with the auth token, checked with the twilio library's
RequestValidator, noted on the waiting login, and never a way in by themselves."""

import uuid

import pytest
import requests
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from app import db
from app.models import PendingLogin

PATH = "/verify/webhook"


@pytest.fixture
def webhooks(app, fake, live_url):
    """Webhooks on: the app's URL set in the app and on the fake's Verify Service."""
    url = live_url + PATH
    app.config["VERIFY_WEBHOOK_URL"] = url
    service = fake.twilio_client().verify.v2.services(fake.verify_service_sid)
    service.webhooks.create(
        friendly_name="app", event_types=["challenge.approved", "challenge.denied"], webhook_url=url
    )
    return url


def pending(app):
    with app.app_context():
        return db.session.scalars(sa.select(PendingLogin)).one()


def send(url, params, auth_token, signed_url=None):
    """POST a webhook as Twilio does: a form, X-Twilio-Signature over the URL and the form."""
    signature = RequestValidator(auth_token).compute_signature(signed_url or url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=5)


def answer(app, fake, status="approved", **changes):
    """The form of a webhook for the waiting login's challenge."""
    login = pending(app)
    with app.app_context():
        factor_sid = db.session.get(PendingLogin, login.id).user.factor_sid
    return {
        "uuid": str(uuid.uuid4()),
        "type": f"challenge.{status}",
        "account_sid": fake.account_sid,
        "service_sid": fake.verify_service_sid,
        "challenge_sid": login.challenge_sid,
        "factor_sid": factor_sid,
        "status": status,
        **changes,
    }


def test_webhooks_off_by_default(live_url):
    assert requests.post(live_url + PATH, data={}, timeout=5).status_code == 404


def test_approval_on_the_phone_reaches_the_app(app, auth, with_2fa, phone, push, webhooks):
    with_2fa()
    auth.login()
    phone.approve_latest()
    # the fake sent the signed webhook before it answered the phone: the login knows
    assert pending(app).answer == "approved"
    # and the waiting page signs in, once Verify confirms the approval
    assert push.poll().get_json() == {"redirect": "/"}


def test_denial_ends_the_login_without_asking_verify(app, auth, with_2fa, phone, push, fake, webhooks):
    with_2fa()
    auth.login()
    phone.deny_latest()
    calls = len(fake.calls())
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert pending(app).status == "denied"
    assert len(fake.calls()) == calls


def test_forged_signature_refused(app, auth, with_2fa, fake, webhooks, security_log):
    with_2fa()
    auth.login()
    response = send(webhooks, answer(app, fake, "denied"), "not-the-auth-token")
    assert response.status_code == 401
    assert pending(app).answer is None
    assert security_log()[-1] == {**security_log()[-1], "event": "webhook_refused", "reason": "a wrong signature"}


def test_signature_for_another_url_refused(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    other = webhooks.replace(PATH, "/elsewhere")
    assert send(webhooks, answer(app, fake), fake.auth_token, signed_url=other).status_code == 401
    assert pending(app).answer is None


def test_missing_signature_refused(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    assert requests.post(webhooks, data=answer(app, fake), timeout=5).status_code == 401
    assert pending(app).answer is None


def test_changed_form_refused(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    params = answer(app, fake, "approved")
    signature = RequestValidator(fake.auth_token).compute_signature(webhooks, params)
    params["type"] = "challenge.denied"
    response = requests.post(webhooks, data=params, headers={"X-Twilio-Signature": signature}, timeout=5)
    assert response.status_code == 401
    assert pending(app).answer is None


def test_replay_refused(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    params = answer(app, fake, "denied")
    assert send(webhooks, params, fake.auth_token).status_code == 200
    assert send(webhooks, params, fake.auth_token).status_code == 401


def test_another_service_refused(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    params = answer(app, fake, service_sid="VA" + "1" * 32)
    assert send(webhooks, params, fake.auth_token).status_code == 401
    assert pending(app).answer is None


def test_answer_for_another_factor_changes_nothing(app, auth, with_2fa, fake, webhooks):
    with_2fa()
    auth.login()
    params = answer(app, fake, "denied", factor_sid="YF" + "0" * 32)
    assert send(webhooks, params, fake.auth_token).status_code == 200
    assert pending(app).answer is None


def test_webhook_approval_alone_does_not_sign_in(app, client, auth, with_2fa, fake, push, webhooks):
    # a signed "approved" that Verify does not confirm (the phone never approved): no way in
    with_2fa()
    auth.login()
    assert send(webhooks, answer(app, fake, "approved"), fake.auth_token).status_code == 200
    assert pending(app).answer == "approved"
    assert push.poll().get_json() == {"status": "pending"}
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_large_body_refused(webhooks):
    response = requests.post(webhooks, data={"x": "y" * 20_000}, headers={"X-Twilio-Signature": "s"}, timeout=5)
    assert response.status_code == 413

