import json
import logging
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import sqlalchemy as sa

from app import create_app
from app import db
from app import events
from app.models import PendingLogin
from app.models import User
from conftest import PASSWORD
from test_fresh_login import minutes_ago


def names(security_log):
    return [entry["event"] for entry in security_log()]


def test_each_event_is_a_json_line(client, auth, security_log):
    auth.login()
    [entry] = security_log()
    # what happened, when, from where, to whom
    assert entry["event"] == "password_ok"
    assert entry["time"].endswith("+00:00")
    assert entry["ip"] == "127.0.0.1"
    assert (entry["user_id"], entry["username"]) == (1, "test")


def test_password_events(client, auth, security_log):
    auth.login("test", "wrong password")
    auth.login("nobody", "wrong password")
    auth.login()
    failed_known, failed_unknown, ok = security_log()
    assert (failed_known["event"], failed_known["known"], failed_known["username"]) == (
        "password_fail", True, "test")
    # an unknown username is not written: it may be a password typed in the wrong field
    assert failed_unknown["event"] == "password_fail"
    assert failed_unknown["known"] is False
    assert "username" not in failed_unknown
    assert ok["event"] == "password_ok"


def test_throttled(app, auth, security_log):
    app.config["PASSWORD_FREE_FAILURES"] = 1
    auth.login("test", "wrong")
    auth.login()
    assert names(security_log)[-1] == "password_throttled"


def test_push_events(client, auth, with_2fa, phone, push, security_log, app):
    with_2fa()
    auth.login()
    code = security_log()[-1]["code"]
    phone.deny_latest()
    push.poll()
    auth.login()
    push.token = None
    phone.approve_latest()
    push.poll()
    assert names(security_log) == [
        "password_ok", "push_sent", "push_denied", "password_ok", "push_sent", "push_approved"]
    # the code of the attempt lets the log be matched with what the user saw
    assert security_log()[2]["code"] == code


def test_expired_and_reported(client, auth, with_2fa, push, security_log, app):
    with_2fa()
    auth.login()
    with app.app_context():
        db.session.execute(sa.update(PendingLogin).values(expires_at=PendingLogin.created_at))
        db.session.commit()
    push.poll()
    auth.login()
    client.post("/auth/login/push/report", data={"csrf_token": auth.csrf_token("/auth/login/push")})
    assert [n for n in names(security_log) if n.startswith("push_")] == [
        "push_sent", "push_expired", "push_sent", "push_reported"]


def test_push_refused(app, auth, with_2fa, security_log):
    with_2fa()
    app.config["PUSH_CAP"] = 0
    auth.login()
    entry = security_log()[-1]
    assert (entry["event"], entry["reason"]) == ("push_refused", "cap")


def test_verify_error(auth, with_2fa, fault, security_log):
    with_2fa()
    fault("error")
    auth.login()
    entry = security_log()[-1]
    assert entry["event"] == "verify_error"
    assert entry["reason"].startswith("HTTP 500")


def test_enable_disable_logout(client, auth, twofa, security_log):
    auth.login()
    factor_sid = twofa.enable()
    client.post("/2fa/disable", data={"csrf_token": auth.csrf_token("/2fa/disable")})
    auth.logout()
    assert names(security_log)[1:] == ["2fa_enabled", "2fa_disabled", "logout"]
    assert security_log()[1]["factor_sid"] == factor_sid


def test_confirm_password(client, auth, security_log):
    auth.login()
    minutes_ago(client, 11)
    token = auth.csrf_token("/auth/confirm")
    client.post("/auth/confirm", data={"csrf_token": token, "password": "wrong"})
    client.post("/auth/confirm", data={"csrf_token": token, "password": PASSWORD})
    assert [(e["event"], e.get("step")) for e in security_log()[1:]] == [
        ("password_fail", "confirm"), ("password_ok", "confirm")]


def test_no_secrets(app, client, auth, twofa, phone, push, fake, security_log, caplog):
    caplog.set_level(logging.DEBUG)
    # a whole story: a wrong password, 2FA on, a login with the phone, a failed Verify call
    auth.login("correct horse battery staple!", "a password typed as a username")
    auth.login()
    twofa.press_enable()
    token = parse_qs(urlsplit(twofa.link()).query)["token"][0]
    twofa.enable()
    csrf = auth.csrf_token("/")
    auth.logout()
    auth.login()
    push.csrf_token()
    session_cookie = client.get_cookie("session").value
    phone.approve_latest()
    push.poll()
    with app.app_context():
        pending = db.session.scalar(sa.select(PendingLogin))
        session_token = db.session.scalar(sa.select(User.session_token).where(User.id == 1))
    secrets = {
        "the auth token": fake.auth_token,
        "an access token": token,
        "the password": PASSWORD,
        "text typed as a username": "correct horse battery staple!",
        "a session token": session_token,
        "a pending login's id": pending.id,
        "a CSRF token": csrf,
        "the session cookie": session_cookie,
    }
    assert len(security_log()) > 5
    for what, secret in secrets.items():
        assert secret not in caplog.text, what
    # nor, in the security log, the sid of the challenge at Verify
    assert pending.challenge_sid not in json.dumps(security_log())


def test_one_handler_however_many_apps(app):
    # every test makes an app; the logger writes each event once all the same
    create_app(type("Again", (), dict(app.config)))
    handlers = [h for h in events.log.handlers if getattr(h, "security_events", False)]
    assert len(handlers) == 1
    assert handlers[0].formatter._fmt == "%(message)s"
