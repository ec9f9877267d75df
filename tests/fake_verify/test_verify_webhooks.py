"""Webhooks: form POSTs signed as every Twilio webhook is, checked here with the library's
own twilio.request_validator.RequestValidator, as the app will check them."""

import json

from twilio.request_validator import RequestValidator

IDENTITY = "user-0001"  # the entity conftest's enrol() makes factors for


def test_each_event_is_signed_as_the_request_validator_checks(fake, service, receiver, enrol, device):
    service.webhooks.create(friendly_name="app", event_types=["*"], webhook_url=receiver.url)
    factor = enrol()
    challenge = service.entities(IDENTITY).challenges.create(
        factor_sid=factor.sid, details_message="Log in as alice?", details_fields=[{"label": "Code", "value": "42"}],
        hidden_details={"ip": "203.0.113.7"},
    )
    device.answer(factor, challenge.sid, "approved")
    assert receiver.types() == ["factor.created", "factor.verified", "challenge.approved"]

    validator = RequestValidator(fake.auth_token)
    for hook in receiver.received:
        signature = hook["headers"]["X-Twilio-Signature"]
        assert validator.validate(receiver.url, hook["form"], signature)
        assert not RequestValidator("0" * 32).validate(receiver.url, hook["form"], signature)
        assert not validator.validate(receiver.url, {**hook["form"], "status": "denied"}, signature)
        assert hook["headers"]["Content-Type"] == "application/x-www-form-urlencoded"

    approved = receiver.received[-1]["form"]
    assert approved["challenge_sid"] == challenge.sid and approved["status"] == "approved"
    assert approved["factor_sid"] == factor.sid and approved["entity_identity"] == IDENTITY
    assert approved["account_sid"] == fake.account_sid and approved["service_sid"] == fake.verify_service_sid
    assert json.loads(approved["challenge_details"])["message"] == "Log in as alice?"
    assert json.loads(approved["hidden_details"]) == {"ip": "203.0.113.7"}


def test_only_the_asked_for_events_reach_an_enabled_webhook(service, receiver, enrol, device):
    hook = service.webhooks.create(friendly_name="app", event_types=["challenge.denied"], webhook_url=receiver.url)
    factor = enrol()
    first = service.entities(IDENTITY).challenges.create(factor_sid=factor.sid, details_message="x")
    device.answer(factor, first.sid, "denied")
    assert receiver.types() == ["challenge.denied"]
    service.webhooks(hook.sid).update(status="disabled")
    second = service.entities(IDENTITY).challenges.create(factor_sid=factor.sid, details_message="x")
    device.answer(factor, second.sid, "denied")
    device.delete_factor(factor)
    assert receiver.types() == ["challenge.denied"]


def test_the_factors_deletion_is_told(service, receiver, factor):
    service.webhooks.create(friendly_name="app", event_types=["factor.deleted"], webhook_url=receiver.url)
    service.entities(IDENTITY).factors(factor.sid).delete()
    assert receiver.types() == ["factor.deleted"]
    assert receiver.received[0]["form"]["factor_sid"] == factor.sid


def test_a_webhook_that_is_down_does_not_break_the_device(service, device, factor, challenge):
    service.webhooks.create(friendly_name="app", event_types=["*"], webhook_url="http://127.0.0.1:9/nobody")
    assert device.answer(factor, challenge.sid, "approved")["status"] == "approved"
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "approved"
