from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from app.models import Hit
from app.models import PendingLogin
from app.models import utcnow
from conftest import AuthActions
from conftest import PushActions
from conftest import at_once
from conftest import tabs
from fake_authy.testing import wait_for
from test_push_login import change_pending_login
from test_push_login import pending_logins
from test_push_login import signed_in

WAIT = "more seconds before asking again."
NO_MORE = "No more requests for this login. Log in again if you need another."
STOPPED = "Login stopped. If your phone showed a request you did not expect"


class WaitingPage(PushActions):
    """The waiting page's buttons: Send again and This wasn't me (and Cancel, poll)."""

    def send_again(self):
        token = self.token or self.csrf_token()
        return self._client.post("/auth/login/push/resend", data={"csrf_token": token})

    def report(self):
        token = self.token or self.csrf_token()
        return self._client.post("/auth/login/push/report", data={"csrf_token": token})


@pytest.fixture
def waiting(client, auth, with_2fa, phone):
    """"test" entered the password and waits for the phone; the page's buttons."""
    with_2fa()
    auth.login()
    return WaitingPage(client)


def later(app, seconds=30):
    """As if the last push had gone out `seconds` ago (the cooldown's clock)."""
    change_pending_login(app, sent_at=utcnow() - timedelta(seconds=seconds))


def pushes(fake):
    return [call for call in fake.calls() if call["method"] == "POST"]


def counted_pushes(app):
    """The pushes to "test"'s phone that count against the hourly cap (PUSH_CAP)."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(Hit.key == "push:user:1"))


def test_waiting_page_has_the_buttons(client, waiting):
    page = client.get("/auth/login/push").get_data(as_text=True)
    # both are small forms, sent by POST with a CSRF token
    assert '<form action="/auth/login/push/resend" method="post">' in page
    assert ">Send again</button>" in page
    assert '<form action="/auth/login/push/report" method="post">' in page
    assert ">This wasn't me</button>" in page
    assert "every 30 seconds, 3 times" in " ".join(page.split())


def test_send_again(client, waiting, app, phone, fake):
    first = phone.latest()
    later(app)
    response = waiting.send_again()
    # back to the waiting page, which says so; a second push, with the same code
    assert response.headers["Location"] == "/auth/login/push"
    assert "We sent a new request to your phone." in client.get("/auth/login/push").get_data(as_text=True)
    second = phone.latest()
    assert second["sid"] != first["sid"]
    assert second["fields"]["Code"] == first["fields"]["Code"] == pending_logins(app)[0].code
    assert len(pushes(fake)) == 2
    [pending] = pending_logins(app)
    assert (pending.sends, pending.challenge_sid) == (2, second["sid"])


def test_only_the_newest_request_counts(client, waiting, app, phone):
    first = phone.latest()["sid"]
    later(app)
    waiting.send_again()
    # approving the replaced request signs nobody in
    phone.approve(first)
    assert waiting.poll().get_json() == {"status": "pending"}
    assert not signed_in(client)
    # approving the new one does (at the next poll that asks Authy, a POLL_INTERVAL later)
    phone.approve_latest()
    change_pending_login(app, checked_at=utcnow() - timedelta(seconds=1))
    assert waiting.poll().get_json() == {"redirect": "/"}


def test_send_again_restarts_the_expiry(waiting, app):
    change_pending_login(app, expires_at=utcnow() + timedelta(seconds=10))
    later(app)
    waiting.send_again()
    [pending] = pending_logins(app)
    assert timedelta(seconds=115) < pending.expires_at - utcnow() <= timedelta(seconds=120)


def test_cooldown(client, waiting, app, fake):
    # straight after the first push: refused, and Authy is not asked
    response = waiting.send_again()
    assert response.headers["Location"] == "/auth/login/push"
    assert WAIT in client.get("/auth/login/push").get_data(as_text=True)
    assert len(pushes(fake)) == 1
    # 29 seconds later, still too soon; 30 seconds later, fine
    later(app, 29)
    waiting.send_again()
    assert len(pushes(fake)) == 1
    later(app, 30)
    waiting.send_again()
    assert len(pushes(fake)) == 2


def test_at_most_three_times(client, waiting, app, fake):
    for _ in range(3):
        later(app)
        waiting.send_again()
    assert len(pushes(fake)) == 4
    # a fourth Send again is refused, however long the user waited
    later(app, 3600)
    response = waiting.send_again()
    assert response.headers["Location"] == "/auth/login/push"
    assert NO_MORE in client.get("/auth/login/push").get_data(as_text=True)
    assert len(pushes(fake)) == 4
    assert pending_logins(app)[0].sends == 4


def test_limits_are_settings(waiting, app, fake):
    app.config.update(RESEND_COOLDOWN=0, RESEND_LIMIT=1)
    waiting.send_again()
    waiting.send_again()
    assert len(pushes(fake)) == 2


def test_two_clicks_at_once_send_one_push(app, client, waiting, fake):
    later(app)
    waiting.csrf_token()
    cookie = client.get_cookie("session").value
    browsers = tabs(app, cookie, 2)

    def click(number):
        page = WaitingPage(browsers[number])
        page.token = waiting.token
        page.send_again()

    at_once(len(browsers), click)
    # the database let one of them through, and only the push sent counts against the cap
    assert len(pushes(fake)) == 2
    assert pending_logins(app)[0].sends == 2
    assert counted_pushes(app) == 2


def test_click_that_loses_the_race_is_not_counted(app, waiting, fake, monkeypatch):
    later(app)
    # another click claimed the push after this one passed the limits: this one sends none
    monkeypatch.setattr(PendingLogin, "claim_resend", lambda self, cooldown, limit: False)
    assert waiting.send_again().headers["Location"] == "/auth/login/push"
    assert len(pushes(fake)) == 1
    # so only the login's own push counts against the hourly cap
    assert counted_pushes(app) == 1


def test_poll_while_a_new_request_is_on_its_way(waiting, app):
    # between the click and Authy's answer the login has no request: keep waiting
    change_pending_login(app, challenge_sid="")
    assert waiting.poll().get_json() == {"status": "pending"}



def test_send_again_between_a_polls_look_and_its_check(waiting, app, fake, monkeypatch):
    # A poll has seen the login's request; before it asks Authy, a click on Send again (in
    # another worker) clears the request to send a new one. The poll must not ask Authy
    # about "no request" and end the login as failed: it keeps waiting for the new one.
    claim_check = PendingLogin.claim_check

    def click_on_send_again_first(self, seconds):
        change_pending_login(app, challenge_sid="")
        return claim_check(self, seconds)

    monkeypatch.setattr(PendingLogin, "claim_check", click_on_send_again_first)
    assert waiting.poll().get_json() == {"status": "pending"}
    assert [call for call in fake.calls() if call["method"] == "GET"] == []
    with app.app_context():
        assert db.session.scalars(sa.select(PendingLogin)).one().status == "pending"

def test_send_again_when_authy_fails(client, waiting, app, fault):
    later(app)
    fault("error")
    response = waiting.send_again()
    # the login ends with the plain message; the old request no longer counts either
    assert response.headers["Location"] == "/auth/login"
    assert "We could not reach Twilio Verify." in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "failed"


def test_send_again_that_timed_out_counts(client, waiting, app, fault, phone):
    later(app)
    fault("slow")
    waiting.send_again()
    # the app gave up waiting, and Authy sent the push all the same: it counts against the cap
    wait_for(lambda: len(phone.requests()) == 2)
    assert counted_pushes(app) == 2
    assert pending_logins(app)[0].status == "failed"


def test_send_again_after_expiry(client, waiting, app, fake):
    change_pending_login(app, expires_at=utcnow())
    later(app)
    assert waiting.send_again().headers["Location"] == "/auth/login"
    assert "Login request expired." in client.get("/auth/login").get_data(as_text=True)
    assert len(pushes(fake)) == 1


def test_send_again_without_a_login(client, auth, fake):
    page = WaitingPage(client)
    page.token = auth.csrf_token()
    assert page.send_again().headers["Location"] == "/auth/login"
    assert page.report().headers["Location"] == "/auth/login"
    assert fake.calls() == []


def test_this_wasnt_me(client, waiting, app, phone):
    response = waiting.report()
    # back to the login page, which says what it means; nobody is signed in
    assert response.headers["Location"] == "/auth/login"
    assert STOPPED in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "reported"
    # approving the request afterwards signs nobody in
    phone.approve_latest()
    assert waiting.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)


def test_this_wasnt_me_stops_the_other_logins(app, client, auth, with_2fa, phone):
    with_2fa()
    # someone else, with the password, waits in another browser; then the user logs in
    attacker = app.test_client()
    AuthActions(attacker).login()
    attacker_page = PushActions(attacker)
    attacker_page.csrf_token()
    auth.login()
    # the phone shows two requests, one with another code: the user says so
    WaitingPage(client).report()
    assert sorted(pending.status for pending in pending_logins(app)) == ["cancelled", "reported"]
    # the attacker's request, approved by mistake, signs nobody in
    phone.approve(phone.requests()[1]["sid"])
    assert attacker_page.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(attacker)


def test_buttons_need_post_and_csrf_token(client, waiting, db_rows, fake):
    before, calls = db_rows(), fake.calls()
    for url in ("/auth/login/push/resend", "/auth/login/push/report"):
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 400
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert db_rows() == before
    assert fake.calls() == calls
