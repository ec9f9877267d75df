from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from app import throttle
from app.models import Hit
from app.models import PendingLogin
from app.models import utcnow
from conftest import PASSWORD
from conftest import AuthActions
from conftest import at_once
from fake_authy.testing import wait_for
from test_push_login import change_pending_login
from test_push_login import pending_logins
from test_push_login import signed_in
from test_send_again import WaitingPage

CAPPED = "Too many login requests for this account. Please try again later."
PAUSED = "Your last login requests were denied or not answered."


def pushes(fake):
    return len([c for c in fake.calls() if c["method"] == "POST" and c["path"].endswith("/Challenges")])


def earlier(app, model, seconds, *columns):
    """Move the given columns of every row of `model` back in time (as time passing would)."""
    with app.app_context():
        for row in db.session.scalars(sa.select(model)):
            for column in columns:
                if getattr(row, column) is not None:
                    setattr(row, column, getattr(row, column) - timedelta(seconds=seconds))
        db.session.commit()


def an_hour_later(app):
    earlier(app, Hit, 3600, "at")


def test_allow_counts_up_to_the_limit(app):
    with app.app_context():
        assert [throttle.allow("k", 3, 60) for _ in range(5)] == [True] * 3 + [False] * 2
        # what was refused was not counted; other keys are counted apart
        assert db.session.scalar(sa.select(sa.func.count()).where(Hit.key == "k")) == 3
        assert throttle.allow("other", 3, 60)


def test_allow_forgets_what_is_older_than_the_window(app):
    with app.app_context():
        for _ in range(3):
            throttle.allow("k", 3, 60)
    earlier(app, Hit, 61, "at")
    with app.app_context():
        assert throttle.allow("k", 3, 60)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hit)) == 1


def test_allow_at_once_lets_exactly_the_limit_through(app):
    with app.app_context():
        for _ in range(9):
            throttle.allow("k", 10, 60)

    def ask(number):
        with app.app_context():
            return throttle.allow("k", 10, 60)

    answers = at_once(4, ask)
    # four requests for the last place: one gets it
    assert sorted(answers) == [False, False, False, True]


@pytest.fixture
def twofa_user(with_2fa):
    with_2fa()


def test_push_cap(client, auth, twofa_user, fake, app):
    # ten logins in an hour, each with its push
    for _ in range(10):
        assert auth.login().headers["Location"] == "/auth/login/push"
    assert pushes(fake) == 10
    # the eleventh is refused, after the right password: no push, nobody signed in
    response = auth.login(next="/user/test")
    assert response.headers["Location"] == "/auth/login?next=/user/test"
    assert CAPPED in client.get("/auth/login").get_data(as_text=True)
    assert pushes(fake) == 10
    assert not signed_in(client)
    # an hour later, the phone may be asked again
    an_hour_later(app)
    assert auth.login().headers["Location"] == "/auth/login/push"


def test_logins_at_once_send_at_most_the_cap(app, twofa_user, fake):
    # five browsers type the right password at the same moment, with two pushes left (five:
    # attempts still under way count as failures, and the sixth would have to wait)
    app.config["PUSH_CAP"] = 2
    browsers = [AuthActions(app.test_client()) for _ in range(5)]
    tokens = [browser.csrf_token() for browser in browsers]

    def log_in(number):
        browser = browsers[number]._client
        data = {"csrf_token": tokens[number], "username": "test", "password": PASSWORD}
        return browser.post("/auth/login", data=data).headers.get("Location")

    answers = at_once(len(browsers), log_in)
    # two get their push and wait for the phone; the others are refused, on either database
    assert sorted(answers) == ["/auth/login", "/auth/login", "/auth/login", "/auth/login/push", "/auth/login/push"]
    assert pushes(fake) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Hit.key.like("push:%"))) == 2


def test_send_again_counts(client, auth, twofa_user, fake, app):
    app.config.update(PUSH_CAP=2, RESEND_COOLDOWN=0)
    auth.login()
    page = WaitingPage(client)
    page.send_again()
    assert pushes(fake) == 2
    page.send_again()
    assert CAPPED in client.get("/auth/login/push").get_data(as_text=True)
    assert pushes(fake) == 2
    # the login goes on with its newest request
    assert pending_logins(app)[0].consumed_at is None


def test_cap_is_per_account(client, app, auth, with_2fa, fake):
    with_2fa("test")
    with_2fa("other")
    app.config["PUSH_CAP"] = 1
    auth.login()
    assert CAPPED in client.get(auth.login().headers["Location"]).get_data(as_text=True)
    # another account's phone is not affected
    assert AuthActions(app.test_client()).login("other").headers["Location"] == "/auth/login/push"


def test_a_push_authy_did_not_send_does_not_count(client, auth, twofa_user, fault, app):
    app.config["PUSH_CAP"] = 1
    fault("error")
    auth.login()
    fault("none")
    assert auth.login().headers["Location"] == "/auth/login/push"


def test_a_push_that_timed_out_counts(client, auth, twofa_user, fault, phone, fake, app):
    app.config["PUSH_CAP"] = 2
    fault("slow")
    # the app gives up waiting for Authy, which sends each push all the same: they count
    for _ in range(3):
        auth.login()
    wait_for(lambda: len(phone.requests()) == 2)
    fault("none")
    assert CAPPED in client.get(auth.login().headers["Location"]).get_data(as_text=True)
    assert len(phone.requests()) == 2
    assert pushes(fake) == 2


def test_a_push_answered_unreadably_counts(client, auth, twofa_user, fault, app):
    app.config["PUSH_CAP"] = 1
    # a 200 that is not JSON: Authy may well have sent the push
    fault("malformed")
    auth.login()
    fault("none")
    assert CAPPED in client.get(auth.login().headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("mode", ["error", "unavailable", "rate_limit"])
def test_a_push_authy_refused_does_not_count(client, auth, twofa_user, fault, app, mode):
    app.config["PUSH_CAP"] = 1
    # an error answer: Authy did not send the push
    fault(mode)
    auth.login()
    fault("none")
    assert auth.login().headers["Location"] == "/auth/login/push"


def refuse(app, client, push, phone, how):
    """End the newest login as the phone's owner (or the clock) would: deny, report, expire."""
    if how == "deny":
        phone.deny_latest()
        push.poll()
    elif how == "report":
        WaitingPage(client).report()
    else:
        change_pending_login(app, expires_at=utcnow())


@pytest.mark.parametrize("how", ["deny", "report", "expire"])
def test_cooldown_after_two_refusals(client, auth, twofa_user, phone, push, fake, app, how):
    for _ in range(2):
        auth.login()
        push.token = None
        refuse(app, client, push, phone, how)
    # the third login is refused after the password: no push
    response = auth.login()
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert PAUSED in page
    assert "paused for 15 minutes" in page
    assert pushes(fake) == 2
    # fifteen minutes after the last refusal, the phone may be asked again
    earlier(app, PendingLogin, 15 * 60, "consumed_at", "expires_at")
    assert auth.login().headers["Location"] == "/auth/login/push"


def test_an_approval_resets_the_count(client, auth, twofa_user, phone, push, app):
    for outcome in ("deny", "approve", "deny"):
        auth.login()
        push.token = None
        if outcome == "approve":
            phone.approve_latest()
            push.poll()
            auth.logout()
        else:
            refuse(app, client, push, phone, "deny")
    # one refusal since the last approval: not yet a pause
    assert auth.login().headers["Location"] == "/auth/login/push"


def test_the_cooldown_comes_before_the_cap(client, auth, twofa_user, app, fake):
    # with the default settings: logins whose every push goes unanswered, each pressing
    # Send again as often as it may, are paused by the cooldown before the hourly cap
    page = WaitingPage(client)
    while auth.login().headers["Location"] == "/auth/login/push":
        for _ in range(app.config["RESEND_LIMIT"]):
            change_pending_login(app, sent_at=utcnow() - timedelta(seconds=30))
            page.token = None
            page.send_again()
        change_pending_login(app, expires_at=utcnow())
    assert PAUSED in client.get("/auth/login").get_data(as_text=True)
    assert pushes(fake) == 8 < app.config["PUSH_CAP"]


def test_cancelled_logins_do_not_count(client, auth, twofa_user, push):
    for _ in range(4):
        auth.login()
        push.token = None
        push.cancel()
    assert auth.login().headers["Location"] == "/auth/login/push"


def cancel(client, push):
    """The waiting page's Cancel button."""
    push.token = None
    return push.cancel()


@pytest.mark.parametrize("cancelled", [True, False])
def test_a_denial_counts_however_the_login_ends(client, auth, twofa_user, phone, push, fake, app, cancelled):
    # eight times: a login, the phone denies, and before any poll the browser presses
    # Cancel, or logs in again (which ends the login before)
    for _ in range(8):
        if auth.login().headers["Location"] != "/auth/login/push":
            break
        phone.deny_latest()
        if cancelled:
            cancel(client, push)
    # the denials counted: the phone was asked only until the cooldown began
    assert PAUSED in client.get("/auth/login").get_data(as_text=True)
    assert pushes(fake) == app.config["DENIAL_LIMIT"]
    assert {pending.status for pending in pending_logins(app)} == {"denied"}


def test_a_denial_counts_when_sent_again(client, auth, twofa_user, phone, app, fake):
    auth.login()
    phone.deny_latest()
    change_pending_login(app, sent_at=utcnow() - timedelta(seconds=30))
    # Send again after the phone said no: no new push; the login ends, denied
    assert WaitingPage(client).send_again().headers["Location"] == "/auth/login"
    assert "Login request denied." in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "denied"
    assert pushes(fake) == 1


def test_an_unanswered_login_ended_by_the_browser_is_cancelled(client, auth, twofa_user, push, app, fake):
    auth.login()
    cancel(client, push)
    # the phone was asked once what it said (nothing yet): a cancelled login, not counted
    assert pending_logins(app)[0].status == "cancelled"
    assert [call["method"] for call in fake.calls()] == ["POST", "GET"]


def test_cancel_works_when_authy_fails(client, auth, twofa_user, phone, push, fault, app):
    auth.login()
    phone.deny_latest()
    fault("error")
    # the phone's answer cannot be learned: the login ends all the same, as cancelled
    assert cancel(client, push).headers["Location"] == "/auth/login"
    assert pending_logins(app)[0].status == "cancelled"


def test_unanswered_logins_count_as_expired(client, app, with_2fa, fake):
    with_2fa()
    # someone with the password starts logins in fresh browsers and never waits for them;
    # nobody answers, and no page is left to notice that they expired
    for _ in range(3):
        AuthActions(app.test_client()).login()
    earlier(app, PendingLogin, 120, "expires_at")
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    assert PAUSED in other_browser.get("/auth/login").get_data(as_text=True)
    assert pushes(fake) == 3


def test_limits_are_settings(client, auth, twofa_user, phone, push, app):
    app.config.update(DENIAL_LIMIT=1, DENIAL_COOLDOWN=60)
    auth.login()
    refuse(app, client, push, phone, "deny")
    auth.login()
    assert "paused for 1 minute." in client.get("/auth/login").get_data(as_text=True)
