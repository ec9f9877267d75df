"""No notification? The code from the Authy app, on the waiting login's own page.

Each code comes from the fake's phone, as a person reads it there; the fake's clock of the
codes is stopped (set_clock), so that the code does not change during a test.
"""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from app.auth.app_code import NO_MORE
from app.auth.app_code import WRONG
from app.models import Hit
from app.models import User
from app.models import utcnow
from conftest import AuthActions
from conftest import PushActions
from conftest import at_once
from conftest import tabs
from test_push_login import change_pending_login
from test_push_login import pending_logins
from test_push_login import signed_in

# A Unix time that is a multiple of the codes' 10-second period.
CLOCK = 1_800_000_000
TOO_MANY = "Too many wrong codes for this account."
UNREACHABLE = "We could not reach Authy. Please try again in a moment."
CODE_PAGE = "/auth/login/push/code"


class CodePage:
    """The page behind "No notification? Enter the code from your Authy app"."""

    def __init__(self, client, phone, authy_id):
        self._client = client
        self.phone = phone
        self.authy_id = authy_id
        self.token = None

    def csrf_token(self):
        page = self._client.get(CODE_PAGE).get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return self.token

    def enter(self, code):
        token = self.token or self.csrf_token()
        return self._client.post(CODE_PAGE, data={"csrf_token": token, "code": code})

    def phone_code(self):
        """The code the phone shows now for "test"'s account, as the user reads it."""
        return self.phone.code(self.authy_id)


@pytest.fixture
def authy_id(fake, with_2fa):
    """"test" has 2FA on; the codes' clock stands still."""
    fake.set_clock(CLOCK)
    return with_2fa()


@pytest.fixture
def code_page(client, auth, phone, authy_id):
    """"test" entered the password and waits for the phone: the code page of that login."""
    assert auth.login().headers["Location"] == "/auth/login/push"
    return CodePage(client, phone, authy_id)


def verify_calls(fake):
    return [call for call in fake.calls() if call["path"].startswith("/protected/json/verify/")]


def code_hits(app):
    """The wrong codes counted against "test"'s account (CODE_LIMIT)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(Hit.key == "code:user:1"))


def errors(response):
    return " ".join(response.get_data(as_text=True).split())


def wrong_code(right):
    """A code of the same length that is not the right one."""
    return f"{(int(right) + 1) % 10_000_000:07d}"



def test_waiting_page_offers_the_code(client, code_page):
    page = client.get("/auth/login/push").get_data(as_text=True)
    assert f'<a href="{CODE_PAGE}">No notification? Enter the code from your Authy app</a>' in page


def test_code_page(client, code_page):
    response = client.get(CODE_PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Enter the code from your Authy app</h1>" in page
    # phones offer the code to paste, and a keypad of digits
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert '<a href="/auth/login/push">Back to the request on your phone</a>' in page


def test_code_page_without_a_login(client, auth, fake):
    # nobody has entered a password in this browser: no code is looked at
    assert client.get(CODE_PAGE).headers["Location"] == "/auth/login"
    token = auth.csrf_token()
    response = client.post(CODE_PAGE, data={"csrf_token": token, "code": "1234567"})
    assert response.headers["Location"] == "/auth/login"
    assert verify_calls(fake) == []


def test_right_code_signs_in(client, code_page, app, fake):
    code = code_page.phone_code()
    response = code_page.enter(code)
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    # the waiting login ended, for good, with the code; Authy checked that very code
    [pending] = pending_logins(app)
    assert pending.status == "code"
    assert pending.consumed_at is not None
    assert [call["path"] for call in verify_calls(fake)] == [
        f"/protected/json/verify/{code}/{code_page.authy_id}"
    ]


def test_code_keeps_next_and_remember(client, auth, phone, authy_id, set_cookies):
    # what the password step chose, as with an approval
    auth.login(remember=True, next="/user/test")
    response = CodePage(client, phone, authy_id).enter(phone.code(authy_id))
    assert response.headers["Location"] == "/user/test"
    assert "remember_token" in set_cookies(response)


def test_code_with_spaces(client, code_page):
    # people copy "123 4567" as the app groups it
    code = code_page.phone_code()
    assert code_page.enter(f" {code[:3]} {code[3:]} ").headers["Location"] == "/"
    assert signed_in(client)


def test_code_is_used_once(client, auth, code_page):
    code = code_page.phone_code()
    assert code_page.enter(code).headers["Location"] == "/"
    auth.logout()
    # the same code (the clock has not moved) for the next login: Authy refuses it
    auth.login()
    response = CodePage(client, code_page.phone, code_page.authy_id).enter(code)
    assert response.status_code == 200
    assert WRONG in errors(response)
    assert not signed_in(client)


def test_code_is_bound_to_the_users_phone(client, code_page, with_2fa, phone):
    # somebody else's code, right for their own account, does not open "test"'s login
    other = with_2fa("other")
    response = code_page.enter(phone.code(other))
    assert WRONG in errors(response)
    assert not signed_in(client)


def test_code_is_bound_to_this_login(client, app, code_page, push, fake):
    code_page.csrf_token()
    push.cancel()
    # the login ended: its page's code signs nobody in, and Authy is not asked
    response = code_page.enter(code_page.phone_code())
    assert response.headers["Location"] == "/auth/login"
    assert not signed_in(client)
    assert pending_logins(app)[0].status == "cancelled"
    # nor does it in another browser, which has no login waiting
    other = AuthActions(app.test_client())
    token = other.csrf_token()
    other._client.post(CODE_PAGE, data={"csrf_token": token, "code": code_page.phone_code()})
    assert verify_calls(fake) == []


def test_code_after_the_login_expired(client, app, code_page, fake):
    code_page.csrf_token()
    change_pending_login(app, expires_at=utcnow() - timedelta(seconds=1))
    response = code_page.enter(code_page.phone_code())
    # the waiting login's own clock decides, as for an approval
    assert response.headers["Location"] == "/auth/login"
    assert "Login request expired." in client.get("/auth/login").get_data(as_text=True)
    assert not signed_in(client)
    assert pending_logins(app)[0].status == "expired"
    assert verify_calls(fake) == []


def test_approval_and_code_at_once_sign_in_once(app, client, code_page, phone, security_log):
    # the phone approved, and at the same moment one tab's poll learns it while another tab
    # sends the right code: both are right, and the login ends once
    phone.approve_latest()
    code = code_page.phone_code()
    token = code_page.csrf_token()
    poll_token = PushActions(client).csrf_token()
    browsers = tabs(app, client.get_cookie("session").value, 2)

    def act(number):
        if number == 0:
            answer = browsers[0].post("/auth/login/push/status", headers={"X-CSRFToken": poll_token})
            return answer.get_json()["redirect"]
        answer = browsers[1].post(CODE_PAGE, data={"csrf_token": token, "code": code})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return answer.headers["Location"]

    assert sorted(at_once(2, act)) == ["/", "/auth/login"]
    ended = [e["event"] for e in security_log() if e["event"] in ("push_approved", "push_code")]
    assert len(ended) == 1
    assert pending_logins(app)[0].status == ended[0].removeprefix("push_")


def test_code_after_approval_signs_in_nobody_else(app, client, code_page, phone):
    # the phone's Approve ended the login (in another tab): the code comes too late
    code_page.csrf_token()
    [other_tab] = tabs(app, client.get_cookie("session").value, 1)
    phone.approve_latest()
    assert PushActions(other_tab).poll().get_json() == {"redirect": "/"}
    assert pending_logins(app)[0].status == "approved"
    response = code_page.enter(code_page.phone_code())
    assert response.headers["Location"] == "/auth/login"


def test_code_attempts_per_login(app, client, code_page, fake, phone, push):
    app.config["CODE_ATTEMPTS"] = 3
    right = code_page.phone_code()
    for _ in range(3):
        assert WRONG in errors(code_page.enter(wrong_code(right)))
    # the fourth code, even the right one, is not checked
    response = code_page.enter(right)
    assert response.status_code == 429
    assert NO_MORE in errors(response)
    assert not signed_in(client)
    assert len(verify_calls(fake)) == 3
    # the push still works: the login stays open for the phone
    phone.approve_latest()
    assert push.poll().get_json() == {"redirect": "/"}
    assert signed_in(client)


def test_code_attempts_per_login_at_once(app, client, code_page, fake):
    # six tabs (or a script) at the same moment get no more checks than one page
    app.config["CODE_ATTEMPTS"] = 3
    token = code_page.csrf_token()
    wrong = wrong_code(code_page.phone_code())
    browsers = tabs(app, client.get_cookie("session").value, 6)
    responses = at_once(6, lambda n: browsers[n].post(CODE_PAGE, data={"csrf_token": token, "code": wrong}))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 429, 429, 429]
    assert len(verify_calls(fake)) == 3


def test_wrong_codes_per_account(app, client, auth, code_page, fake, push):
    app.config.update(CODE_ATTEMPTS=3, CODE_LIMIT=4)
    right = code_page.phone_code()
    for _ in range(3):
        code_page.enter(wrong_code(right))
    # a new login of the same account: its own attempts, but the account's count goes on
    code_page.csrf_token()
    push.cancel()
    auth.login()
    page = CodePage(client, code_page.phone, code_page.authy_id)
    assert WRONG in errors(page.enter(wrong_code(right)))
    assert code_hits(app) == 4
    response = page.enter(right)
    assert response.status_code == 429
    assert TOO_MANY in errors(response)
    assert not signed_in(client)
    assert len(verify_calls(fake)) == 4
    # a refused try is not counted: asking more does not make the wait longer
    assert code_hits(app) == 4


def test_right_code_forgets_the_wrong_ones(app, client, code_page):
    app.config["CODE_LIMIT"] = 2
    right = code_page.phone_code()
    code_page.enter(wrong_code(right))
    assert code_hits(app) == 1
    assert code_page.enter(right).headers["Location"] == "/"
    assert code_hits(app) == 0


@pytest.mark.parametrize("mode", ["unavailable", "error", "malformed", "rate_limit", "slow"])
def test_authy_error_never_signs_in(app, client, code_page, fault, mode, security_log):
    code = code_page.phone_code()
    code_page.csrf_token()
    fault(mode)
    response = code_page.enter(code)
    # the page says so, nobody is signed in, the login still waits, the account is not charged
    assert response.status_code == 200
    assert UNREACHABLE in errors(response)
    assert not signed_in(client)
    [pending] = pending_logins(app)
    assert pending.consumed_at is None
    assert code_hits(app) == 0
    assert "authy_error" in [e["event"] for e in security_log()]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"success": True, "message": "Token is valid."}),  # no "token": "is valid"
        (200, {"success": "true", "token": "is invalid"}),
        (401, {"success": False, "error_code": "60001", "message": "Invalid API key"}),
        (200, ["token", "is valid"]),
    ],
)
def test_odd_answer_never_signs_in(app, client, code_page, canned_authy, status, body):
    code_page.csrf_token()
    canned_authy(status, body)
    response = code_page.enter(code_page.phone_code())
    assert response.status_code == 200
    assert UNREACHABLE in errors(response)
    assert not signed_in(client)
    assert pending_logins(app)[0].consumed_at is None


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abc1234", "12345", "12345678901", "１２３４５６７", "١٢٣٤٥٦٧", "123-4567", "1234567\x00"],
)
def test_bad_input_changes_nothing(app, client, code_page, fake, db_rows, typed):
    code_page.csrf_token()
    calls, before = len(fake.calls()), db_rows()
    response = code_page.enter(typed)
    # a clear message; nothing counted, nothing asked, nothing changed
    assert response.status_code == 200
    page = errors(response)
    assert "Type the code your Authy app shows." in page or "digits only" in page
    assert len(fake.calls()) == calls
    assert db_rows() == before
    assert code_hits(app) == 0


def test_2fa_turned_off_meanwhile(app, client, code_page):
    code_page.csrf_token()
    with app.app_context():
        db.session.get(User, 1).authy_id = None
        db.session.commit()
    response = code_page.enter("1234567")
    assert response.headers["Location"] == "/auth/login"
    assert not signed_in(client)
    assert pending_logins(app)[0].status == "failed"


def test_code_sign_in_ends_the_run_of_refusals(app, client, auth, code_page, phone, push):
    # after DENIAL_LIMIT refusals in a row, the phone gets no push for a while; a login
    # with the code is the user's own, like an approval, and the count starts again
    app.config["DENIAL_LIMIT"] = 2
    phone.deny_latest()
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    auth.login()
    assert CodePage(client, phone, code_page.authy_id).enter(code_page.phone_code()).headers["Location"] == "/"
    auth.logout()
    auth.login()
    phone.deny_latest()
    assert PushActions(client).poll().get_json() == {"redirect": "/auth/login"}
    # one refusal since the sign-in: the next login still sends a push
    assert auth.login().headers["Location"] == "/auth/login/push"


def test_events(app, client, code_page, security_log):
    app.config["CODE_ATTEMPTS"] = 2
    right = code_page.phone_code()
    code_page.enter(wrong_code(right))
    code_page.enter(wrong_code(right))
    code_page.enter(right)
    logged = [e for e in security_log() if e["event"] in ("code_fail", "code_throttled")]
    assert [e["event"] for e in logged] == ["code_fail", "code_fail", "code_throttled"]
    assert logged[-1]["reason"] == "login"
    # the codes typed are nowhere in the log
    text = json.dumps(security_log())
    assert right not in text
    assert wrong_code(right) not in text
