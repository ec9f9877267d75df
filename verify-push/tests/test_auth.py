import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from flask import session

from app import db
from app import models
from app.auth.forms import RegistrationForm
from app.models import User

PASSWORD = "correct horse battery staple"


def user_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_register_page(client):
    page = client.get("/auth/register").get_data(as_text=True)
    # the form has the four fields, the button and a CSRF token
    for label in ("Username", "Email", "Password", "Repeat Password"):
        assert f">{label}</label>" in page
    assert 'value="Register"' in page
    assert 'name="csrf_token"' in page


def test_register(client, auth, app):
    response = auth.register(username="alice", email="Alice@Example.com")
    # a new user is sent to the login page with a message
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "you are now registered" in client.get("/auth/login").get_data(as_text=True)

    # the user is stored, the email in lower case, the password only as a scrypt hash
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "alice"))
        assert user.email == "alice@example.com"
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("username", "email", "password", "password2", "message"),
    [
        ("", "new@example.com", PASSWORD, PASSWORD, "This field is required."),
        ("new", "", PASSWORD, PASSWORD, "This field is required."),
        ("new", "new@example.com", "", "", "This field is required."),
        ("new", "not-an-email", PASSWORD, PASSWORD, "Invalid email address."),
        ("new", "new@example.com", "short", "short", "at least 8 characters"),
        ("new", "new@example.com", PASSWORD, "something else", "Passwords must match."),
        ("n" * 65, "new@example.com", PASSWORD, PASSWORD, "longer than 64 characters"),
        ("test", "new@example.com", PASSWORD, PASSWORD, "Please use a different username"),
        (" test ", "new@example.com", PASSWORD, PASSWORD, "Please use a different username"),
        ("new", "test@example.com", PASSWORD, PASSWORD, "Please use a different email"),
        ("new", "TEST@example.com", PASSWORD, PASSWORD, "Please use a different email"),
    ],
)
def test_register_validate_input(auth, app, username, email, password, password2, message):
    before = user_count(app)
    response = auth.register(username, email, password, password2)
    # the form comes back with the message and nobody is added
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert user_count(app) == before


def test_simultaneous_registrations_of_one_name(app, live_url, monkeypatch):
    browsers = 8
    # Each request checks that the name is free, then waits until all eight have: so all
    # eight pass the form's check before any of them stores the user, every time.
    check = RegistrationForm.validate_username
    all_checked = threading.Barrier(browsers, timeout=10)

    def check_then_wait(form, field):
        check(form, field)
        all_checked.wait()

    monkeypatch.setattr(RegistrationForm, "validate_username", check_then_wait)

    def register(number):
        browser = requests.Session()
        browser.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
        page = browser.get(f"{live_url}/auth/register", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
        data = {
            "csrf_token": token,
            "username": "race",
            "email": f"race{number}@example.com",
            "password": PASSWORD,
            "password2": PASSWORD,
        }
        url = f"{live_url}/auth/register"
        return browser.post(url, data=data, allow_redirects=False, timeout=30)

    with ThreadPoolExecutor(browsers) as pool:
        responses = list(pool.map(register, range(browsers)))
    # one is registered; the seven others get the form back with the usual message, no 500
    assert sorted(response.status_code for response in responses) == [200] * 7 + [302]
    for response in responses:
        if response.status_code == 200:
            assert "Please use a different username." in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.username == "race")) == 1


def test_login_page(client):
    page = client.get("/auth/login").get_data(as_text=True)
    for label in ("Username", "Password", "Remember Me"):
        assert f">{label}</label>" in page
    assert 'value="Login"' in page
    assert 'name="csrf_token"' in page


def test_login(client, auth):
    with client:
        response = auth.login()
        # the user is signed in and sent to the home page
        assert response.status_code == 302
        assert response.headers["Location"] == "/"
        assert session["_user_id"].split(":")[0] == "1"  # the id, then the session token
    assert "Hi, test!" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "password"),
    [("", PASSWORD), ("test", "")],
)
def test_login_validate_input(auth, username, password):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)


def test_login_failure_same_message(client, auth):
    def page_without_secrets(response, username):
        # the CSRF token differs per page; the username is echoed back in its field
        page = response.get_data(as_text=True).replace(f'value="{username}"', "")
        return re.sub(r'name="csrf_token"[^>]*?value="[^"]+"', "", page)

    unknown_user = auth.login("nobody", PASSWORD)
    wrong_password = auth.login("test", "wrong password")
    # both get the same answer, so the page does not tell who has an account
    assert unknown_user.status_code == wrong_password.status_code == 200
    assert "Invalid username or password." in unknown_user.get_data(as_text=True)
    assert page_without_secrets(unknown_user, "nobody") == page_without_secrets(
        wrong_password, "test"
    )
    # and nobody is signed in
    with client:
        client.get("/auth/login")
        assert "_user_id" not in session


def test_login_checks_one_hash_known_user_or_not(auth, monkeypatch):
    checked = []
    check_password_hash = models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$")[0])  # the method and its cost: scrypt:32768:8:1
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    auth.login("test", "wrong password")
    auth.login("nobody", "wrong password")
    # an unknown username costs a password check too, so the time taken tells nothing
    assert len(checked) == 2
    # and one as costly as for any registered user (the test users have a cheap hash)
    registered = User(username="new", email="new@example.com")
    registered.set_password(PASSWORD)
    assert checked[1] == registered.password_hash.split("$")[0]


def test_confirm_checks_one_hash(client, auth, monkeypatch, password_hash):
    auth.login()
    token = auth.csrf_token("/auth/confirm")
    checked = []
    check_password_hash = models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    response = client.post("/auth/confirm", data={"csrf_token": token, "password": "wrong"})
    # the password page checks the signed-in user's own hash, once, like the login page
    assert "Invalid password." in response.get_data(as_text=True)
    assert checked == [password_hash]


def test_remember_me(client, auth, set_cookies):
    # without Remember Me only the session cookie is set
    assert "remember_token" not in set_cookies(auth.login())
    auth.logout()
    # with it, a long-lived remember cookie is set too
    assert set_cookies(auth.login(remember=True))["remember_token"].value


def test_remember_cookie_logs_in_again(app, client, auth):
    auth.login(remember=True)
    remember_token = client.get_cookie("remember_token").value
    # a new browser session that has only the remember cookie is signed in
    client = app.test_client()
    client.set_cookie("remember_token", remember_token)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_logged_in_user_skips_forms(client, auth, path):
    auth.login()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_required_redirects_with_next(client, auth):
    response = client.get("/")
    # the login page is told where the user wanted to go
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2F"
    assert "Please log in to access this page." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    # and sends the user there after logging in
    assert auth.login(next="/").headers["Location"] == "/"


def test_logout(client, auth, set_cookies):
    auth.login(remember=True)
    with client:
        response = auth.logout()
        # the user is signed out and sent to the login page with a message
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/login"
        assert "_user_id" not in session
    # the remember cookie is deleted as well
    assert set_cookies(response)["remember_token"].value == ""
    assert client.get("/").status_code == 302
    assert "You have been logged out." in client.get("/auth/login").get_data(as_text=True)


def test_logout_empties_the_session(client, auth):
    auth.login()
    with client.session_transaction() as cookie:
        cookie["left_behind"] = "something a later stage keeps in the session"
    auth.logout()
    # nothing from the signed-in session is left in the cookie for the next person to read
    with client.session_transaction() as cookie:
        assert "left_behind" not in cookie


def test_logout_needs_post(client, auth):
    auth.login()
    # a link or an image cannot log the user out
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_needs_csrf_token(client, auth):
    auth.login()
    # another site cannot log the user out either
    assert client.post("/auth/logout").status_code == 400
    assert client.post("/auth/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200
