"""Every Verify call an app makes, through the official `twilio` library over real HTTP."""

import datetime

import jwt
import pytest

from fake_authy.testing import FakeAuthyServer
from fake_authy.verify.device import device_jwt

IDENTITY = "user-0001"  # the entity conftest's enrol() makes factors for


def test_the_library_is_pointed_at_the_fake_by_the_verify_base_url(fake, client):
    assert client.verify.base_url == fake.url
    service = client.verify.v2.services(fake.verify_service_sid).fetch()
    assert service.sid == fake.verify_service_sid and service.account_sid == fake.account_sid
    assert service.url == f"{fake.verify_url}/Services/{fake.verify_service_sid}"
    assert [call["path"] for call in fake.calls()] == [f"/v2/Services/{fake.verify_service_sid}"]


def test_a_new_service_can_be_created_and_fetched(client):
    created = client.verify.v2.services.create(friendly_name="Another app")
    assert created.sid.startswith("VA") and len(created.sid) == 34
    assert client.verify.v2.services(created.sid).fetch().friendly_name == "Another app"


def test_entities_are_created_fetched_listed_and_deleted(service):
    created = service.entities.create(identity="user-0002")
    assert created.sid.startswith("YE") and created.identity == "user-0002"
    assert service.entities("user-0002").fetch().sid == created.sid
    assert [entity.identity for entity in service.entities.list()] == ["user-0002"]
    assert service.entities("user-0002").delete() is True
    assert service.entities.list() == []


def test_an_access_token_names_its_identity_and_lasts_a_minute_by_default(fake, service):
    token = service.access_tokens.create(identity=IDENTITY, factor_type="push", factor_friendly_name="Alice")
    assert token.sid.startswith("YK") and token.entity_identity == IDENTITY and token.ttl == 60
    assert token.factor_type == "push" and token.factor_friendly_name == "Alice"
    claims = jwt.decode(token.token, fake.auth_token, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60
    assert claims["grants"]["verify"] == {"identity": IDENTITY, "factor": "push", "service_sid": fake.verify_service_sid}
    assert service.access_tokens(token.sid).fetch().token == token.token
    assert service.access_tokens.create(identity=IDENTITY, factor_type="push", ttl=300).ttl == 300


def test_enrolment_the_device_creates_and_verifies_the_factor_the_app_sees_it(service, enrol):
    factor = enrol(verify=False)
    seen = service.entities(IDENTITY).factors(factor.sid).fetch()
    assert seen.status == "unverified" and seen.factor_type == "push"
    assert seen.friendly_name == "Alice's phone"
    assert seen.config["notification_platform"] == "none" and seen.config["credential_sid"] == factor.credential_sid
    assert service.entities(IDENTITY).fetch().identity == IDENTITY  # made with the first factor
    assert factor.status == "unverified"


def test_a_verified_factor_reads_verified_and_is_listed(service, enrol, device):
    factor = enrol(verify=False)
    device.verify_factor(factor)
    assert factor.status == "verified"
    assert service.entities(IDENTITY).factors(factor.sid).fetch().status == "verified"
    assert [found.sid for found in service.entities(IDENTITY).factors.list()] == [factor.sid]


def test_the_app_can_rename_a_factor(service, factor):
    updated = service.entities(IDENTITY).factors(factor.sid).update(friendly_name="Work phone")
    assert updated.friendly_name == "Work phone" and updated.status == "verified"


def test_a_challenge_carries_its_details_and_hidden_details(service, factor, challenge):
    assert challenge.sid.startswith("YC") and challenge.status == "pending"
    assert challenge.factor_sid == factor.sid and challenge.identity == IDENTITY
    assert challenge.details == {
        "message": "Log in as alice?",
        "fields": [{"label": "Code", "value": "4271"}, {"label": "Browser", "value": "Firefox on Linux"}],
    }
    assert challenge.hidden_details == {"ip": "203.0.113.7"}
    assert challenge.responded_reason == "none" and challenge.date_responded is None
    # Five minutes unless the app says otherwise.
    assert (challenge.expiration_date - challenge.date_created).total_seconds() == pytest.approx(300, abs=2)
    fetched = service.entities(IDENTITY).challenges(challenge.sid).fetch()
    assert fetched.details == challenge.details and fetched.status == "pending"


def test_the_app_chooses_the_expiration_date(service, factor):
    when = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(minutes=10)
    created = service.entities(IDENTITY).challenges.create(
        factor_sid=factor.sid, details_message="Log in?", expiration_date=when
    )
    assert created.expiration_date == when
    assert created.details == {"message": "Log in?", "fields": []} and created.hidden_details is None


@pytest.mark.parametrize("answer", ["approved", "denied"])
def test_the_device_answers_and_the_app_sees_it(service, device, factor, challenge, answer):
    assert [found["sid"] for found in device.pending_challenges(factor)] == [challenge.sid]
    device.answer(factor, challenge.sid, answer)
    seen = service.entities(IDENTITY).challenges(challenge.sid).fetch()
    assert seen.status == answer and seen.date_responded is not None
    assert device.pending_challenges(factor) == []


def test_challenges_are_listed_a_page_at_a_time_and_filtered(fake, service, device, factor):
    challenges = service.entities(IDENTITY).challenges
    sids = [challenges.create(factor_sid=factor.sid, details_message=f"Log in {n}?").sid for n in range(3)]
    device.answer(factor, sids[0], "denied")
    # The library follows meta.next_page_url, on the fake, until there is none.
    assert [found.sid for found in challenges.list(page_size=2)] == sids
    first = challenges.page(page_size=2)
    assert len(list(first)) == 2 and first.next_page_url.startswith(f"{fake.verify_url}/Services/")
    assert [found.sid for found in challenges.list(status="pending", order="desc")] == sids[:0:-1]
    assert [found.sid for found in challenges.list(factor_sid=factor.sid, status="denied")] == sids[:1]


def test_the_app_deletes_a_factor_its_device_is_refused_after(service, fake, factor, challenge, api, assert_error):
    assert service.entities(IDENTITY).factors(factor.sid).delete() is True
    assert service.entities(IDENTITY).factors.list() == []
    assert service.entities(IDENTITY).challenges.list() == []
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges?FactorSid={factor.sid}"
    assert_error(api("get", path, auth=("token", device_jwt(factor))), 401, 20003)


def test_the_device_can_delete_its_own_factor(service, device, factor):
    device.delete_factor(factor)
    assert service.entities(IDENTITY).factors.list() == []


def test_deleting_an_entity_deletes_its_factors(service, factor, challenge):
    assert service.entities(IDENTITY).delete() is True
    assert service.entities.list() == []
    assert service.entities.create(identity=IDENTITY).identity == IDENTITY  # a new one, empty
    assert service.entities(IDENTITY).factors.list() == []


def test_webhooks_are_created_listed_updated_and_deleted(service):
    created = service.webhooks.create(
        friendly_name="My app", event_types=["challenge.approved", "challenge.denied"],
        webhook_url="https://example.com/verify/webhook",
    )
    assert created.sid.startswith("YW") and created.status == "enabled" and created.version == "v2"
    assert created.event_types == ["challenge.approved", "challenge.denied"]
    assert [hook.sid for hook in service.webhooks.list()] == [created.sid]
    updated = service.webhooks(created.sid).update(event_types=["*"], status="disabled")
    assert updated.event_types == ["*"] and updated.status == "disabled"
    assert updated.webhook_url == "https://example.com/verify/webhook"
    assert service.webhooks(created.sid).fetch().status == "disabled"
    assert service.webhooks(created.sid).delete() is True
    assert service.webhooks.list() == []


def test_a_challenge_expires_and_reads_expired(service, factor, wait_for):
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
    created = service.entities(IDENTITY).challenges.create(
        factor_sid=factor.sid, details_message="Log in?", expiration_date=soon
    )
    expired = wait_for(
        lambda: (found := service.entities(IDENTITY).challenges(created.sid).fetch()).status == "expired" and found,
        what="the challenge to expire",
    )
    assert expired.date_updated == expired.expiration_date and expired.date_responded is None


def test_reset_forgets_verify_state_but_keeps_the_service(fake, service, factor):
    fake.reset()
    assert service.entities.list() == []
    assert service.fetch().sid == fake.verify_service_sid


def test_a_fake_with_a_malformed_account_sid_says_why_it_cannot_start():
    with pytest.raises(AssertionError, match=r"TWILIO_ACCOUNT_SID must be AC and 32 hex digits, not 'abc'"):
        FakeAuthyServer.start(env={"TWILIO_ACCOUNT_SID": "abc"})
