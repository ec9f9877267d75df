import pytest


def test_session_cookie(auth, set_cookies):
    cookie = set_cookies(auth.login())["session"]
    # JavaScript cannot read it, other sites cannot make the browser POST with it
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # plain HTTP by default, so a local run works
    assert not cookie["secure"]


def test_remember_cookie(auth, set_cookies):
    cookie = set_cookies(auth.login(remember=True))["remember_token"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]


@pytest.mark.parametrize("https", ["1", "true", "yes", "on"])
def test_cookies_secure_over_https(app, auth, load_config, set_cookies, https):
    config = load_config(HTTPS=https)
    app.config["SESSION_COOKIE_SECURE"] = config.SESSION_COOKIE_SECURE
    app.config["REMEMBER_COOKIE_SECURE"] = config.REMEMBER_COOKIE_SECURE
    cookies = set_cookies(auth.login(remember=True))
    # with HTTPS=1 both cookies are only ever sent over HTTPS
    assert cookies["session"]["secure"]
    assert cookies["remember_token"]["secure"]


@pytest.mark.parametrize("https", ["", "0", "no"])
def test_cookies_not_secure_without_https(load_config, https):
    config = load_config(HTTPS=https)
    assert not config.SESSION_COOKIE_SECURE
    assert not config.REMEMBER_COOKIE_SECURE
