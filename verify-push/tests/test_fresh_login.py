import pytest

from app.sessions import AUTHENTICATED_AT
from conftest import PASSWORD

CONFIRM = "Please enter your password again to continue."


def minutes_ago(client, minutes):
    """As if the user had logged in `minutes` ago (without waiting that long)."""
    with client.session_transaction() as session:
        session[AUTHENTICATED_AT] -= minutes * 60


def confirm(client, auth, password=PASSWORD, next="/2fa/enable"):
    token = auth.csrf_token(f"/auth/confirm?next={next}")
    return client.post(f"/auth/confirm?next={next}", data={"csrf_token": token, "password": password})


def test_recent_login_may_enable(client, auth):
    auth.login()
    minutes_ago(client, 9)
    assert client.get("/2fa/enable").status_code == 200


@pytest.mark.parametrize("url", ["/2fa/enable", "/2fa/disable"])
def test_old_login_is_asked_for_the_password(client, auth, with_2fa, url):
    auth.login()
    with_2fa()
    minutes_ago(client, 11)
    response = client.get(url)
    # the password page, which brings the user back afterwards
    assert response.headers["Location"] == f"/auth/confirm?next={url.replace('/', '%2F')}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CONFIRM in page
    assert "<h1>Confirm your password</h1>" in page


def test_old_login_cannot_press_enable(client, auth, db_rows):
    auth.login()
    token = auth.csrf_token("/2fa/enable")
    minutes_ago(client, 11)
    before = db_rows()
    response = client.post("/2fa/enable", data={"csrf_token": token})
    # no QR code is made: to the password page
    assert response.headers["Location"].startswith("/auth/confirm")
    assert client.get("/2fa/enable/scan").headers["Location"].startswith("/auth/confirm")
    assert db_rows() == before


def test_old_login_cannot_disable(client, auth, with_2fa, fake, db_rows):
    auth.login()
    with_2fa()
    token = auth.csrf_token("/2fa/disable")
    minutes_ago(client, 11)
    before, calls = db_rows(), fake.calls()
    response = client.post("/2fa/disable", data={"csrf_token": token})
    # 2FA stays on, and Authy is not asked
    assert response.headers["Location"].startswith("/auth/confirm")
    assert db_rows() == before
    assert fake.calls() == calls


def test_old_login_cannot_see_or_poll_the_qr_code(client, auth, twofa, phone, fake, db_rows):
    auth.login()
    twofa.press_enable()
    link = twofa.link()
    phone.scan(link)
    minutes_ago(client, 11)
    before, calls = db_rows(), fake.calls()
    # the QR page and its picture need the password again, as the button does
    assert client.get("/2fa/enable/scan").headers["Location"].startswith("/auth/confirm")
    assert client.get("/2fa/enable/qr.png").headers["Location"].startswith("/auth/confirm")
    # and so does the poll: it sends the page to the password, which brings it back; 2FA stays off
    assert twofa.poll().get_json() == {"redirect": "/auth/confirm?next=/2fa/enable/scan"}
    assert db_rows() == before
    assert fake.calls() == calls
    # once confirmed, the same QR code finishes the job
    assert confirm(client, auth, next="/2fa/enable/scan").headers["Location"] == "/2fa/enable/scan"
    assert twofa.poll().get_json() == {"redirect": "/user/test"}


def test_password_again_makes_it_fresh(client, auth):
    auth.login()
    minutes_ago(client, 11)
    response = confirm(client, auth)
    # back where the user was going, which now works
    assert response.headers["Location"] == "/2fa/enable"
    assert client.get("/2fa/enable").status_code == 200


def test_wrong_password(client, auth):
    auth.login()
    minutes_ago(client, 11)
    response = confirm(client, auth, password="wrong password")
    assert response.status_code == 200
    assert "Invalid password." in response.get_data(as_text=True)
    assert client.get("/2fa/enable").headers["Location"].startswith("/auth/confirm")


@pytest.mark.parametrize("next", ["//evil.example", "https://evil.example"])
def test_confirm_checks_next(client, auth, next):
    auth.login()
    minutes_ago(client, 11)
    assert confirm(client, auth, next=next).headers["Location"] == "/"


def test_remembered_browser_is_not_fresh(app, client, auth):
    auth.login(remember=True)
    remembered = client.get_cookie("remember_token").value
    # the next day: the browser is signed in by its remember cookie alone
    browser = app.test_client()
    browser.set_cookie("remember_token", remembered)
    assert browser.get("/").status_code == 200
    assert browser.get("/2fa/enable").headers["Location"].startswith("/auth/confirm")


def test_push_login_is_fresh(client, auth, with_2fa, phone, push):
    with_2fa()
    auth.login()
    phone.approve_latest()
    push.poll()
    # password and push, just now: the user may turn 2FA off at once
    assert client.get("/2fa/disable").status_code == 200


def test_confirm_needs_login(client):
    assert client.get("/auth/confirm").headers["Location"].startswith("/auth/login")


def test_the_time_is_a_setting(app, client, auth):
    app.config["FRESH_AUTH_SECONDS"] = 60
    auth.login()
    minutes_ago(client, 2)
    assert client.get("/2fa/enable").headers["Location"].startswith("/auth/confirm")
