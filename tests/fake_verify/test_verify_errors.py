"""Every error answer: the library raises TwilioRestException with Twilio's code and status;
bad input of any shape gets a clear 4xx in Twilio's envelope, never a 500, and changes nothing."""

import datetime
import json

import pytest
import requests
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from fake_authy.verify.device import device_jwt

IDENTITY = "user-0001"  # the entity conftest's enrol() makes factors for
UNKNOWN = "0" * 32


def raised(call):
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    "account_sid, auth_token",
    [("AC" + UNKNOWN, None), (None, "0" * 32), (None, "")],
    ids=["unknown-account", "wrong-auth-token", "empty-token"],
)
def test_wrong_credentials_are_20003(fake, account_sid, auth_token):
    client = Client(account_sid or fake.account_sid, fake.auth_token if auth_token is None else auth_token)
    client.verify.base_url = fake.url
    error = raised(lambda: client.verify.v2.services(fake.verify_service_sid).fetch())
    assert (error.status, error.code) == (401, 20003)


def test_no_credentials_at_all_are_20003(fake, api, assert_error):
    assert_error(api("get", f"/Services/{fake.verify_service_sid}", auth=None), 401, 20003)
    response = api("get", f"/Services/{fake.verify_service_sid}", auth=None, headers={"Authorization": "Bearer x"})
    assert_error(response, 401, 20003)


def test_the_device_cannot_use_the_apps_routes(fake, factor, api, assert_error):
    # A device's JWT may answer challenges; it may not create them or read the service.
    auth = ("token", device_jwt(factor))
    assert_error(api("get", f"/Services/{fake.verify_service_sid}", auth=auth), 401, 20003)
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges"
    assert_error(api("post", path, auth=auth, data={"FactorSid": factor.sid, "Details.Message": "x"}), 401, 20003)


@pytest.mark.parametrize(
    "resource",
    ["service", "malformed-service", "entity", "factor", "challenge", "access-token", "webhook"],
)
def test_unknown_resources_are_20404(client, service, factor, resource):
    entity = service.entities(IDENTITY)
    calls = {
        "service": lambda: client.verify.v2.services("VA" + UNKNOWN).fetch(),
        "malformed-service": lambda: client.verify.v2.services("not-a-sid").fetch(),
        "entity": lambda: service.entities("nobody-0001").fetch(),
        "factor": lambda: entity.factors("YF" + UNKNOWN).fetch(),
        "challenge": lambda: entity.challenges("YC" + UNKNOWN).fetch(),
        "access-token": lambda: service.access_tokens("YK" + UNKNOWN).fetch(),
        "webhook": lambda: service.webhooks("YW" + UNKNOWN).fetch(),
    }
    error = raised(calls[resource])
    assert (error.status, error.code) == (404, 20404)
    assert "was not found" in error.msg


def test_another_entitys_factor_is_not_found(service, enrol, factor):
    enrol("user-0002")
    error = raised(lambda: service.entities("user-0002").factors(factor.sid).fetch())
    assert (error.status, error.code) == (404, 20404)
    error = raised(lambda: service.entities("user-0002").challenges.create(factor_sid=factor.sid, details_message="x"))
    assert (error.status, error.code) == (404, 20404)


def in_a_minute():
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)


BAD_CHALLENGES = {
    # name: (create() arguments, code)
    "no-message": ({}, 60368),
    "message-too-long": ({"details_message": "x" * 257}, 60368),
    "too-many-fields": ({"details_message": "x", "details_fields": [{"label": "l", "value": "v"}] * 21}, 60368),
    "label-too-long": ({"details_message": "x", "details_fields": [{"label": "l" * 37, "value": "v"}]}, 60368),
    "value-too-long": ({"details_message": "x", "details_fields": [{"label": "l", "value": "v" * 129}]}, 60368),
    "field-not-label-value": ({"details_message": "x", "details_fields": [{"name": "l"}]}, 60368),
    "hidden-details-not-strings": ({"details_message": "x", "hidden_details": {"n": 1}}, 60306),
    "expiration-in-the-past": ({"details_message": "x", "expiration_date": datetime.datetime(2020, 1, 1)}, 60306),
    "expiration-beyond-an-hour": (
        {"details_message": "x", "expiration_date": datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)},
        60306,
    ),
}


@pytest.mark.parametrize("name", BAD_CHALLENGES)
def test_bad_challenge_parameters_are_400_and_create_nothing(service, factor, name):
    arguments, code = BAD_CHALLENGES[name]
    error = raised(lambda: service.entities(IDENTITY).challenges.create(factor_sid=factor.sid, **arguments))
    assert (error.status, error.code) == (400, code)
    assert service.entities(IDENTITY).challenges.list() == []


def test_a_challenge_needs_a_verified_factor(service, enrol):
    unverified = enrol(verify=False)
    error = raised(lambda: service.entities(IDENTITY).challenges.create(factor_sid=unverified.sid, details_message="x"))
    assert (error.status, error.code) == (400, 60306)
    assert "not verified" in error.msg


@pytest.mark.parametrize(
    "call",
    [
        lambda service: service.entities.create(identity="short"),
        lambda service: service.entities.create(identity="has spaces in it"),
        lambda service: service.entities.create(identity="user_0001"),
        lambda service: service.access_tokens.create(identity="user-0001", factor_type="totp"),
        lambda service: service.access_tokens.create(identity="user-0001", factor_type="push", ttl=10),
        lambda service: service.access_tokens.create(identity="user-0001", factor_type="push", ttl=301),
        lambda service: service.webhooks.create(friendly_name="x", event_types=["login"], webhook_url="https://a.b"),
        lambda service: service.webhooks.create(friendly_name="x", event_types=["*"], webhook_url="ftp://a.b"),
        lambda service: service.webhooks.create(friendly_name="x", event_types=["*"], webhook_url="https://a.b",
                                                resource_version="v9"),
    ],
    ids=["identity-short", "identity-spaces", "identity-underscore", "totp", "ttl-10", "ttl-301", "event-type", "webhook-url",
         "webhook-version"],
)
def test_bad_parameters_are_400_60306(service, factor, call):
    error = raised(lambda: call(service))
    assert (error.status, error.code) == (400, 60306)


@pytest.mark.parametrize("arguments", [{"status": "maybe"}, {"page_size": 1001}, {"order": "sideways"}])
def test_bad_list_parameters_reach_the_library_as_its_page_error(service, factor, arguments):
    # The library raises TwilioException("Unable to fetch page", response) for a list.
    with pytest.raises(TwilioException) as caught:
        service.entities(IDENTITY).challenges.list(**arguments)
    response = caught.value.args[1]
    assert response.status_code == 400 and json.loads(response.text)["code"] == 60306


def test_an_entity_is_created_once(service):
    service.entities.create(identity="user-0002")
    error = raised(lambda: service.entities.create(identity="user-0002"))
    assert (error.status, error.code) == (400, 60306)


def test_faults_reach_the_verify_api_too(fake, service):
    fake.set_fault("rate_limit", calls=1)
    error = raised(lambda: service.fetch())
    assert (error.status, error.code) == (429, 20429)
    fake.set_fault("unavailable", calls=1)
    error = raised(lambda: service.fetch())
    assert error.status == 503
    assert service.fetch().sid == fake.verify_service_sid


@pytest.mark.parametrize(
    "method, path, kwargs, status, code",
    [
        ("get", "/Nothing/Here", {}, 404, 20404),
        ("delete", "/Services/{service}", {}, 405, 20004),
        ("post", "/Services", {"json": {"FriendlyName": "JSON is not how Twilio is called"}}, 400, 60306),
        ("post", "/Services", {"data": b"FriendlyName=%zz%", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 201, None),
        ("post", "/Services", {"data": b"FriendlyName=\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400, 60306),
        ("post", "/Services", {"data": {"FriendlyName": "x" * 65}}, 400, 60306),
        ("post", "/Services", {"data": {"FriendlyName": "x", "Other": "y" * 6000}}, 400, 60306),
        ("post", "/Services", {"data": "a=" + "b" * (1024 * 1024 + 1),
                               "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 413, 60306),
        ("get", "/Services/{service}/Entities?PageSize=abc", {}, 400, 60306),
        ("get", "/Services/{service}/Entities?Page=-1", {}, 400, 60306),
        ("post", "/Services/{service}/Entities/user-0001/Challenges/YC" + UNKNOWN, {"data": {}}, 404, 20404),
    ],
    ids=["unknown-path", "wrong-method", "json-body", "bad-percent", "not-utf8", "long-name", "huge-param",
         "body-over-1-mib", "page-size-text", "page-negative", "unknown-challenge"],
)
def test_bad_input_gets_a_clear_4xx_never_a_500(fake, api, assert_error, method, path, kwargs, status, code):
    response = api(method, path.format(service=fake.verify_service_sid), **kwargs)
    if code is None:  # read as best it can be, as the real form parser does
        assert response.status_code == status, response.text
    else:
        assert_error(response, status, code)


def test_an_unreadable_body_changes_nothing(fake, service, api, factor, assert_error):
    path = f"/Services/{fake.verify_service_sid}/Entities/{IDENTITY}/Challenges"
    response = api("post", path, data={"FactorSid": factor.sid, "Details.Message": "x", "Details.Fields": "{not json"})
    assert_error(response, 400, 60368)
    response = api("post", path, data={"FactorSid": "YF-nonsense", "Details.Message": "x"})
    assert_error(response, 400, 60306)
    assert service.entities(IDENTITY).challenges.list() == []


def test_the_library_sees_a_non_json_answer_as_an_error_not_a_crash(fake, service):
    fake.set_fault("malformed", calls=1)
    with pytest.raises((TwilioRestException, ValueError)):
        service.fetch()


def test_a_call_to_the_real_host_name_is_not_made(fake):
    # The fake never tells a client to go to verify.twilio.com: its URLs are its own.
    answer = requests.get(
        f"{fake.verify_url}/Services/{fake.verify_service_sid}", auth=(fake.account_sid, fake.auth_token), timeout=10
    ).json()
    assert all(link.startswith(fake.verify_url) for link in answer["links"].values())
