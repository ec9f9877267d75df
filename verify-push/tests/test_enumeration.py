"""Registration and profiles say whether a username is taken; they are limited per client
address, so that nobody can try a long list of names."""

from conftest import PASSWORD
from test_password_throttle import from_address
from test_push_limits import an_hour_later

TOO_MANY = "There have been too many requests like this one from your network"


def test_failed_registrations_per_address(app, auth):
    app.config["REGISTRATION_LIMIT"] = 3
    for number in range(3):
        # each failure says what is taken: the user needs to know
        page = auth.register("test", f"new{number}@example.com").get_data(as_text=True)
        assert "Please use a different username." in page
    # the next attempt is not even looked at, even one that would succeed
    response = auth.register("new", "new@example.com")
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert auth.login("new").status_code == 200  # no such account
    # another address may still register; and this one, an hour later
    assert from_address(app, "198.51.100.1").register().headers["Location"] == "/auth/login"
    an_hour_later(app)
    assert auth.register("newer", "newer@example.com").headers["Location"] == "/auth/login"


def test_successful_registrations_are_not_counted(app, auth, client):
    app.config["REGISTRATION_LIMIT"] = 1
    for number in range(3):
        response = auth.register(f"new{number}", f"new{number}@example.com")
        assert response.headers["Location"] == "/auth/login"
    assert "Please use a different username." in auth.register("new0").get_data(as_text=True)
    assert auth.register("last", "last@example.com").status_code == 429


def test_profile_lookups_per_address(app, client, auth):
    app.config["PROFILE_LIMIT"] = 3
    auth.login()
    assert client.get("/user/other").status_code == 200
    assert client.get("/user/nobody").status_code == 404
    assert client.get("/user/someone").status_code == 404
    # the fourth look-up in the hour, whether the name exists or not
    for name in ("other", "nobody"):
        response = client.get(f"/user/{name}")
        assert response.status_code == 429
        assert TOO_MANY in response.get_data(as_text=True)
    # one's own profile is never counted
    for _ in range(5):
        assert client.get("/user/test").status_code == 200
    an_hour_later(app)
    assert client.get("/user/other").status_code == 200


def test_profile_lookups_counted_per_address(app, client, auth):
    app.config["PROFILE_LIMIT"] = 1
    auth.login()
    client.get("/user/other")
    assert client.get("/user/other").status_code == 429
    elsewhere = from_address(app, "198.51.100.1")
    elsewhere.login("other", PASSWORD)
    assert elsewhere._client.get("/user/test").status_code == 200


def test_throttled_lookups_are_security_events(app, auth, caplog):
    app.config["REGISTRATION_LIMIT"] = 0
    auth.register()
    assert '"event": "lookup_throttled"' in caplog.text
    assert '"kind": "register"' in caplog.text


