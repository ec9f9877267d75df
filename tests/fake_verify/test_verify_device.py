"""The device's side with real ES256 keys (cryptography): the fake checks every signature,
so a forged one, a wrong key or a tampered challenge is refused as the real service would."""

import datetime
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from twilio.base.exceptions import TwilioRestException

from fake_authy.verify.device import DeviceError
from fake_authy.verify.device import challenge_payload
from fake_authy.verify.device import device_jwt
from fake_authy.verify.device import public_key_text
from fake_authy.verify.keys import make_access_token

IDENTITY = "user-0001"  # the entity conftest's enrol() makes factors for


def refused(call):
    with pytest.raises(DeviceError) as caught:
        call()
    return caught.value.status_code, caught.value.body["code"]


def test_the_device_sends_what_the_sdk_sends(fake, device, factor):
    # One fresh P-256 key per factor, the public half registered with the factor.
    assert factor.sid.startswith("YF") and factor.credential_sid.startswith("CR")
    assert isinstance(factor.key, ec.EllipticCurvePrivateKey) and isinstance(factor.key.curve, ec.SECP256R1)
    token = device_jwt(factor)
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "cty": "twilio-pba;v=1", "kid": factor.credential_sid,
                                                "typ": "JWT"}
    claims = jwt.decode(token, factor.key.public_key(), algorithms=["ES256"])
    assert claims["sub"] == fake.account_sid and claims["exp"] - claims["nbf"] == 600


def test_a_factor_needs_an_access_token_of_this_account(fake, service, device):
    create = lambda token, identity=IDENTITY: device.create_factor(token, fake.verify_service_sid, identity, "phone")  # noqa: E731
    assert refused(lambda: create("not-a-token")) == (401, 20003)
    forged = jwt.encode({"sub": fake.account_sid, "exp": time.time() + 60, "grants": {"verify": {
        "identity": IDENTITY, "factor": "push", "service_sid": fake.verify_service_sid}}}, "0" * 32, algorithm="HS256")
    assert refused(lambda: create(forged)) == (401, 20003)
    token = service.access_tokens.create(identity=IDENTITY, factor_type="push").token
    assert refused(lambda: create(token, identity="user-0002")) == (401, 20003)  # another user's
    assert service.entities.list() == []
    assert create(token).status == "unverified"


def test_an_expired_access_token_is_refused(fake, device):
    token = make_access_token(fake.auth_token, fake.account_sid, fake.verify_service_sid, IDENTITY, "push", "YK", -1)
    with pytest.raises(DeviceError) as caught:
        device.create_factor(token, fake.verify_service_sid, IDENTITY, "phone")
    assert caught.value.status_code == 401


@pytest.mark.parametrize(
    "key",
    [lambda: ec.generate_private_key(ec.SECP384R1()), lambda: rsa.generate_private_key(65537, 2048)],
    ids=["p384", "rsa"],
)
def test_the_binding_must_be_a_p256_key(fake, service, api, assert_error, key):
    token = service.access_tokens.create(identity=IDENTITY, factor_type="push").token
    data = {"FriendlyName": "phone", "FactorType": "push", "Binding.PublicKey": public_key_text(key()),
            "Binding.Alg": "ES256", "Config.NotificationPlatform": "none"}
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Factors"
    assert_error(api("post", path, auth=("token", token), data=data), 400, 60306)
    assert_error(api("post", path, auth=("token", token), data={**data, "Binding.PublicKey": "%%%"}), 400, 60306)
    assert service.entities.list() == []


def test_a_factor_signed_by_another_key_stays_unverified(service, device, enrol):
    factor = enrol(verify=False)
    assert refused(lambda: device.verify_factor(factor, signing_key=ec.generate_private_key(ec.SECP256R1()))) == (
        403, 60311)
    assert service.entities(IDENTITY).factors(factor.sid).fetch().status == "unverified"
    assert device.verify_factor(factor)["status"] == "verified"


def test_the_app_cannot_verify_a_push_factor_without_the_devices_signature(service, enrol):
    factor = enrol(verify=False)
    with pytest.raises(TwilioRestException) as caught:
        service.entities(IDENTITY).factors(factor.sid).update(auth_payload="MEUCIQ==")
    assert (caught.value.status, caught.value.code) == (403, 60311)


def test_a_forged_answer_is_refused_and_the_challenge_stays_pending(service, device, factor, challenge):
    forger = ec.generate_private_key(ec.SECP256R1())
    assert refused(lambda: device.answer(factor, challenge.sid, "approved", signing_key=forger)) == (403, 60324)
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "pending"
    device.answer(factor, challenge.sid, "approved")
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "approved"


def test_the_apps_credentials_cannot_approve_without_the_devices_key(service, factor, challenge):
    forged = challenge_payload(ec.generate_private_key(ec.SECP256R1()), {"sid": challenge.sid}, ["sid"], "approved")
    with pytest.raises(TwilioRestException) as caught:
        service.entities(IDENTITY).challenges(challenge.sid).update(auth_payload=forged)
    assert (caught.value.status, caught.value.code) == (403, 60324)
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == "pending"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda fields: {**fields, "details": {"message": "Something else", "fields": []}},
        lambda fields: {**fields, "sid": "YC" + "0" * 32},
        lambda fields: {key: value for key, value in fields.items() if key != "expiration_date"},
        lambda fields: {**fields, "status": "pending"},
        lambda fields: {**fields, "status": "expired"},
    ],
    ids=["details", "other-challenge", "missing-field", "status-pending", "status-expired"],
)
def test_a_payload_that_does_not_sign_this_challenge_is_refused(fake, device, factor, challenge, api, assert_error,
                                                                 tamper):
    fetched, fields = device.challenge(factor, challenge.sid)
    claims = tamper({**{name: fetched[name] for name in fields}, "status": "approved"})
    payload = jwt.encode(claims, factor.key, algorithm="ES256")
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges/{challenge.sid}"
    response = api("post", path, auth=("token", device_jwt(factor)), data={"AuthPayload": payload})
    assert_error(response, 403, 60324)


def test_the_signature_fields_come_with_a_pending_challenge_only(device, factor, challenge):
    fetched, fields = device.challenge(factor, challenge.sid)
    assert fields == ["sid", "factor_sid", "details", "hidden_details", "date_created", "expiration_date"]
    device.answer(factor, challenge.sid, "denied")
    assert device.challenge(factor, challenge.sid)[1] == []


@pytest.mark.parametrize(
    "make_jwt",
    [
        lambda factor: device_jwt(factor, key=ec.generate_private_key(ec.SECP256R1())),
        lambda factor: device_jwt(factor, now=time.time() - 3600),
        lambda factor: jwt.encode({"sub": "AC" + "0" * 32, "exp": time.time() + 60, "nbf": time.time()}, factor.key,
                                  algorithm="ES256", headers={"kid": factor.credential_sid}),
        lambda factor: jwt.encode({"sub": "x"}, "secret-of-at-least-32-bytes-long!", algorithm="HS256",
                                  headers={"kid": factor.credential_sid}),
    ],
    ids=["wrong-key", "expired", "other-account", "hs256"],
)
def test_the_devices_jwt_is_checked_on_every_call(fake, factor, challenge, api, assert_error, make_jwt):
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges/{challenge.sid}"
    assert_error(api("get", path, auth=("token", make_jwt(factor))), 401, 20003)


def test_a_device_sees_only_its_own_factors_challenges(fake, device, enrol, factor, challenge, api, assert_error):
    other = enrol("user-0002")
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges/{challenge.sid}"
    assert_error(api("get", path, auth=("token", device_jwt(other))), 401, 20003)
    second = enrol()  # a second phone of the same user
    listed = api("get", f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges",
                 params={"FactorSid": factor.sid}, auth=("token", device_jwt(second)))
    assert_error(listed, 401, 20003)
    assert device.pending_challenges(second) == []


def test_a_challenge_is_answered_once(service, device, factor, challenge):
    device.answer(factor, challenge.sid, "approved")
    fetched = service.entities(IDENTITY).challenges(challenge.sid).fetch()
    payload = challenge_payload(factor.key, {"sid": challenge.sid}, [], "denied")
    with pytest.raises(TwilioRestException) as caught:
        service.entities(IDENTITY).challenges(challenge.sid).update(auth_payload=payload)
    assert (caught.value.status, caught.value.code) == (400, 60306)
    assert service.entities(IDENTITY).challenges(challenge.sid).fetch().status == fetched.status == "approved"


def test_two_answers_at_once_one_wins(service, device, factor, challenge):
    results = {}

    def answer(status):
        try:
            results[status] = device.answer(factor, challenge.sid, status)["status"]
        except DeviceError as error:
            results[status] = error.status_code

    threads = [threading.Thread(target=answer, args=(status,)) for status in ("approved", "denied")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = service.entities(IDENTITY).challenges(challenge.sid).fetch().status
    assert results[final] == final
    assert sorted(map(str, results.values())) == sorted(["400", final])


def test_an_expired_challenge_cannot_be_answered(service, device, factor, wait_for):
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
    created = service.entities(IDENTITY).challenges.create(factor_sid=factor.sid, details_message="x",
                                                           expiration_date=soon)
    fetched, fields = device.challenge(factor, created.sid)
    payload = challenge_payload(factor.key, fetched, fields, "approved")
    wait_for(lambda: service.entities(IDENTITY).challenges(created.sid).fetch().status == "expired",
             what="the challenge to expire")
    with pytest.raises(TwilioRestException) as caught:
        service.entities(IDENTITY).challenges(created.sid).update(auth_payload=payload)
    assert (caught.value.status, caught.value.code) == (403, 60323)
