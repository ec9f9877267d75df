import re
import secrets

import pytest

from app import create_app
from app import db
from app.models import new_login_code
from conftest import AuthActions
from test_push_login import pending_logins


def test_code_on_the_waiting_page_and_in_the_push(client, auth, with_2fa, phone, app):
    with_2fa()
    auth.login()
    page = client.get("/auth/login/push").get_data(as_text=True)
    shown = re.search(r'data-testid="login-code">(\d{4})<', page).group(1)
    # the page and the phone show the same code, the one the login keeps
    assert phone.latest()["fields"]["Code"] == shown
    assert pending_logins(app)[0].code == shown
    # with what to do when they differ, in both places
    assert "If your phone shows another code, tap Deny" in page
    assert phone.latest()["fields"]["Codes differ?"] == "Tap Deny: it is not your login."


def test_each_attempt_has_its_own_code(client, auth, with_2fa, phone, app):
    with_2fa()
    auth.login()
    auth.login()
    first, second = pending_logins(app)
    # one code per attempt, each in its own push
    assert [request["fields"]["Code"] for request in phone.requests()] == [second.code, first.code]


def test_codes_are_random(monkeypatch):
    codes = [new_login_code() for _ in range(50)]
    # four digits, and they differ
    assert all(re.fullmatch(r"\d{4}", code) for code in codes)
    assert len(set(codes)) > 40
    # drawn from secrets, any of the 10,000: not a counter, not the time
    asked = []
    draws = iter([7, 9999, 4321])
    monkeypatch.setattr(secrets, "randbelow", lambda n: asked.append(n) or next(draws))
    assert [new_login_code() for _ in range(3)] == ["0007", "9999", "4321"]
    assert asked == [10_000] * 3


def test_push_says_when(auth, with_2fa, phone, app):
    with_2fa()
    auth.login()
    [pending] = pending_logins(app)
    # the time of the login, in UTC, to the minute
    assert phone.latest()["fields"]["Time"] == pending.created_at.strftime("%Y-%m-%d %H:%M UTC")


def test_long_browser_names_are_summarised(client, auth, with_2fa, phone):
    with_2fa()
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0 " + "x" * 500
    auth.login()
    assert phone.latest()["fields"]["Browser"] == "Firefox on Windows"


@pytest.fixture
def proxied(app):
    """A function: the app as it runs behind `hops` reverse proxies of our own."""

    made = []

    def make(hops):
        behind = create_app(type("BehindProxies", (), {**app.config, "PROXY_HOPS": hops}))
        made.append(behind)
        return AuthActions(behind.test_client())

    yield make
    for behind in made:  # close its database connection now, not whenever it is garbage
        with behind.app_context():
            db.engine.dispose()


def login_from(auth, forwarded_for):
    auth._client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return auth.login()


def test_no_proxy_ignores_forwarded_for(auth, with_2fa, phone):
    with_2fa()
    # a browser that claims another address in the header is not believed
    login_from(auth, "203.0.113.9")
    assert phone.latest()["fields"]["IP address"] == "127.0.0.1"


def test_one_proxy_gives_the_browsers_address(proxied, with_2fa, phone):
    with_2fa()
    # our nginx added the address it saw
    login_from(proxied(1), "198.51.100.7")
    assert phone.latest()["fields"]["IP address"] == "198.51.100.7"


def test_a_forged_forwarded_for_behind_a_proxy(proxied, with_2fa, phone):
    with_2fa()
    # the browser sent "203.0.113.9" itself; our one proxy appended what it saw
    login_from(proxied(1), "203.0.113.9, 198.51.100.7")
    assert phone.latest()["fields"]["IP address"] == "198.51.100.7"


def test_two_proxies(proxied, with_2fa, phone):
    with_2fa()
    # a load balancer, then nginx: the browser's address is the second from the right
    login_from(proxied(2), "203.0.113.9, 198.51.100.7, 10.0.0.2")
    assert phone.latest()["fields"]["IP address"] == "198.51.100.7"

