import pytest
import sqlalchemy as sa
from flask import session

from app import db
from app.models import User
from conftest import AuthActions


def token_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.session_token).where(User.username == username))


def signed_in(client):
    return client.get("/").status_code == 200


@pytest.fixture
def second_browser(app):
    """The same user, signed in on another browser."""
    browser = app.test_client()
    AuthActions(browser).login()
    assert signed_in(browser)
    return browser


def test_session_holds_id_and_token(client, auth, app):
    with client:
        auth.login()
        assert session["_user_id"] == f"1:{token_of(app)}"
    # a random token of 32 bytes, one per user
    assert len(token_of(app)) == 43
    assert token_of(app) != token_of(app, "other")


def test_logout_ends_every_session(client, auth, app, second_browser):
    before = token_of(app)
    auth.login()
    auth.logout()
    # a new token: the other browser's session names the old one, and is signed out
    assert token_of(app) != before
    assert not signed_in(second_browser)
    assert second_browser.get("/").headers["Location"].startswith("/auth/login")


def test_copy_of_a_session_cookie_after_logout(app, client, auth):
    auth.login()
    copy = client.get_cookie("session").value
    auth.logout()
    # someone kept a copy of the signed-in cookie (a shared computer, malware)
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert not signed_in(thief)


def test_logout_ends_remember_cookies(app, client, auth):
    auth.login(remember=True)
    remembered = client.get_cookie("remember_token").value
    auth.logout()
    # a browser that still has the remember cookie is not signed in by it
    browser = app.test_client()
    browser.set_cookie("remember_token", remembered)
    assert not signed_in(browser)


def test_enabling_2fa_ends_other_sessions(client, auth, twofa, app, second_browser):
    auth.login()
    before = token_of(app)
    twofa.enable()
    assert token_of(app) != before
    # the other browser is signed out; this one stays signed in
    assert not signed_in(second_browser)
    assert signed_in(client)


def test_disabling_2fa_ends_other_sessions(client, auth, with_2fa, app, second_browser):
    auth.login()
    with_2fa()
    before = token_of(app)
    client.post("/2fa/disable", data={"csrf_token": auth.csrf_token("/2fa/disable")})
    assert token_of(app) != before
    assert not signed_in(second_browser)
    assert signed_in(client)


def test_a_remembered_browser_stays_remembered(app, client, auth, twofa, phone, set_cookies):
    auth.login(remember=True)
    twofa.press_enable()
    phone.scan(twofa.link())
    response = twofa.poll()
    # the browser that made the change gets a remember cookie with the new token
    remembered = set_cookies(response)["remember_token"].value
    browser = app.test_client()
    browser.set_cookie("remember_token", remembered)
    assert signed_in(browser)


@pytest.mark.parametrize(
    "user_id", ["1", "1:", "1:wrong", ":x", "x:y", "", "99:x", "²:x", "9" * 40 + ":x", "1:" + "x" * 500]
)
def test_odd_session_ids_sign_nobody_in(app, client, user_id):
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user_id
        cookie["_fresh"] = True
    # anonymous, and no error
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
