import sqlalchemy as sa

from app import db
from app.models import PendingLogin
from app.models import User
from conftest import SLOW
from conftest import TIMEOUT
from conftest import AuthActions
from conftest import PushActions

DISABLED = "Two-factor authentication is now disabled."


def factor_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.factor_sid).where(User.username == username))


def factor_path(app, fake):
    with app.app_context():
        user = db.session.get(User, 1)
        return f"/v2/Services/{fake.verify_service_sid}/Entities/{user.verify_identity}/Factors/{user.factor_sid}"


def press_disable(client, auth):
    return client.post("/2fa/disable", data={"csrf_token": auth.csrf_token("/2fa/disable")})


def test_profile_links_to_disable_page(client, auth, with_2fa):
    auth.login()
    with_2fa()
    page = client.get("/user/test").get_data(as_text=True)
    assert '<a href="/2fa/disable">Disable two-factor authentication</a>' in page


def test_disable_page(client, auth, with_2fa):
    auth.login()
    with_2fa()
    response = client.get("/2fa/disable")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # what disabling means, and the button, in a form POSTed with a CSRF token
    assert "<h1>Disable two-factor authentication</h1>" in page
    assert "Logins will no longer ask for your approval on your phone." in page
    assert 'method="post"' in page
    assert 'name="csrf_token"' in page
    assert 'value="Disable"' in page


def test_disable_page_without_2fa(client, auth):
    auth.login()
    # nothing to disable: back to the profile
    assert client.get("/2fa/disable").headers["Location"] == "/user/test"


def test_disable(client, auth, with_2fa, app, fake):
    auth.login()
    factor_sid = with_2fa()
    path = factor_path(app, fake)
    response = press_disable(client, auth)
    # back to the profile, which says so and offers to enable it again
    assert response.status_code == 302
    assert response.headers["Location"] == "/user/test"
    page = client.get("/user/test").get_data(as_text=True)
    assert DISABLED in page
    assert '<a href="/2fa/enable">Enable two-factor authentication</a>' in page
    # the factor is forgotten, and Verify was told to delete it
    assert factor_of(app) is None
    # (and asked afterwards, to be sure: it says the factor is gone)
    assert [(c["method"], c["path"], c["status"]) for c in fake.calls()][-2:] == [
        ("DELETE", path, 204), ("GET", path, 404)]
    assert path.endswith(factor_sid)


def test_login_after_disable_needs_only_the_password(client, auth, with_2fa, fake):
    auth.login()
    with_2fa()
    press_disable(client, auth)
    auth.logout()
    calls = fake.calls()
    # the password alone signs in again; no push is sent
    assert auth.login().headers["Location"] == "/"
    assert fake.calls() == calls


def test_disable_when_already_removed_at_verify(client, auth, with_2fa, app):
    auth.login()
    with_2fa()
    with app.app_context():
        identity, factor_sid = db.session.get(User, 1).verify_identity, db.session.get(User, 1).factor_sid
    press_disable(client, auth)
    # the factor is gone at Verify, but the app still has it (say, from a backup)
    with app.app_context():
        db.session.get(User, 1).set_factor(identity, factor_sid)
        db.session.commit()
    # Verify's 20404 counts as deleted
    assert press_disable(client, auth).headers["Location"] == "/user/test"
    assert factor_of(app) is None


def test_disable_cancels_pending_logins(app, client, auth, with_2fa, phone):
    auth.login()
    with_2fa()
    # someone who knows the password waits for the phone in another browser
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    waiting = PushActions(other_browser)
    waiting.csrf_token()
    # the phone approved it just before (by mistake), but that browser has not polled yet
    phone.approve_latest()
    press_disable(client, auth)
    with app.app_context():
        assert db.session.scalars(sa.select(PendingLogin.status)).all() == ["cancelled"]
    # the approval signs nobody in afterwards
    assert waiting.poll().get_json() == {"redirect": "/auth/login"}
    with other_browser.session_transaction() as session:
        assert "_user_id" not in session


def test_disable_needs_csrf_token(client, auth, with_2fa, fake, db_rows):
    auth.login()
    with_2fa()
    before, calls = db_rows(), fake.calls()
    assert client.post("/2fa/disable").status_code == 400
    assert client.post("/2fa/disable", data={"csrf_token": "forged"}).status_code == 400
    # 2FA is still on, and Verify was not asked
    assert db_rows() == before
    assert fake.calls() == calls


def test_get_never_disables(client, auth, with_2fa, app_urls, fake, db_rows):
    auth.login()
    with_2fa()
    before, calls = db_rows(), fake.calls()
    for url in app_urls("GET"):
        client.get(url)
    assert db_rows() == before
    assert fake.calls() == calls


def test_disable_that_verify_did_but_answered_late(client, auth, with_2fa, app, fake):
    auth.login()
    with_2fa()
    app.config["VERIFY_TIMEOUT"] = TIMEOUT
    path = factor_path(app, fake)
    # Verify deletes the factor at once, but its answer comes after the app has stopped waiting
    fake.set_fault("late", seconds=SLOW, calls=1)
    response = press_disable(client, auth)
    # the app asks Verify about the factor, hears 20404, and 2FA is off
    assert response.headers["Location"] == "/user/test"
    assert DISABLED in client.get("/user/test").get_data(as_text=True)
    assert factor_of(app) is None
    # (the app never saw the delete's answer: no status)
    assert [(call["method"], call["path"], call["status"]) for call in fake.calls()] == [
        ("DELETE", path, None),
        ("GET", path, 404),
    ]


def test_disable_that_failed_at_verify_stays_on(client, auth, with_2fa, app, fake):
    auth.login()
    factor_sid = with_2fa()
    path = factor_path(app, fake)
    # an error at Verify for the delete; asked afterwards, Verify still knows the factor
    fake.set_fault("error", calls=1)
    response = press_disable(client, auth)
    assert response.headers["Location"] == "/2fa/disable"
    assert "Two-factor authentication is still on." in client.get("/2fa/disable").get_data(
        as_text=True
    )
    assert factor_of(app) == factor_sid
    assert [(call["path"], call["status"]) for call in fake.calls()] == [
        (path, 500),
        (path, 200),
    ]


def test_login_when_verify_no_longer_knows_the_factor(client, auth, with_2fa, app, fake):
    factor_sid = with_2fa()
    # Verify deleted the factor, and the app never heard of it (a Disable whose answer was lost)
    with app.app_context():
        identity = db.session.get(User, 1).verify_identity
    service = fake.twilio_client().verify.v2.services(fake.verify_service_sid)
    assert service.entities(identity).factors(factor_sid).delete()
    response = auth.login()
    # not signed in by this login: the login page says what happened and what to do
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Twilio Verify no longer knows your phone for this account" in page
    assert "two-factor authentication is now off. Log in again" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session
    # 2FA is off: the password signs in, and the profile offers to turn it on again
    assert factor_of(app) is None
    assert auth.login().headers["Location"] == "/"
    assert "Enable two-factor authentication" in client.get("/user/test").get_data(as_text=True)
