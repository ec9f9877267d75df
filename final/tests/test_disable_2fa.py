import sqlalchemy as sa

from app import db
from app.models import PendingLogin
from app.models import User
from conftest import AuthActions
from conftest import PushActions

DISABLED = "Two-factor authentication is now disabled."


def authy_id_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.authy_id).where(User.username == username))


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
    authy_id = with_2fa()
    response = press_disable(client, auth)
    # back to the profile, which says so and offers to enable it again
    assert response.status_code == 302
    assert response.headers["Location"] == "/user/test"
    page = client.get("/user/test").get_data(as_text=True)
    assert DISABLED in page
    assert '<a href="/2fa/enable">Enable two-factor authentication</a>' in page
    # the Authy id is forgotten, and Authy was told to remove the user
    assert authy_id_of(app) is None
    assert [(call["method"], call["path"]) for call in fake.calls()][-1] == (
        "POST",
        f"/protected/json/users/{authy_id}/delete",
    )


def test_login_after_disable_needs_only_the_password(client, auth, with_2fa, fake):
    auth.login()
    with_2fa()
    press_disable(client, auth)
    auth.logout()
    calls = fake.calls()
    # the password alone signs in again; no push is sent
    assert auth.login().headers["Location"] == "/"
    assert fake.calls() == calls


def test_disable_when_already_removed_at_authy(client, auth, with_2fa, app):
    auth.login()
    with_2fa()
    press_disable(client, auth)
    # the user is gone at Authy, but the app still has the id (say, from a backup)
    with app.app_context():
        user = db.session.get(User, 1)
        user.authy_id = 1000001
        db.session.commit()
    # Authy's "User not found." counts as removed
    assert press_disable(client, auth).headers["Location"] == "/user/test"
    assert authy_id_of(app) is None


def test_disable_cancels_pending_logins(app, client, auth, with_2fa, phone):
    auth.login()
    with_2fa()
    # someone who knows the password waits for the phone in another browser
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    waiting = PushActions(other_browser)
    waiting.csrf_token()
    press_disable(client, auth)
    with app.app_context():
        assert db.session.scalars(sa.select(PendingLogin.status)).all() == ["cancelled"]
    # approving that old request afterwards signs nobody in
    phone.approve_latest()
    assert waiting.poll().get_json() == {"redirect": "/auth/login"}
    with other_browser.session_transaction() as session:
        assert "_user_id" not in session


def test_disable_needs_csrf_token(client, auth, with_2fa, fake, db_rows):
    auth.login()
    with_2fa()
    before, calls = db_rows(), fake.calls()
    assert client.post("/2fa/disable").status_code == 400
    assert client.post("/2fa/disable", data={"csrf_token": "forged"}).status_code == 400
    # 2FA is still on, and Authy was not asked
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
