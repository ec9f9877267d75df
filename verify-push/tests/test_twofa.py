import sqlalchemy as sa

from app import db
from app.models import Hit
from app.models import User


def test_profile_links_to_enable_page(client, auth):
    auth.login()
    page = client.get("/user/test").get_data(as_text=True)
    assert '<a href="/2fa/enable">Enable two-factor authentication</a>' in page


def test_enable_page(client, auth):
    auth.login()
    response = client.get("/2fa/enable")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # a short explanation of push 2FA
    assert "Enable two-factor authentication" in page
    assert "this site's app shows the request and you tap Approve" in page
    # and a button in a form that is POSTed with a CSRF token
    assert 'method="post"' in page
    assert 'name="csrf_token"' in page
    assert 'value="Enable 2FA"' in page


def test_enable_page_needs_login(client):
    response = client.get("/2fa/enable")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2F2fa%2Fenable"


def test_enable_button(client, auth, app, db_rows):
    auth.login()
    before = db_rows()
    response = client.post("/2fa/enable", data={"csrf_token": auth.csrf_token("/2fa/enable")})
    # the user is sent on to the page with the QR code to scan
    assert response.status_code == 302
    assert response.headers["Location"] == "/2fa/enable/scan"
    # only the new QR code's random id is stored: 2FA stays off until the phone has scanned
    # it; and the press itself is counted (final limits the presses: test_enable_limit.py)
    with app.app_context():
        user = db.session.get(User, 1)
        assert user.factor_sid is None
        assert len(user.registration_id) == 32
        user.registration_id = None
        db.session.commit()
    assert db_rows() == before
    with app.app_context():
        assert db.session.scalars(sa.select(Hit.key)).all() == ["enable:user:1"]


def test_enable_button_needs_csrf_token(client, auth, db_rows):
    auth.login()
    before = db_rows()
    assert client.post("/2fa/enable").status_code == 400
    assert client.post("/2fa/enable", data={"csrf_token": "forged"}).status_code == 400
    assert db_rows() == before


def test_enable_button_needs_login(client, auth):
    # a visitor who is not logged in cannot press it either
    token = auth.csrf_token("/auth/login")
    response = client.post("/2fa/enable", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
