import json
import logging
import re

import pytest
import sqlalchemy as sa

from app import db
from app.models import User
from conftest import PASSWORD
from conftest import AuthActions
from conftest import PushActions
from test_fresh_login import minutes_ago
from test_push_login import pending_logins
from test_sessions import signed_in
from test_sessions import token_of

NEW = "a new and longer passphrase"
CHANGED = "Your password has been changed. Every other browser signed in to your account has been signed out."
WRONG = "Invalid current password."
TOO_MANY = "Too many failed logins for this account. Please try again in 30 seconds."


def change(client, auth, current=PASSWORD, new=NEW, repeat=None):
    """Fill in the Change password page and press its button."""
    return client.post("/auth/password", data={
        "csrf_token": auth.csrf_token("/auth/password"),
        "current_password": current,
        "password": new,
        "password2": new if repeat is None else repeat,
    })


def password_hash(app):
    with app.app_context():
        return db.session.scalar(sa.select(User.password_hash).where(User.username == "test"))


@pytest.fixture
def signed_in_user(client, auth):
    auth.login()


def test_profile_links_to_the_page(client, signed_in_user):
    page = client.get("/user/test").get_data(as_text=True)
    assert '<a href="/auth/password">Change password</a>' in page
    # somebody else's profile has no such link
    assert "Change password" not in client.get("/user/other").get_data(as_text=True)


def test_the_page(client, signed_in_user):
    page = client.get("/auth/password").get_data(as_text=True)
    assert "<h1>Change password</h1>" in page
    for label in ("Current password", "New password", "Repeat new password"):
        assert f">{label}</label>" in page
    assert 'name="csrf_token"' in page
    assert 'autocomplete="current-password"' in page


def test_change_password(app, client, auth, signed_in_user):
    response = change(client, auth)
    # back to the profile, which says so
    assert response.headers["Location"] == "/user/test"
    assert CHANGED in client.get("/user/test").get_data(as_text=True)
    # the new password works, the old one no longer does
    browser = AuthActions(app.test_client())
    assert "Invalid username or password." in browser.login(password=PASSWORD).get_data(as_text=True)
    assert browser.login(password=NEW).headers["Location"] == "/"
    # stored with the app's own scrypt, as at registration
    assert password_hash(app).startswith("scrypt:32768:8:1$")


def test_wrong_current_password(app, client, auth, signed_in_user):
    before = password_hash(app)
    response = change(client, auth, current="wrong password")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert password_hash(app) == before
    assert signed_in(client)


def test_wrong_current_password_counts_as_a_failed_login(app, client, auth, signed_in_user):
    # PASSWORD_FREE_FAILURES (5) wrong passwords in a row cost nothing ...
    for _ in range(5):
        assert WRONG in change(client, auth, current="wrong password").get_data(as_text=True)
    # ... then the next try waits, even with the right password, which is not looked at
    before = password_hash(app)
    response = change(client, auth)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert password_hash(app) == before
    # and so does a login in this browser, once signed out: it is the same count
    auth.logout()
    assert auth.login().status_code == 429


def test_the_right_password_starts_the_count_again(client, auth, signed_in_user):
    for _ in range(4):
        change(client, auth, current="wrong password")
    assert change(client, auth).headers["Location"] == "/user/test"
    for _ in range(4):
        change(client, auth, current="wrong password", new="yet another passphrase")
    assert change(client, auth, current=NEW, new="yet another passphrase").status_code == 302


@pytest.mark.parametrize(
    ("new", "repeat", "message"),
    [
        ("short", "short", "Field must be at least 8 characters long."),
        (NEW, NEW + "!", "Passwords must match."),
        ("", "", "This field is required."),
        (PASSWORD, PASSWORD, "Choose a password other than your current one."),
    ],
)
def test_new_password_rules(app, client, auth, signed_in_user, db_rows, new, repeat, message):
    before = db_rows()
    response = change(client, auth, new=new, repeat=repeat)
    # the rules of registration: the page says what is wrong, and nothing changes
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db_rows() == before


def errors(response):
    return re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', response.get_data(as_text=True))


@pytest.mark.parametrize(("new", "repeat"), [("short", "short"), ("1234567", "1234567"), (NEW, NEW + "!"), ("", "")])
def test_same_rules_as_registration(app, client, auth, signed_in_user, new, repeat):
    registered = errors(AuthActions(app.test_client()).register(password=new, password2=repeat))
    # a new password that registration refuses, the page refuses, with the same words
    assert errors(change(client, auth, new=new, repeat=repeat)) == registered != []


def test_needs_login(client):
    assert client.get("/auth/password").headers["Location"].startswith("/auth/login")


def test_needs_a_fresh_login(app, client, auth, signed_in_user):
    token = auth.csrf_token("/auth/password")
    minutes_ago(client, 11)
    before = password_hash(app)
    # asked for the password first, and brought back afterwards
    assert client.get("/auth/password").headers["Location"] == "/auth/confirm?next=%2Fauth%2Fpassword"
    response = client.post("/auth/password", data={
        "csrf_token": token, "current_password": PASSWORD, "password": NEW, "password2": NEW})
    assert response.headers["Location"].startswith("/auth/confirm")
    assert password_hash(app) == before


def test_remembered_browser_is_asked_for_the_password(app, client, auth):
    auth.login(remember=True)
    browser = app.test_client()
    browser.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert browser.get("/auth/password").headers["Location"].startswith("/auth/confirm")


def test_other_sessions_end(app, client, auth, signed_in_user):
    # the same user in another browser, and a remember cookie from a third
    other = app.test_client()
    AuthActions(other).login(remember=True)
    remembered = other.get_cookie("remember_token").value
    before = token_of(app)
    change(client, auth)
    assert token_of(app) != before
    # the others are signed out; this browser stays signed in
    assert not signed_in(other)
    third = app.test_client()
    third.set_cookie("remember_token", remembered)
    assert not signed_in(third)
    assert signed_in(client)


def test_this_remembered_browser_stays_remembered(app, client, auth, set_cookies):
    auth.login(remember=True)
    response = change(client, auth)
    browser = app.test_client()
    browser.set_cookie("remember_token", set_cookies(response)["remember_token"].value)
    assert signed_in(browser)


def test_logins_waiting_for_the_phone_end(app, client, auth, with_2fa, phone, signed_in_user):
    with_2fa()
    # someone with the old password waits for the phone in another browser
    attacker = app.test_client()
    AuthActions(attacker).login()
    attacker_page = PushActions(attacker)
    attacker_page.csrf_token()
    change(client, auth)
    assert pending_logins(app)[0].status == "cancelled"
    # approved by mistake afterwards: nobody is signed in
    phone.approve_latest()
    assert attacker_page.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(attacker)


def test_needs_csrf_token(app, client, auth, signed_in_user, db_rows):
    before = db_rows()
    data = {"current_password": PASSWORD, "password": NEW, "password2": NEW}
    assert client.post("/auth/password", data=data).status_code == 400
    assert client.post("/auth/password", data={**data, "csrf_token": "forged"}).status_code == 400
    assert db_rows() == before


def test_events(client, auth, signed_in_user, caplog):
    caplog.set_level(logging.INFO, logger="security")
    change(client, auth, current="wrong password")
    change(client, auth)
    logged = [json.loads(record.getMessage()) for record in caplog.records if record.name == "security"]
    assert [(entry["event"], entry.get("step")) for entry in logged] == [
        ("password_fail", "change_password"),
        ("password_ok", "change_password"),
        ("password_changed", None),
    ]
    assert logged[-1]["username"] == "test"
    # neither password is written
    assert PASSWORD not in caplog.text
    assert NEW not in caplog.text
