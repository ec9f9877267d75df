"""Recovery codes (app/recovery.py): ten one-time codes made when asked for, kept only as
hashes, that sign the user in after the password when the phone is lost."""

import hashlib
import json
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from app import db
from app import recovery
from app.auth import recovery_login
from app.models import PendingLogin
from app.models import RecoveryCode
from app.models import User
from conftest import at_once
from conftest import tabs
from test_fresh_login import minutes_ago

CODE = re.compile(r"\b[0-9a-z]{4}(?:-[0-9a-z]{4}){5}\b")



class Recovery:
    """What the user does with recovery codes, through the pages."""

    def __init__(self, client, auth):
        self._client, self._auth = client, auth

    def create(self):
        """Press the profile's button; the codes the answer shows, and the answer."""
        token = self._auth.csrf_token("/user/test")
        response = self._client.post("/2fa/recovery-codes", data={"csrf_token": token})
        page = response.get_data(as_text=True)
        list_ = page.split('data-testid="recovery-code-list"', 1)
        return (CODE.findall(list_[1].split("</ol>", 1)[0]) if len(list_) == 2 else []), response

    def sign_in(self, code):
        """On the waiting page: Lost your phone?, then the code."""
        token = self._auth.csrf_token("/auth/login/recovery")
        data = {"csrf_token": token, "code": code}
        return self._client.post("/auth/login/recovery", data=data)


@pytest.fixture
def codes(client, auth, with_2fa):
    """The user "test" with 2FA on and ten recovery codes; signed out again."""
    auth.login()
    with_2fa()
    made, _ = Recovery(client, auth).create()
    auth.logout()
    return made


@pytest.fixture
def rec(client, auth):
    return Recovery(client, auth)


def stored(app, username="test"):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return db.session.scalars(
            sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id)
        ).all()


def signed_in(client):
    return client.get("/").status_code == 200


def test_profile_offers_codes_once_2fa_is_on(client, auth, twofa, rec, app):
    auth.login()
    assert 'data-testid="recovery-codes"' not in client.get("/user/test").get_data(as_text=True)
    twofa.enable()
    # the page after the scan: no codes yet, and the button that shows them
    page = client.get("/user/test").get_data(as_text=True)
    assert "You have no recovery codes." in page
    assert "Show my recovery codes" in page
    made, response = rec.create()
    assert len(made) == len(set(made)) == 10
    assert response.headers["Cache-Control"] == "no-store"
    # the profile now counts them, and never shows them again
    page = client.get("/user/test").get_data(as_text=True)
    assert "You have 10 unused recovery codes." in page
    assert not any(code in page for code in made)
    assert not any(code in client.get("/2fa/recovery-codes").get_data(as_text=True) for code in made)


def test_download_holds_the_codes(client, auth, with_2fa, rec):
    auth.login()
    with_2fa()
    made, response = rec.create()
    link = re.search(r'href="(data:text/plain;charset=utf-8,[^"]+)" download="recovery-codes.txt"',
                     response.get_data(as_text=True)).group(1)
    text = unquote(link.split(",", 1)[1])
    assert text.splitlines()[2:12] == made


def test_only_hashes_are_stored(app, codes):
    rows = stored(app)
    assert sorted(row.code_hash for row in rows) == sorted(
        hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes
    )
    # no table holds a code itself, with or without its dashes
    with app.app_context():
        everything = repr([db.session.execute(sa.select(t)).all() for t in db.metadata.sorted_tables])
    for code in codes:
        assert code not in everything and code.replace("-", "") not in everything


def test_codes_have_112_bits_or_more():
    # the reason a fast hash is enough (NIST SP 800-63B 5.1.2.2)
    assert len(recovery.ALPHABET) ** recovery.LENGTH >= 2**112
    assert len(set(recovery.ALPHABET)) == len(recovery.ALPHABET)


def test_code_signs_in_and_is_used_once(client, auth, app, codes, rec, security_log):
    auth.login()
    response = rec.sign_in(codes[3])
    assert response.headers["Location"] == "/auth/login/recovered"
    assert signed_in(client)
    page = client.get("/auth/login/recovered").get_data(as_text=True)
    assert "You have 9 recovery codes left." in page
    # and how to move 2FA to a new phone: disable, then enable with the new one
    assert 'href="/2fa/disable"' in page and 'href="/2fa/enable"' in page
    # the waiting login ended; the code is used up
    with app.app_context():
        [pending] = db.session.scalars(sa.select(PendingLogin)).all()
        assert pending.status == "recovered"
    assert sum(row.used_at is not None for row in stored(app)) == 1
    auth.logout()
    auth.login()
    response = rec.sign_in(codes[3])
    assert response.status_code == 200
    assert recovery_login.WRONG in response.get_data(as_text=True)
    assert not signed_in(client)
    events = [entry["event"] for entry in security_log()]
    assert "recovery_code_used" in events and events[-1] == "recovery_code_fail"
    assert not any(code in json.dumps(security_log()) for code in codes)


def test_typed_like_a_person(client, auth, codes, rec):
    auth.login()
    typed = " " + codes[0].upper().replace("-", " ") + " "
    assert rec.sign_in(typed).headers["Location"] == "/auth/login/recovered"


def test_code_is_bound_to_its_account(client, auth, app, codes, rec, with_2fa):
    with_2fa("other")
    auth.login("other")
    response = rec.sign_in(codes[0])
    assert recovery_login.WRONG in response.get_data(as_text=True)
    assert not signed_in(client)
    assert all(row.used_at is None for row in stored(app))


def test_only_after_the_password(client, auth, codes, rec, app, db_rows):
    before = db_rows()
    assert client.get("/auth/login/recovery").headers["Location"] == "/auth/login"
    token = auth.csrf_token()
    answer = client.post("/auth/login/recovery", data={"csrf_token": token, "code": codes[0]})
    assert answer.headers["Location"] == "/auth/login"
    assert db_rows() == before
    assert not signed_in(client)


def test_the_waiting_page_offers_it(client, auth, codes):
    auth.login()
    page = client.get("/auth/login/push").get_data(as_text=True)
    assert 'href="/auth/login/recovery">Lost your phone? Use a recovery code</a>' in page


def test_a_stale_password_step_is_not_enough(client, auth, app, codes):
    auth.login()
    token = auth.csrf_token("/auth/login/recovery")
    with app.app_context():
        pending = db.session.scalars(sa.select(PendingLogin)).one()
        pending.created_at -= timedelta(seconds=app.config["FRESH_AUTH_SECONDS"] + 1)
        db.session.commit()
    answer = client.post("/auth/login/recovery", data={"csrf_token": token, "code": codes[0]})
    # the password was proved too long ago: the login ends, and the code stays unused
    assert answer.headers["Location"] == "/auth/login"
    assert not signed_in(client)
    assert all(row.used_at is None for row in stored(app))


def test_malformed_code_changes_nothing(client, auth, codes, rec, db_rows, app):
    auth.login()
    before = db_rows()
    for typed in ["1234567", "u" * 24, "ünïcødé-" * 3, "0" * 100]:
        response = rec.sign_in(typed)
        assert response.status_code == 200
        assert recovery_login.MALFORMED in response.get_data(as_text=True)
    assert db_rows() == before
    with app.app_context():
        assert db.session.scalar(sa.text("select count(*) from hit where key like 'recovery:%'")) == 0


def test_wrong_codes_are_throttled_like_passwords(client, auth, app, codes, rec, security_log):
    free = app.config["PASSWORD_FREE_FAILURES"]
    auth.login()
    wrong = "2222-2222-2222-2222-2222-2222"
    for _ in range(free):
        assert recovery_login.WRONG in rec.sign_in(wrong).get_data(as_text=True)
    # the growing wait of passwords: now even the right code is not looked at
    response = rec.sign_in(codes[0])
    assert response.status_code == 429
    assert "Too many wrong recovery codes. Please try again in 30 seconds." in response.get_data(
        as_text=True
    )
    assert not signed_in(client)
    assert all(row.used_at is None for row in stored(app))
    assert security_log()[-1]["event"] == "recovery_throttled"


def test_right_code_forgets_the_failures(client, auth, app, codes, rec):
    auth.login()
    for _ in range(app.config["PASSWORD_FREE_FAILURES"] - 1):
        rec.sign_in("2222-2222-2222-2222-2222-2222")
    assert rec.sign_in(codes[0]).headers["Location"] == "/auth/login/recovered"
    # the account's count starts again (the address's does not: it may be guessing others)
    with app.app_context():
        assert db.session.scalar(sa.text("select count(*) from hit where key = 'recovery:user:1'")) == 0


def tabs_at_once(app, client, auth, count, pick):
    """`count` tabs of the browser that has just given the password send recovery codes at
    the same moment; where each answer sends its tab."""
    auth.login()
    token = auth.csrf_token("/auth/login/recovery")
    browsers = tabs(app, client.get_cookie("session").value, count)

    def send(number):
        data = {"csrf_token": token, "code": pick(number)}
        answer = browsers[number].post("/auth/login/recovery", data=data)
        return answer.headers.get("Location", answer.status_code)

    return at_once(count, send)


def test_same_code_twice_at_once_signs_in_once(app, client, auth, codes):
    answers = tabs_at_once(app, client, auth, 8, lambda number: codes[0])
    assert answers.count("/auth/login/recovered") == 1
    assert set(answers) <= {"/auth/login/recovered", "/auth/login", 200, 429}
    assert sum(row.used_at is not None for row in stored(app)) == 1


def test_two_codes_at_once_use_up_one(app, client, auth, codes):
    # every code is right, but a login ends once: the other codes stay unused
    answers = tabs_at_once(app, client, auth, 8, lambda number: codes[number])
    assert answers.count("/auth/login/recovered") == 1
    assert set(answers) <= {"/auth/login/recovered", "/auth/login", 200, 429}
    assert sum(row.used_at is not None for row in stored(app)) == 1


def poll(client, auth):
    """The waiting page's poll, with this browser's CSRF token."""
    headers = {"X-CSRFToken": auth.csrf_token("/auth/register")}
    return client.post("/auth/login/push/status", headers=headers).get_json()


def test_approve_after_a_recovery_signs_nobody_in(client, auth, codes, rec, phone, app):
    auth.login()
    rec.sign_in(codes[0])
    phone.approve_latest()
    auth.logout()
    assert poll(client, auth) == {"redirect": "/auth/login"}
    assert not signed_in(client)
    with app.app_context():
        assert db.session.scalars(sa.select(PendingLogin.status)).all() == ["recovered"]


def test_code_after_an_approval_is_not_used(client, auth, codes, app, phone):
    auth.login()
    token = auth.csrf_token("/auth/login/recovery")
    # another tab of the same browser sees the phone's Approve first, and signs in
    [other] = tabs(app, client.get_cookie("session").value, 1)
    phone.approve_latest()
    answer = other.post("/auth/login/push/status", headers={"X-CSRFToken": token})
    assert answer.get_json() == {"redirect": "/"}
    answer = client.post("/auth/login/recovery", data={"csrf_token": token, "code": codes[0]})
    # the login has ended: the code has nothing to end, and stays unused
    assert answer.headers["Location"] == "/auth/login"
    assert all(row.used_at is None for row in stored(app))


def test_works_while_authy_is_down(client, auth, codes, rec, fake):
    auth.login()
    fake.set_fault("error")
    try:
        calls = fake.calls()
        assert rec.sign_in(codes[0]).headers["Location"] == "/auth/login/recovered"
        assert fake.calls() == calls  # a recovery code asks Authy nothing
    finally:
        fake.set_fault("none")


def test_new_codes_need_a_fresh_login(client, auth, app, codes, rec):
    auth.login()
    push_free = rec.sign_in(codes[0])  # signed in just now, with a recovery code
    assert push_free.status_code == 302
    minutes_ago(client, 11)
    before = [(row.code_hash, row.used_at) for row in stored(app)]
    made, response = rec.create()
    assert made == []
    assert response.headers["Location"].startswith("/auth/confirm")
    assert [(row.code_hash, row.used_at) for row in stored(app)] == before


def test_new_codes_end_the_old_ones(client, auth, app, codes, rec):
    auth.login()
    rec.sign_in(codes[0])
    fresh, _ = rec.create()
    assert len(stored(app)) == 10 and not set(fresh) & set(codes)
    assert "You have 10 unused recovery codes." in client.get("/user/test").get_data(as_text=True)
    auth.logout()
    auth.login()
    assert recovery_login.WRONG in rec.sign_in(codes[1]).get_data(as_text=True)
    assert rec.sign_in(fresh[1]).headers["Location"] == "/auth/login/recovered"


def test_disable_ends_the_codes(client, auth, app, codes, rec):
    auth.login()
    rec.sign_in(codes[0])
    token = auth.csrf_token("/2fa/disable")
    client.post("/2fa/disable", data={"csrf_token": token})
    assert stored(app) == []
    # and a user without 2FA gets no codes
    made, response = rec.create()
    assert made == [] and response.headers["Location"] == "/user/test"
    assert stored(app) == []
