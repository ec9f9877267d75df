import sqlalchemy as sa

from app import db
from app.models import User


def test_not_found(client):
    response = client.get("/no-such-page")
    # a friendly page inside the site's layout
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Push 2FA Tutorial" in page


def test_internal_error(app, client):
    active = []

    @app.route("/broken")
    def broken():
        db.session.add(User(username="test", email="test@example.com", password_hash="x"))
        db.session.flush()  # fails: "test" already exists

    @app.after_request
    def record_session_state(response):
        active.append(db.session.is_active)
        return response

    # show our error page rather than the traceback the tests normally get
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/broken")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "Push 2FA Tutorial" in page
    # the failed transaction was rolled back, so the session works again
    assert active == [True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
