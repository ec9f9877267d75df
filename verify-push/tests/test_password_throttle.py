import logging
import re
from datetime import timedelta

import pytest

from app import db
from app.models import Hit
from app.models import utcnow
from conftest import PASSWORD
from conftest import AuthActions
from test_fresh_login import confirm
from test_fresh_login import minutes_ago
from test_push_limits import earlier

WRONG = "Invalid username or password."
WAIT = "Too many failed logins for this account. Please try again in {}."
FROM_NETWORK = "Too many failed logins from your network. Please try again in 15 minutes."


def from_address(app, address):
    """A browser at another client address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return AuthActions(browser)


def fail(auth, times, username="test"):
    for _ in range(times):
        assert WRONG in auth.login(username, "wrong password").get_data(as_text=True)


def refused(response, wait="30 seconds"):
    """True if the login was refused with a wait of `wait` ("30 seconds", "15 minutes"),
    less the few seconds the test itself took since the failure."""
    said = re.search(WAIT.format(r"(\d+) (second|minute)s?"), response.get_data(as_text=True))
    if response.status_code != 429 or said is None:
        return False
    number, unit = wait.split()
    seconds = int(number) * (60 if unit.startswith("minute") else 1)
    left = int(said.group(1)) * (60 if said.group(2) == "minute" else 1)
    return seconds - 15 < left <= seconds


def known_device(app, address="192.0.2.1", username="test"):
    """The owner's own browser: it has signed in to the account before, and logged out."""
    owner = from_address(app, address)
    assert owner.login(username).headers["Location"] == "/"
    owner.logout()
    return owner


def test_failures_slow_the_account_down(app, client, auth):
    # five failures in a row cost nothing
    fail(auth, 5)
    # then the account waits 30 seconds: even the right password is not looked at
    assert refused(auth.login())
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # after the wait, one more try; after another failure, twice as long
    earlier(app, Hit, 30, "at")
    fail(auth, 1)
    assert refused(auth.login(), "1 minute")
    earlier(app, Hit, 60, "at")
    assert auth.login().headers["Location"] == "/"


def test_the_wait_is_never_long(app, auth):
    # a hundred failures in the last day, the last one just now
    with app.app_context():
        for number in range(100):
            db.session.add(Hit(key="password:user:test", at=utcnow() - timedelta(minutes=number)))
        db.session.commit()
    # the next try waits 15 minutes, no longer
    assert refused(auth.login(), "15 minutes")
    earlier(app, Hit, 15 * 60, "at")
    assert auth.login().headers["Location"] == "/"


def test_hammering_does_not_make_the_wait_longer(app, auth):
    fail(auth, 5)
    for _ in range(20):
        assert refused(auth.login("test", "wrong password"))
    # refused attempts are not failures: the wait is still the first one
    earlier(app, Hit, 30, "at")
    assert auth.login().headers["Location"] == "/"


def test_every_way_of_writing_the_name_counts_for_the_account(auth):
    # TEST, Test and fullwidth ｔｅｓｔ log in as test (stage 01): one count, not three
    for username in ("TEST", "Test", "ｔｅｓｔ", "test", "tést"):
        fail(auth, 1, username=username)
    # five failures in a row for one account: the next attempt waits
    assert refused(auth.login())


def test_the_owner_is_not_locked_out(app):
    owner = known_device(app)
    # somebody else, anywhere, runs up the account's count, and goes on trying
    for number in range(5):
        fail(from_address(app, f"198.51.100.{number}"), 1)
    for number in range(10):
        assert refused(from_address(app, f"203.0.113.{number}").login())
    # the owner's browser has its own count: the right password signs in
    assert owner.login().headers["Location"] == "/"


def test_a_known_device_has_its_own_count(app):
    owner = known_device(app)
    fail(owner, 5)
    assert refused(owner.login())
    # the account's other browsers are not slowed down by it
    assert from_address(app, "203.0.113.1").login().headers["Location"] == "/"


def test_known_device_cookie(app, set_cookies):
    owner = from_address(app, "192.0.2.1")
    response = owner.login()
    cookie = set_cookies(response)["known_device"]
    # signed, for a year, never read by scripts, sent only to the login pages
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/auth"
    assert cookie["max-age"] == str(365 * 24 * 3600)


def test_with_2fa_the_approval_makes_a_known_device(client, auth, with_2fa, phone, push):
    with_2fa()
    # the right password alone is not a sign-in yet
    auth.login()
    assert client.get_cookie("known_device", path="/auth") is None
    phone.approve_latest()
    assert push.poll().get_json() == {"redirect": "/"}
    assert client.get_cookie("known_device", path="/auth") is not None


def test_known_device_is_per_account(app):
    browser = known_device(app, username="other")
    for number in range(5):
        fail(from_address(app, f"198.51.100.{number}"), 1)
    # a browser that knows "other" is a stranger to "test"
    assert refused(browser.login())


def test_a_forged_known_device_cookie_counts_for_nothing(app):
    owner = known_device(app)
    value = owner._client.get_cookie("known_device", path="/auth").value
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    attacker = from_address(app, "203.0.113.1")
    attacker._client.set_cookie("known_device", forged, path="/auth")
    fail(attacker, 5)
    assert refused(attacker.login())


def test_failures_are_forgotten_after_a_day(app, auth):
    fail(auth, 5)
    earlier(app, Hit, 24 * 3600, "at")
    fail(auth, 5)
    assert refused(auth.login())


def test_success_forgets_the_failures(app, auth):
    fail(auth, 4)
    assert auth.login().headers["Location"] == "/"
    auth.logout()
    stranger = from_address(app, "203.0.113.1")
    # the four failures before the success are forgotten: five more cost nothing
    fail(stranger, 5)
    assert refused(stranger.login())


def test_unknown_accounts_are_counted_the_same(auth):
    fail(auth, 5, username="nobody")
    known, unknown = auth.login("test", "wrong"), auth.login("nobody", "wrong")
    # "test" has no failures; "nobody" is throttled exactly as an account would be
    assert known.status_code == 200
    assert refused(unknown)


def test_one_address_guessing_many_accounts(app, auth):
    app.config["PASSWORD_ADDRESS_LIMIT"] = 5
    guesser = from_address(app, "203.0.113.7")
    for number in range(5):
        fail(guesser, 1, username=f"user{number}")
    # the address is stopped, for any account; other addresses are not
    response = guesser.login()
    assert response.status_code == 429
    assert FROM_NETWORK in response.get_data(as_text=True)
    assert from_address(app, "198.51.100.1").login().headers["Location"] == "/"


def test_known_devices_behind_a_busy_address(app):
    # behind one proxy (or a shared network) every browser has the same address
    app.config["PASSWORD_ADDRESS_LIMIT"] = 5
    owner = known_device(app, address="10.0.0.1")
    for number in range(5):
        fail(from_address(app, "10.0.0.1"), 1, username=f"user{number}")
    assert from_address(app, "10.0.0.1").login().status_code == 429
    # the owner's own browser is not held to the address's count
    assert owner.login().headers["Location"] == "/"


def test_no_push_when_throttled(auth, with_2fa, fake):
    with_2fa()
    fail(auth, 5)
    assert refused(auth.login())
    assert fake.calls() == []


def test_confirm_page_is_throttled_too(client, auth):
    auth.login()
    minutes_ago(client, 11)
    client.delete_cookie("known_device", path="/auth")  # as a browser from before known devices
    for _ in range(5):
        confirm(client, auth, password="wrong")
    response = confirm(client, auth)
    assert refused(response)


@pytest.mark.parametrize(
    ("setting", "value", "failures", "wait"),
    [
        ("PASSWORD_FREE_FAILURES", 2, 2, "30 seconds"),
        # none free: the first attempt is tried (no failure before it, no 500); after one
        # failure more than the free ones, the wait is twice PASSWORD_BACKOFF
        ("PASSWORD_FREE_FAILURES", 0, 1, "1 minute"),
        ("PASSWORD_BACKOFF", 10, 5, "10 seconds"),
        ("PASSWORD_MAX_BACKOFF", 20, 5, "20 seconds"),
    ],
)
def test_limits_are_settings(app, auth, setting, value, failures, wait):
    app.config[setting] = value
    fail(auth, failures)
    assert refused(auth.login(), wait)


def test_same_page_for_known_and_unknown_users(auth):
    fail(auth, 5, "test")
    fail(auth, 5, "nobody")

    def page(response, username):
        text = response.get_data(as_text=True).replace(f'value="{username}"', "")
        # the wait counts from each user's last failure: on a slow machine "nobody"'s
        # failures end a second or more after "test"'s, so the number may differ by that
        text, waits = re.subn(WAIT.format(r"\d+ seconds"), WAIT.format("N seconds"), text)
        assert waits == 1
        return re.sub(r'name="csrf_token"[^>]*?value="[^"]+"', "", text)

    assert page(auth.login("test", PASSWORD), "test") == page(auth.login("nobody", "x"), "nobody")


def test_a_proxy_without_proxy_hops_is_reported(app, client, caplog):
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        client.get("/auth/login", headers={"X-Forwarded-For": "203.0.113.5"})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # once, not at every request
    assert len(warnings) == 1
    assert "PROXY_HOPS is 0" in warnings[0]


def test_no_warning_without_a_proxy(client, caplog):
    caplog.set_level(logging.WARNING)
    client.get("/auth/login")
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]
