from conftest import PASSWORD
from test_push_limits import an_hour_later

TOO_MANY = (
    "You asked for 5 new QR codes in 60 minutes, the most we make. Please scan the last one,"
    " or try again later."
)


def test_enable_presses_per_hour(client, auth, twofa, app, phone):
    auth.login()
    for _ in range(5):
        assert twofa.press_enable().headers["Location"] == "/2fa/enable/scan"
    link = twofa.link()
    # the sixth press in the hour makes no new QR code: the page says why
    response = twofa.press_enable()
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    # the last QR code still works
    assert twofa.link() == link
    # an hour later, a new one may be made
    an_hour_later(app)
    assert twofa.press_enable().headers["Location"] == "/2fa/enable/scan"


def test_enable_presses_are_counted_per_user(client, auth, twofa, app):
    app.config["ENABLE_LIMIT"] = 1
    auth.login()
    twofa.press_enable()
    assert twofa.press_enable().status_code == 429
    auth.logout()
    # another user has presses of their own
    auth.login("other", PASSWORD)
    assert twofa.press_enable().headers["Location"] == "/2fa/enable/scan"


def test_showing_the_enable_page_is_not_counted(client, auth, twofa, app):
    app.config["ENABLE_LIMIT"] = 1
    auth.login()
    for _ in range(3):
        assert client.get("/2fa/enable").status_code == 200
    assert twofa.press_enable().headers["Location"] == "/2fa/enable/scan"


def test_refused_presses_are_security_events(client, auth, twofa, app, caplog):
    app.config["ENABLE_LIMIT"] = 0
    auth.login()
    twofa.press_enable()
    assert '"event": "enable_refused"' in caplog.text
