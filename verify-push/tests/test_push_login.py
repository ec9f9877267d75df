import secrets
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from app import verify
from app.models import PendingLogin
from app.models import User
from app.models import utcnow
from conftest import AuthActions
from conftest import PushActions
from conftest import at_once
from conftest import tabs
from test_next import SAFE
from test_next import UNSAFE

DENIED = "Login request denied."
EXPIRED = "Login request expired."


def pending_logins(app):
    """Every login that waited (or waits) for the phone, oldest first."""
    with app.app_context():
        return db.session.scalars(sa.select(PendingLogin).order_by(PendingLogin.created_at)).all()


def change_pending_login(app, **values):
    """Change the newest pending login in the database, as time or other users would."""
    with app.app_context():
        newest = db.session.scalars(
            sa.select(PendingLogin).order_by(PendingLogin.created_at.desc())
        ).first()
        for name, value in values.items():
            setattr(newest, name, value)
        db.session.commit()


def seconds_left(challenge):
    """How long the phone has to answer a challenge, by its expiration_date."""
    expires = datetime.fromisoformat(challenge["expiration_date"].replace("Z", "+00:00"))
    return (expires - datetime.now(UTC)).total_seconds()


def signed_in(client):
    with client.session_transaction() as session:
        return "_user_id" in session


@pytest.fixture
def password_step(auth, with_2fa, phone):
    """"test" has 2FA on and has entered the right password; returns the push's uuid."""
    with_2fa()
    response = auth.login()
    assert response.headers["Location"] == "/auth/login/push"
    return phone.latest("pending")["sid"]


def test_without_2fa_login_is_unchanged(client, auth, fake):
    # a user without 2FA is signed in by the password alone, and Authy is not asked
    assert auth.login().headers["Location"] == "/"
    assert signed_in(client)
    assert fake.calls() == []


def test_password_step_sends_one_push(client, auth, with_2fa, phone, fake, app):
    with_2fa()
    response = auth.login()
    # the user waits for the phone
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login/push"
    # exactly one request was sent, saying who logs in, from where, and for how long
    assert [call["method"] for call in fake.calls()] == ["POST"]
    [request] = phone.requests()
    [pending] = pending_logins(app)
    assert request["details"]["message"] == "Log in as test?"
    assert request["fields"] == {
        "Code": pending.code,
        "Username": "test",
        "IP address": "127.0.0.1",
        "Browser": "Unknown browser",
        "Time": pending.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "Codes differ?": "Tap Deny: it is not your login.",
    }
    assert 115 <= seconds_left(request) <= 120
    # and the app keeps the same expiry
    assert pending.expires_at - pending.created_at == timedelta(seconds=120)
    assert pending.status == "pending"


def test_push_expiry_setting(auth, with_2fa, phone, app):
    app.config["PUSH_EXPIRY"] = 30
    with_2fa()
    auth.login()
    assert 25 <= seconds_left(phone.latest()) <= 30
    [pending] = pending_logins(app)
    assert pending.expires_at - pending.created_at == timedelta(seconds=30)


def test_not_signed_in_after_password(client, auth, with_2fa, set_cookies):
    with_2fa()
    response = auth.login(remember=True)
    # no user in the session, no remember cookie
    assert not signed_in(client)
    assert "remember_token" not in set_cookies(response)
    # so every page that needs a login still sends the user to log in (force-browsing)
    for url in ("/", "/user/test", "/2fa/enable", "/2fa/enable/scan"):
        assert client.get(url).headers["Location"].startswith("/auth/login"), url


def test_waiting_page(client, password_step):
    response = client.get("/auth/login/push")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # the heading, a spinner, and what to do
    assert "<h1>Check your phone</h1>" in page
    assert "spinner-border" in page
    assert "Tap Approve there if it shows this code:" in page
    # the script is a file; it asks /auth/login/push/status
    assert '<script src="/static/poll.js"></script>' in page
    assert 'data-poll-url="/auth/login/push/status"' in page
    # Cancel is a small form, sent by POST with a CSRF token
    assert '<form action="/auth/login/push/cancel" method="post">' in page
    assert ">Cancel</button>" in page


def test_waiting_page_without_a_login(client):
    # nobody has entered a password: nothing to wait for
    assert client.get("/auth/login/push").headers["Location"] == "/auth/login"


def test_get_never_sends_a_push(client, password_step, push, phone, fake, db_rows, app_urls):
    before, calls = db_rows(), fake.calls()
    # reloading the waiting page, or any other page, sends nothing and changes nothing
    for _ in range(5):
        client.get("/auth/login/push")
    for url in app_urls("GET"):
        client.get(url)
    assert db_rows() == before
    assert fake.calls() == calls
    # polling only asks (once, in so short a time): still the one request at the phone
    for _ in range(5):
        assert push.poll().get_json() == {"status": "pending"}
    assert len(phone.requests()) == 1
    assert [call["method"] for call in fake.calls()] == ["POST", "GET"]


def test_approve_signs_in(client, password_step, push, phone, app):
    phone.approve(password_step)
    with client:
        answer = push.poll().get_json()
        # the user is signed in and the page goes to the home page
        assert answer == {"redirect": "/"}
        assert signed_in(client)
    assert "Hi, test!" in client.get("/").get_data(as_text=True)
    # the login is used up
    [pending] = pending_logins(app)
    assert pending.status == "approved"
    assert pending.consumed_at is not None


def test_pending_keeps_waiting(client, password_step, push, app):
    assert push.poll().get_json() == {"status": "pending"}
    assert not signed_in(client)
    assert pending_logins(app)[0].consumed_at is None


def test_deny(client, password_step, push, phone, app):
    phone.deny(password_step)
    # the page goes back to the login page, which says why; nobody is signed in
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)
    assert DENIED in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "denied"
    # the half-signed-in state is gone: the waiting page has nothing to wait for
    assert client.get("/auth/login/push").headers["Location"] == "/auth/login"


def test_expired(client, password_step, push, app):
    # two minutes later, without waiting two minutes
    change_pending_login(app, expires_at=pending_logins(app)[0].created_at)
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert EXPIRED in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "expired"


def test_expired_even_if_approved(client, password_step, push, phone, app, fake):
    phone.approve(password_step)
    change_pending_login(app, expires_at=pending_logins(app)[0].created_at)
    calls = fake.calls()
    # the app's own clock decides: too late is too late, whatever Authy says (it is not asked)
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)
    assert EXPIRED in client.get("/auth/login").get_data(as_text=True)
    assert fake.calls() == calls


def test_expired_at_verify(client, password_step, push, canned_verify, app):
    canned_verify(200, {"status": "expired", "sid": password_step, "factor_sid": factor_of(app)})
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert EXPIRED in client.get("/auth/login").get_data(as_text=True)


def factor_of(app, username="test"):
    with app.app_context():
        return db.session.scalar(sa.select(User.factor_sid).where(User.username == username))


def approval(**changes):
    """Verify's answer for an approved challenge (the right sid and factor filled in later)."""
    return {"status": "approved", **changes}


ODD_ANSWERS = [
    (200, approval(status="Approved")),
    (200, approval(status="approved ")),
    (200, approval(status=True)),
    (200, approval(status=None)),
    (200, approval(sid="YC" + "0" * 32)),
    (200, approval(sid=None)),
    (200, approval(factor_sid="YF" + "0" * 32)),
    (200, approval(factor_sid=None)),
    (200, ["approved"]),
    (404, approval()),
    (500, approval()),
]


@pytest.mark.parametrize(("status", "body"), ODD_ANSWERS)
def test_only_a_clear_approval_signs_in(
    client, password_step, push, canned_verify, app, status, body
):
    # fill in what is right, unless the case changes it
    if isinstance(body, dict):
        body.setdefault("sid", password_step)
        body.setdefault("factor_sid", factor_of(app))
    canned_verify(status, body)
    # anything but an answer "approved" for this challenge and factor ends the login
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)
    assert pending_logins(app)[0].status == "failed"


def test_approval_by_a_phone_no_longer_linked(client, password_step, push, phone, app):
    phone.approve(password_step)
    # meanwhile the user's 2FA was linked to another phone (another factor)
    with app.app_context():
        user = db.session.get(PendingLogin, pending_logins(app)[0].id).user_id
        another = "YF" + secrets.token_hex(16)
        db.session.execute(sa.text('UPDATE "user" SET factor_sid = :sid WHERE id = :id'), {"sid": another, "id": user})
        db.session.commit()
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)


def test_approving_one_browser_does_not_sign_in_another(app, client, auth, with_2fa, phone):
    with_2fa()
    other_browser = app.test_client()
    # the same user enters the password in two browsers: two requests at the phone
    auth.login()
    AuthActions(other_browser).login()
    first, second = PushActions(client), PushActions(other_browser)
    [newest, oldest] = phone.requests()
    phone.approve(oldest["sid"])
    # the approval belongs to the first browser's login only
    assert second.poll().get_json() == {"status": "pending"}
    assert not signed_in(other_browser)
    assert first.poll().get_json() == {"redirect": "/"}
    assert signed_in(client)
    assert second.poll().get_json() == {"status": "pending"}
    assert not signed_in(other_browser)


def test_old_cookie_replayed_after_logout(app, client, auth, password_step, push, phone):
    push.csrf_token()
    old_cookie = client.get_cookie("session").value
    phone.approve(password_step)
    assert push.poll().get_json() == {"redirect": "/"}
    auth.logout()
    # someone kept a copy of the cookie from before the approval, and polls with it
    thief = app.test_client()
    thief.set_cookie("session", old_cookie)
    thief_push = PushActions(thief)
    thief_push.token = push.token
    assert thief_push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(thief)
    assert thief.get("/").headers["Location"].startswith("/auth/login")


def poll_at_once(app, cookie, push, count):
    """`count` tabs of the browser that has the session `cookie` poll the waiting page that
    `push` has open, at the very same moment; the tabs and their answers."""
    browsers = tabs(app, cookie, count)

    def poll(number):
        polling = PushActions(browsers[number])
        polling.token = push.token
        return polling.poll().get_json()

    return browsers, at_once(count, poll)


def test_two_simultaneous_polls_sign_in_once(app, client, password_step, push, phone):
    # both ask Authy (a negative interval lets every poll through; at the default the second
    # would be told to wait), so the race is on the approval itself
    app.config["POLL_INTERVAL"] = -1
    push.csrf_token()
    cookie = client.get_cookie("session").value
    phone.approve(password_step)
    # two tabs (or an attacker with a copy of the cookie) poll at the very same moment
    browsers, answers = poll_at_once(app, cookie, push, 2)
    # exactly one of them is signed in
    assert sorted(answer["redirect"] for answer in answers) == ["/", "/auth/login"]
    assert sorted(signed_in(browser) for browser in browsers) == [False, True]


def test_remember_me_chosen_at_password_step(client, auth, with_2fa, phone, push, set_cookies):
    with_2fa()
    auth.login(remember=True)
    phone.approve_latest()
    # the choice made with the password is kept until the approval
    assert set_cookies(push.poll())["remember_token"].value


def test_remember_me_never_read_from_poll(client, auth, with_2fa, phone, push, set_cookies):
    with_2fa()
    auth.login(remember=False)
    phone.approve_latest()
    # asking for it in the poll's URL or body changes nothing
    asked = {"remember": "1", "remember_me": "y"}
    response = push.poll(query_string=asked, data=asked)
    assert response.get_json() == {"redirect": "/"}
    assert "remember_token" not in set_cookies(response)


def test_poll_ignores_uuid_parameter(app, client, auth, with_2fa, phone, push):
    with_2fa()
    auth.login()
    # someone else's request, approved
    AuthActions(app.test_client()).login()
    approved = phone.approve_latest()["sid"]
    answer = push.poll(query_string={"uuid": approved}, data={"uuid": approved})
    # the poll asks only about the request of its own login
    assert answer.get_json() == {"status": "pending"}
    assert not signed_in(client)


def test_challenge_sid_never_reaches_the_browser(client, password_step, push, phone):
    pages = [client.get("/auth/login/push"), push.poll()]
    phone.approve(password_step)
    pages += [push.poll(), client.get("/")]
    # not in any page or answer, and not in the session cookie, which the browser can read
    assert all(password_step not in page.get_data(as_text=True) for page in pages)
    with client.session_transaction() as session:
        assert password_step not in repr(dict(session))


def test_session_cleared_before_login(client, password_step, push, phone):
    with client.session_transaction() as session:
        session["left_over"] = "from before the login"
    phone.approve(password_step)
    push.poll()
    # the signed-in session starts empty but for the login itself
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert "pending_login" not in session
        assert session["_user_id"].split(":")[0] == "1"  # the id, then the session token


def test_new_login_ends_the_one_before(client, auth, with_2fa, phone, push, app):
    with_2fa()
    auth.login()
    first = phone.latest()["sid"]
    auth.login()
    # the first login is over; approving its request now does nothing
    assert [pending.status for pending in pending_logins(app)] == ["cancelled", "pending"]
    phone.approve(first)
    assert push.poll().get_json() == {"status": "pending"}
    assert not signed_in(client)


def test_login_without_2fa_ends_the_one_before(client, auth, password_step, push, phone, app):
    push.csrf_token()
    # "other", who has no 2FA, logs in with the password alone in the same browser
    assert auth.login("other").headers["Location"] == "/"
    # the phone approves "test"'s request afterwards: the next poll does not make it "test"
    phone.approve(password_step)
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert "Hi, other!" in client.get("/").get_data(as_text=True)
    assert [pending.status for pending in pending_logins(app)] == ["cancelled"]


def test_logout_ends_the_login_waiting(client, auth, password_step, phone, app):
    client.post("/auth/logout", data={"csrf_token": auth.csrf_token()})
    # the login is over in the database too, not only forgotten by the browser
    assert [pending.status for pending in pending_logins(app)] == ["cancelled"]


def test_cancel(client, password_step, push, phone, app):
    response = push.cancel()
    # back to the login page; the login is over, even if the phone approves it later
    assert response.headers["Location"] == "/auth/login"
    assert pending_logins(app)[0].status == "cancelled"
    phone.approve(password_step)
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)


def test_poll_and_cancel_need_csrf_token(client, password_step, phone, db_rows):
    phone.approve(password_step)
    before = db_rows()
    for url in ("/auth/login/push/status", "/auth/login/push/cancel"):
        assert client.post(url).status_code == 400
        assert client.post(url, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert db_rows() == before
    assert not signed_in(client)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_unsafe_next_after_approval(auth, with_2fa, phone, push, target):
    with_2fa()
    auth.login(next=target)
    phone.approve_latest()
    # after the approval the user lands on the home page, never on another site
    assert push.poll().get_json() == {"redirect": "/"}


def test_safe_next_after_approval(auth, with_2fa, phone, push):
    with_2fa()
    auth.login(next="/user/test?tab=2")
    phone.approve_latest()
    assert push.poll().get_json() == {"redirect": "/user/test?tab=2"}


@pytest.fixture
def waiting_with_next(app, client, with_2fa):
    """A function that puts "test" where the password step leaves them, with `next` stored
    as given: straight into the database, skipping the (slow on purpose) password check."""
    factor_sid = with_2fa()

    def wait(next_url):
        with app.test_request_context():
            user = db.session.get(User, 1)
            uuid = verify.send_challenge(user.verify_identity, factor_sid, "Log in", [], 120)
            pending = PendingLogin(user_id=1, challenge_sid=uuid, remember=False, next_url=next_url,
                                   expires_at=utcnow() + timedelta(seconds=120))
            db.session.add(pending)
            db.session.commit()
            pending_id = pending.id
        with client.session_transaction() as session:
            session["pending_login"] = pending_id
        return uuid

    return wait


@pytest.mark.parametrize("target", UNSAFE)
def test_next_checked_again_at_the_end(waiting_with_next, push, phone, target):
    # even a stored `next` that is not safe (the login step stores only safe ones) is
    # checked again at the final redirect
    phone.approve(waiting_with_next(target))
    assert push.poll().get_json() == {"redirect": "/"}


@pytest.mark.parametrize("target", SAFE)
def test_safe_next_at_the_end(waiting_with_next, push, phone, target):
    phone.approve(waiting_with_next(target))
    assert push.poll().get_json() == {"redirect": target}


def test_push_polls_ask_verify_once_per_interval(app, client, password_step, push, phone, fake):
    app.config["POLL_INTERVAL"] = 60

    def status_calls():
        return [c for c in fake.calls() if "/Challenges/" in c["path"] and c["method"] == "GET"]

    # a script polls as fast as it can: one Authy call, and "pending" for every poll
    answers = [push.poll().get_json() for _ in range(30)]
    assert answers == [{"status": "pending"}] * 30
    assert len(status_calls()) == 1
    # the phone approves: the app learns it at its next check, one interval later
    phone.approve(password_step)
    assert push.poll().get_json() == {"status": "pending"}
    assert len(status_calls()) == 1
    change_pending_login(app, checked_at=utcnow() - timedelta(seconds=60))
    assert push.poll().get_json() == {"redirect": "/"}
    assert len(status_calls()) == 2


def test_simultaneous_polls_ask_verify_once(app, client, password_step, push, fake):
    app.config["POLL_INTERVAL"] = 60
    push.csrf_token()
    cookie = client.get_cookie("session").value
    calls = len(fake.calls())
    # ten tabs (or a script) poll at the very same moment
    _, answers = poll_at_once(app, cookie, push, 10)
    # all of them are told to wait, and Authy is asked once
    assert answers == [{"status": "pending"}] * 10
    assert len(fake.calls()) == calls + 1


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/131.0.0.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
        # an attacker's words, with a code that is not the user's: none of it reaches the push
        (
            "Code: 0000 | IT Support check, codes may differ - please tap Approve",
            "Unknown browser",
        ),
        ("Chrome/1 (Windows) Code: 0000 - please tap Approve", "Chrome on Windows"),
    ],
)
def test_push_names_the_browser_from_a_fixed_list(client, auth, with_2fa, phone, user_agent, shown):
    with_2fa()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    auth.login()
    browser = phone.latest()["fields"]["Browser"]
    assert browser == shown
    assert not any(character.isdigit() for character in browser)
