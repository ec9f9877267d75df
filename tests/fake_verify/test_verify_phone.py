"""The simulated phone as a Verify Push device: it scans an app's verifypush://enrol link,
creates and verifies its factor over real HTTP to the fake's /v2, lists the factor's pending
challenges and answers them with its key. The app's side is played with the twilio library."""

import io
import re
import sqlite3
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import qrcode
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from twilio.base.exceptions import TwilioRestException

from fake_authy.testing import FakeAuthyServer
from fake_authy.testing import UnexpectedResponse
from fake_authy.testing import enrolment_link
from fake_authy.testing import registration_link
from fake_authy.verify.keys import make_access_token

IDENTITY = "0123456789abcdef"  # the app's random hex identity of one user
FIELDS = [
    {"label": "Code", "value": "4271"},
    {"label": "Username", "value": "alice"},
    {"label": "IP address", "value": "203.0.113.7"},
    {"label": "Browser", "value": "Firefox on Linux"},
]


def login_challenge(service, factor_sid, identity=IDENTITY, **kwargs):
    return service.entities(identity).challenges.create(
        factor_sid=factor_sid, details_message="Log in as alice?", details_fields=FIELDS, **kwargs
    )


def qr_png(text):
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


def refusal(call):
    with pytest.raises(UnexpectedResponse) as caught:
        call()
    return caught.value.status_code, caught.value.response.json()["error"]


@pytest.fixture
def phone(fake):
    return fake.phone


@pytest.fixture
def enrolled(fake, service, phone):
    """The phone's factor for IDENTITY, added by scanning the link."""
    return phone.scan(enrolment_link(fake))


def test_scanning_the_link_creates_and_verifies_a_factor(fake, service, phone):
    added = phone.scan(enrolment_link(fake))
    assert added["kind"] == "verify" and added["status"] == "verified"
    assert added["identity"] == IDENTITY and added["service_sid"] == fake.verify_service_sid
    # The name the app gave the factor in its access token, the app's name from its Verify Service.
    assert added["friendly_name"] == "Push 2FA Tutorial: alice" and added["app_name"] == "Push 2FA Tutorial"

    [factor] = service.entities(IDENTITY).factors.list()
    assert (factor.sid, factor.status, factor.factor_type) == (added["factor_sid"], "verified", "push")
    assert factor.friendly_name == "Push 2FA Tutorial: alice"
    assert factor.config["notification_platform"] == "none"  # no FCM or APNs: the phone asks for challenges
    assert phone.factors() == [{
        "kind": "verify", "authy_id": None, "factor_sid": factor.sid, "identity": IDENTITY,
        "service_sid": fake.verify_service_sid, "app_name": "Push 2FA Tutorial",
        "friendly_name": "Push 2FA Tutorial: alice",
    }]


def test_scanning_a_picture_of_the_qr_code(fake, service, phone):
    added = phone.scan_image(qr_png(enrolment_link(fake)))
    assert added["kind"] == "verify"
    assert [factor.sid for factor in service.entities(IDENTITY).factors.list()] == [added["factor_sid"]]


def test_the_phone_keeps_a_p256_key_per_factor_in_the_store(fake, service, phone):
    first = phone.scan(enrolment_link(fake))
    second = phone.scan(enrolment_link(fake, "fedcba9876543210"))
    with sqlite3.connect(fake.folder / "fake_authy.db") as db:
        rows = db.execute("SELECT factor_sid, private_key FROM phone_factors ORDER BY id").fetchall()
    assert [sid for sid, _ in rows] == [first["factor_sid"], second["factor_sid"]]
    keys = [serialization.load_pem_private_key(pem.encode(), password=None) for _, pem in rows]
    assert all(isinstance(key.curve, ec.SECP256R1) for key in keys)
    assert keys[0].private_numbers() != keys[1].private_numbers()


def test_pending_challenges_are_listed_beside_authy_requests(fake, service, phone, enrolled):
    authy_id = phone.scan(registration_link(fake, "7"))["authy_id"]
    requests.post(f"{fake.url}/onetouch/json/users/{authy_id}/approval_requests", timeout=10,
                  headers={"X-Authy-API-Key": fake.api_key}, json={"message": "Log in as bob?"}).raise_for_status()
    challenge = login_challenge(service, enrolled["factor_sid"])

    newest, older = phone.requests("pending")
    assert older["kind"] == "authy"
    assert newest["kind"] == "verify" and newest["uuid"] == challenge.sid
    assert newest["factor_sid"] == enrolled["factor_sid"] and newest["app_name"] == "Push 2FA Tutorial"
    # As the phone shows an Authy request: the question, the code apart, the other fields.
    assert (newest["title"], newest["username"], newest["code"]) == ("Log in as alice?", "alice", "4271")
    assert [(shown["name"], shown["value"]) for shown in newest["shown_details"]] == [
        ("Username", "alice"), ("IP address", "203.0.113.7"), ("Browser", "Firefox on Linux")]
    assert newest["status"] == "pending" and 290 <= newest["seconds_left"] <= 300  # Verify's default 5 minutes
    assert newest["created_at"] == challenge.date_created.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_approve_signs_the_answer_and_the_app_hears_of_it(fake, service, phone, enrolled, receiver):
    service.webhooks.create(friendly_name="app", event_types=["challenge.approved"], webhook_url=receiver.url)
    challenge = login_challenge(service, enrolled["factor_sid"])
    answered = phone.approve_latest()
    assert (answered["uuid"], answered["status"]) == (challenge.sid, "approved")
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "approved"
    assert receiver.types() == ["challenge.approved"]
    assert phone.requests("pending") == []
    assert refusal(lambda: phone.approve(challenge.sid)) == (409, "The request is already approved")


def test_deny(fake, service, phone, enrolled):
    challenge = login_challenge(service, enrolled["factor_sid"])
    assert phone.deny_latest()["status"] == "denied"
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "denied"
    assert [found["status"] for found in phone.requests()] == ["denied"]


def test_an_expired_challenge_is_not_listed_and_cannot_be_answered(fake, service, phone, enrolled, wait_for):
    soon = datetime.now(UTC) + timedelta(seconds=2)
    challenge = login_challenge(service, enrolled["factor_sid"], expiration_date=soon)
    assert [found["uuid"] for found in phone.requests("pending")] == [challenge.sid]
    wait_for(lambda: not phone.requests("pending"), 10, "the challenge to expire")
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "expired"
    assert refusal(lambda: phone.approve(challenge.sid)) == (409, "The request is already expired")
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "expired"


def test_a_factor_the_app_deletes_disappears_from_the_phone(fake, service, phone, enrolled):
    other = phone.scan(enrolment_link(fake, "fedcba9876543210"))
    challenge = login_challenge(service, enrolled["factor_sid"])
    service.entities(IDENTITY).factors(enrolled["factor_sid"]).delete()
    assert [factor["factor_sid"] for factor in phone.factors()] == [other["factor_sid"]]
    assert phone.requests() == []
    assert refusal(lambda: phone.approve(challenge.sid))[0] == 404
    service.entities("fedcba9876543210").delete()  # the entity with its factors
    assert phone.factors() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda link: link.replace("verifypush://enrol", "verifypush://account"), "Not a Verify Push link"),
        (lambda link: re.sub(r"&token=[^&]*", "", link), "Not a Verify Push link"),
        (lambda link: re.sub(r"service=VA\w+", "service=VA123", link), "must be a Verify Service sid"),
        (lambda link: re.sub(r"service=VA\w+", "service=VA" + "0" * 32, link), "does not know this service"),
        (lambda link: link.replace(IDENTITY, "user_1"), "identity must be 8 to 64 letters"),
        (lambda link: link.replace(IDENTITY, "fedcba9876543210"), "refused the access token"),  # another user's
        (lambda link: re.sub(r"token=[^&]*", "token=not-a-token", link), "refused the access token"),
        (lambda link: "https://example.com/enrol?" + link.partition("?")[2], "Not an Authy link"),
    ],
    ids=["host", "no-token", "bad-service", "unknown-service", "bad-identity", "other-identity", "bad-token",
         "https"],
)
def test_a_bad_link_is_refused_clearly_and_changes_nothing(fake, service, phone, change, message):
    status, error = refusal(lambda: phone.scan(change(enrolment_link(fake))))
    assert status == 400 and message in error
    assert phone.accounts() == [] and service.entities.list() == []


def test_an_expired_or_forged_access_token_is_refused(fake, service, phone):
    for key, ttl in ((fake.auth_token, -1), ("0" * 32, 60)):
        token = make_access_token(key, fake.account_sid, fake.verify_service_sid, IDENTITY, "push", "YK" + "0" * 32, ttl)
        link = "verifypush://enrol?" + urlencode({"service": fake.verify_service_sid, "identity": IDENTITY,
                                                  "token": token})
        status, error = refusal(lambda link=link: phone.scan(link))
        assert status == 400 and "Show a new QR code" in error
    assert phone.accounts() == [] and service.entities.list() == []


def swap_key(fake, factor_sid):
    """Replace the phone's stored key of a factor with a new one, which Verify never saw."""
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with sqlite3.connect(fake.folder / "fake_authy.db") as db:
        assert db.execute("UPDATE phone_factors SET private_key = ? WHERE factor_sid = ?",
                          (pem, factor_sid)).rowcount == 1


def test_a_swapped_key_is_refused_and_the_challenge_stays_pending(fake, service, phone, enrolled):
    challenge = login_challenge(service, enrolled["factor_sid"])
    swap_key(fake, enrolled["factor_sid"])
    status, error = refusal(lambda: phone.approve(challenge.sid))
    assert status == 403 and "refused the phone's signature (error 20003)" in error
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "pending"


def test_reset_forgets_the_phones_factors(fake, service, phone, enrolled):
    fake.reset()
    assert phone.accounts() == []
    with sqlite3.connect(fake.folder / "fake_authy.db") as db:
        assert db.execute("SELECT count(*) FROM phone_factors").fetchone() == (0,)


def test_the_factors_and_keys_survive_a_restart(tmp_path):
    db_path = tmp_path / "fake_authy.db"
    with FakeAuthyServer.start(db_path=db_path) as fake:
        service = fake.twilio_client().verify.v2.services(fake.verify_service_sid)
        added = fake.phone.scan(enrolment_link(fake))
    with FakeAuthyServer.start(db_path=db_path) as fake:
        service = fake.twilio_client().verify.v2.services(fake.verify_service_sid)
        assert [factor["factor_sid"] for factor in fake.phone.factors()] == [added["factor_sid"]]
        challenge = login_challenge(service, added["factor_sid"])
        assert fake.phone.approve_latest()["uuid"] == challenge.sid
        assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "approved"


def test_the_phones_calls_are_not_the_apps(fake, service, phone, enrolled):
    """The call log and the fault mode are about the app's calls; the phone's stay out of both."""
    login_challenge(service, enrolled["factor_sid"])
    before = len(fake.calls())
    fake.set_fault("unavailable", calls=1)
    assert phone.approve_latest()["status"] == "approved"  # the phone's calls pass
    assert len(fake.calls()) == before
    with pytest.raises(TwilioRestException) as caught:  # the app's next call still meets the fault
        service.entities(IDENTITY).fetch()
    assert caught.value.status == 503
    assert service.entities(IDENTITY).factors.list()[0].status == "verified"


def test_bad_input_never_a_500(fake, service, phone, enrolled):
    challenge = login_challenge(service, enrolled["factor_sid"])
    for sid in ("YC" + "0" * 32, "YC", challenge.sid.upper(), "x" * 300):
        response = requests.post(f"{fake.url}/phone/requests/{sid}/approve", timeout=10)
        assert response.status_code == 404, (sid, response.text)
    scanned = requests.post(f"{fake.url}/phone/scan", json={"uri": "verifypush://[enrol?token=x"}, timeout=10)
    assert scanned.status_code == 400 and "Not a Verify Push link" in scanned.json()["error"]
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "pending"
