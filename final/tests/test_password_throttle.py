import re

import pytest

from app.models import Hit
from conftest import PASSWORD
from conftest import AuthActions
from test_fresh_login import confirm
from test_fresh_login import minutes_ago
from test_push_limits import earlier

TOO_MANY = "Too many failed logins. Please try again in 15 minutes."
WRONG = "Invalid username or password."


def from_address(app, address):
    """A browser at another client address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return AuthActions(browser)


def fail(auth, times, username="test"):
    for _ in range(times):
        assert WRONG in auth.login(username, "wrong password").get_data(as_text=True)


def test_ten_failures_for_an_account(client, auth):
    fail(auth, 10)
    # the eleventh attempt is refused, even with the right password, which is not looked at
    response = auth.login()
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_failures_are_forgotten_after_the_window(app, auth):
    fail(auth, 10)
    earlier(app, Hit, 15 * 60, "at")
    assert auth.login().headers["Location"] == "/"


def test_success_starts_the_count_again(auth):
    fail(auth, 9)
    auth.login()
    auth.logout()
    # nine more wrong passwords are still "in a row" only from the last success
    fail(auth, 9)
    assert auth.login().headers["Location"] == "/"


def test_every_way_of_writing_the_name_counts_for_the_account(auth):
    # TEST, Test and fullwidth ｔｅｓｔ log in as test (stage 01): one count, not three
    for username in ("TEST", "Test", "ｔｅｓｔ", "test", "tést"):
        fail(auth, 2, username=username)
    response = auth.login()
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)


def test_unknown_accounts_are_counted_the_same(auth):
    fail(auth, 10, username="nobody")
    known, unknown = auth.login("test", "wrong"), auth.login("nobody", "wrong")
    # "test" has no failures; "nobody" is throttled exactly as an account would be
    assert known.status_code == 200
    assert unknown.status_code == 429
    assert TOO_MANY in unknown.get_data(as_text=True)


def test_an_account_attacked_from_many_addresses(app, auth):
    for number in range(10):
        fail(from_address(app, f"198.51.100.{number}"), 1)
    # the account is protected wherever the next guess comes from
    assert from_address(app, "203.0.113.1").login().status_code == 429


def test_one_address_guessing_many_accounts(app, auth):
    app.config["PASSWORD_ADDRESS_LIMIT"] = 5
    guesser = from_address(app, "203.0.113.7")
    for number in range(5):
        fail(guesser, 1, username=f"user{number}")
    # the address is stopped, for any account; other addresses are not
    assert guesser.login().status_code == 429
    assert from_address(app, "198.51.100.1").login().headers["Location"] == "/"


def test_no_push_when_throttled(auth, with_2fa, fake):
    with_2fa()
    fail(auth, 10)
    assert auth.login().status_code == 429
    assert fake.calls() == []


def test_confirm_page_is_throttled_too(client, auth):
    auth.login()
    minutes_ago(client, 11)
    for _ in range(10):
        confirm(client, auth, password="wrong")
    response = confirm(client, auth)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)


@pytest.mark.parametrize("limit", ["PASSWORD_ACCOUNT_LIMIT", "PASSWORD_ADDRESS_LIMIT"])
def test_limits_are_settings(app, auth, limit):
    app.config[limit] = 2
    fail(auth, 2)
    assert auth.login().status_code == 429


def test_same_page_for_known_and_unknown_users(auth):
    fail(auth, 10, "test")
    fail(auth, 10, "nobody")

    def page(response, username):
        text = response.get_data(as_text=True).replace(f'value="{username}"', "")
        return re.sub(r'name="csrf_token"[^>]*?value="[^"]+"', "", text)

    assert page(auth.login("test", PASSWORD), "test") == page(auth.login("nobody", "x"), "nobody")
