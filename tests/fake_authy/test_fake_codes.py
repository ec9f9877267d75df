"""One-time codes: the phone's TOTP codes, GET verify/{token}/{authy_id}, GET sms/{authy_id},
through the official client over HTTP; and the TOTP itself against RFC 6238's test vectors."""

import hashlib
import threading
import time

import pytest
from authy import AuthyFormatException

from fake_authy import create_app
from fake_authy import totp
from fake_authy.settings import DEFAULT_API_KEY
from fake_authy.settings import Settings

# RFC 6238, appendix B: the SHA-1 key and (time, 8-digit TOTP) with a 30-second step.
RFC_6238_KEY = b"12345678901234567890"
RFC_6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
# A time at the start of a 10-second step, so that T + 10 is the next step exactly.
T = 1_700_000_000
VALID = {"message": "Token is valid.", "token": "is valid", "success": "true"}
INVALID = {
    "message": "Token is invalid",
    "token": "is invalid",
    "success": False,
    "errors": {"message": "Token is invalid"},
    "error_code": "60020",
}


@pytest.mark.parametrize(("timestamp", "expected"), RFC_6238_SHA1)
def test_totp_gives_rfc_6238_sha1_test_vectors(timestamp, expected):
    assert totp.totp(RFC_6238_KEY, timestamp, digits=8, period=30, digest=hashlib.sha1) == expected
    # Authy's length: the same number, cut to its last 7 digits.
    assert totp.totp(RFC_6238_KEY, timestamp, digits=7, period=30) == expected[-7:]


def test_authy_codes_are_7_digits_every_10_seconds():
    key = bytes.fromhex(totp.new_secret())
    assert len(key) == 20
    assert totp.totp(key, T) == totp.totp(key, T + 9.99) == totp.hotp(key, T // 10)
    assert len(totp.totp(key, T)) == 7 and totp.totp(key, T).isdigit()
    assert [totp.seconds_left(T + offset) for offset in (0, 0.5, 9.5)] == [10, 10, 1]


def test_the_phones_code_is_valid_through_the_real_client(fake, authy, phone, authy_id):
    code = phone.code(authy_id)
    assert len(code) == 7 and code.isdigit()
    verified = authy.tokens.verify(authy_id, code)
    assert verified.ok()  # the client looks for the exact text "token":"is valid" in the body
    assert verified.response.status_code == 200
    assert verified.content == VALID
    assert verified.response.headers["Content-Type"] == "application/json; charset=utf-8"
    # The client always sends force=true.
    assert fake.calls()[-1]["path"] == f"/protected/json/verify/{code}/{authy_id}"


def test_a_wrong_code_is_401_60020(authy, phone, authy_id, assert_envelope):
    wrong = f"{(int(phone.code(authy_id)) + 1) % 10**7:07d}"
    verified = authy.tokens.verify(authy_id, wrong)
    assert not verified.ok()
    assert assert_envelope(verified.response, 401, "60020") == INVALID
    assert verified.errors() == {"message": "Token is invalid"}


def test_a_code_is_accepted_once(fake, authy, phone, authy_id, assert_envelope):
    fake.set_clock(T)
    code = phone.code(authy_id)
    assert authy.tokens.verify(authy_id, code).ok()
    again = authy.tokens.verify(authy_id, code)
    body = assert_envelope(again.response, 401, "60020")
    assert body["message"] == "Token is invalid. Token was used recently"


def test_one_step_of_drift_either_way_and_no_more(fake, authy, phone, authy_id):
    fake.set_clock(T)
    now = phone.code(authy_id)
    fake.set_clock(T + 20)  # two steps later: too old
    assert authy.tokens.verify(authy_id, now).response.status_code == 401
    fake.set_clock(T + 10)  # the step before the fake's: typed just as it changed
    assert authy.tokens.verify(authy_id, now).ok()

    fake.set_clock(T + 50)
    ahead_by_two = phone.code(authy_id)
    fake.set_clock(T + 30)
    ahead_by_one = phone.code(authy_id)
    fake.set_clock(T + 20)  # the phone's clock runs ahead of the fake's
    assert authy.tokens.verify(authy_id, ahead_by_two).response.status_code == 401
    assert authy.tokens.verify(authy_id, ahead_by_one).ok()


def test_the_clients_own_checks_stop_some_tokens_before_the_wire(fake, authy, authy_id, assert_envelope):
    for token, message in [("12a4567", "Only digits accepted"), ("12345", "Unexpected length"),
                           ("1" * 13, "Unexpected length")]:  # fmt: skip
        with pytest.raises(AuthyFormatException, match=message):
            authy.tokens.verify(authy_id, token)
    assert fake.calls() == []
    # The client lets 6 to 12 digits through; the fake takes 6 to 10, and answers any other
    # token as a wrong one.
    for token in ("1" * 11, "1" * 12):
        assert_envelope(authy.tokens.verify(authy_id, token).response, 401, "60020")
    assert [call["status"] for call in fake.calls()] == [401, 401]


def test_verify_for_an_unknown_or_deleted_user_is_60026(authy, authy_id, assert_envelope):
    assert_envelope(authy.tokens.verify(999, "1234567").response, 404, "60026")
    authy.users.delete(authy_id)
    assert_envelope(authy.tokens.verify(authy_id, "1234567").response, 404, "60026")


def test_without_force_a_user_with_no_app_and_no_code_used_is_not_checked(fake, api, authy, phone, authy_id):
    fake.set_user(authy_id, registered=False)
    # What Twilio documented: any token passes until the user has the app or used a code.
    assert api("get", f"/protected/json/verify/0000000/{authy_id}").json() == VALID
    assert api("get", f"/protected/json/verify/0000000/{authy_id}", params={"force": "true"}).status_code == 401
    # Once the user has used a code, it is checked with or without force.
    authy.users.request_sms(authy_id)
    assert authy.tokens.verify(authy_id, phone.messages()[0]["code"]).ok()
    assert api("get", f"/protected/json/verify/0000000/{authy_id}").status_code == 401


def test_two_checks_of_one_code_at_once_accept_it_once(fake, authy, phone, authy_id):
    fake.set_clock(T)
    code = phone.code(authy_id)
    statuses = []
    start = threading.Barrier(4)

    def verify():
        start.wait()
        statuses.append(authy.tokens.verify(authy_id, code).response.status_code)

    threads = [threading.Thread(target=verify) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 401, 401, 401]


# SMS


def test_sms_is_ignored_for_a_user_with_the_app_unless_forced(authy, phone, authy_id):
    ignored = authy.users.request_sms(authy_id)
    assert ignored.ok() and ignored.ignored()
    assert ignored.content == {
        "success": True,
        "message": "Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway",
        "cellphone": "+1-XXX-XXX-XX23",  # an account added by QR code: the simulated phone's
        "device": "authy",
        "ignored": True,
    }
    assert phone.messages() == []

    sent = authy.users.request_sms(authy_id, {"force": True})
    assert sent.ok() and not sent.ignored()
    assert sent.content == {"success": True, "message": "SMS token was sent", "cellphone": "+1-XXX-XXX-XX23"}
    [message] = phone.messages()
    assert message["authy_id"] == authy_id
    assert message["to"] == "+1 2015550123"
    assert message["text"] == f"Your Push 2FA Tutorial verification code is: {message['code']}"
    assert message["sent_at"].endswith("Z")


def test_the_code_by_sms_is_valid_once_for_ten_minutes(fake, authy, phone, assert_envelope):
    authy_id = authy.users.create("bob@example.com", "111-111-1118", 1).id
    fake.set_user(authy_id, registered=False)  # no app: the text goes without force
    fake.set_clock(T)
    sent = authy.users.request_sms(authy_id)
    assert sent.content["message"] == "SMS token was sent"
    assert sent.content["cellphone"] == "+1-XXX-XXX-XX18"
    code = phone.messages()[0]["code"]
    assert phone.code(authy_id) is None  # no app, no code on the phone

    fake.set_clock(T + 599)  # long after the phone's code of that moment changed
    assert authy.tokens.verify(authy_id, code).ok()
    assert authy.users.status(authy_id).content["status"]["confirmed"] is True
    again = assert_envelope(authy.tokens.verify(authy_id, code).response, 401, "60020")
    assert again["message"] == "Token is invalid. Token was used recently"

    authy.users.request_sms(authy_id)
    later = phone.messages()[0]["code"]
    fake.set_clock(T + 599 + 600)
    assert_envelope(authy.tokens.verify(authy_id, later).response, 401, "60020")


def test_sms_then_the_phones_code_of_the_same_moment_is_one_use(fake, authy, phone, authy_id):
    fake.set_clock(T)
    authy.users.request_sms(authy_id, {"force": True})
    assert phone.messages()[0]["code"] == phone.code(authy_id)
    assert authy.tokens.verify(authy_id, phone.code(authy_id)).ok()
    assert authy.tokens.verify(authy_id, phone.messages()[0]["code"]).response.status_code == 401


@pytest.mark.parametrize("force", ["true", "True", "1", True])
def test_force_is_true_in_any_case_or_1(api, phone, authy_id, force):
    sent = api("get", f"/protected/json/sms/{authy_id}", params={"force": force})
    assert sent.json()["message"] == "SMS token was sent"


@pytest.mark.parametrize("force", ["false", "0", "", "yes", "force[a]"])
def test_anything_else_is_not_force(api, phone, authy_id, force):
    params = {force: "1"} if force.startswith("force[") else {"force": force}
    assert api("get", f"/protected/json/sms/{authy_id}", params=params).json()["ignored"] is True
    assert phone.messages() == []


def test_the_answer_stays_compact_in_debug_mode(tmp_path):
    # Token.ok() of the Python client looks for the text "token":"is valid" (no space), which
    # Flask's pretty JSON of debug mode would break.
    app = create_app(Settings(db_path=str(tmp_path / "fake.db")))
    app.debug = True
    store = app.extensions["fake_authy"].store
    authy_id = store.register_scan("7")
    code = totp.totp(bytes.fromhex(store.user(authy_id)["totp_secret"]), time.time())
    answer = app.test_client().get(f"/protected/json/verify/{code}/{authy_id}", headers={"X-Authy-API-Key": DEFAULT_API_KEY})
    assert b'"token":"is valid"' in answer.data


@pytest.mark.parametrize("at", [0, 5, 2**40])
def test_codes_at_the_ends_of_the_clock(fake, authy, phone, authy_id, assert_envelope, at):
    fake.set_clock(at)  # at 0 there is no step before the first; 2**40 is the control's limit
    wrong = "0000000" if phone.code(authy_id) != "0000000" else "0000001"
    assert_envelope(authy.tokens.verify(authy_id, wrong).response, 401, "60020")
    assert authy.tokens.verify(authy_id, phone.code(authy_id)).ok()


def test_a_code_given_as_a_number_loses_its_leading_zero(fake, authy, phone, authy_id):
    # The client accepts an int token; int("0329979") is 329979, which is not the code.
    for step in range(200):
        fake.set_clock(T + 10 * step)
        if phone.code(authy_id)[:2] in {f"0{digit}" for digit in range(1, 10)}:
            break  # one zero: two would make 5 digits, which the client refuses itself
    code = phone.code(authy_id)
    assert code[0] == "0" and code[1] != "0", "no code with one leading zero in 200 steps"
    assert authy.tokens.verify(authy_id, int(code)).response.status_code == 401
    assert authy.tokens.verify(authy_id, code).ok()
