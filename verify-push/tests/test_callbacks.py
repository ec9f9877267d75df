import io
import json
import threading
import time
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from authy.api.resources import OneTouch
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

from app import db
from app.callbacks import MAX_BODY
from app.callbacks import MAX_DEPTH
from app.callbacks import canonical
from app.callbacks import signature
from app.models import CallbackNonce
from app.models import PendingLogin
from app.models import utcnow
from conftest import AuthActions
from conftest import PushActions
from fake_authy.callbacks import body as fake_callback_body
from fake_authy.callbacks import signature as fake_signature
from fake_authy.vectors import REAL_BODY
from fake_authy.vectors import SIGNATURE_FIELDS
from fake_authy.vectors import SIGNATURE_VECTORS
from test_push_login import change_pending_login
from test_push_login import pending_logins
from test_push_login import signed_in
from test_send_again import WaitingPage

CALLBACK_URL = "http://localhost/authy/callback"  # where the test client's requests go


@pytest.mark.parametrize(SIGNATURE_FIELDS, SIGNATURE_VECTORS)
def test_signature_of_real_callbacks(key, nonce, method, url, params, expected):
    assert signature(key, nonce, method, url, params) == expected.encode()


def test_signature_as_the_authy_client_computes_it():
    params = {"uuid": "u-2", "status": "approved", "authy_id": 7, "flag": True, "none": None,
              "list": [{"b": 2}, {"a": "x y/é"}], "empty": {}}
    made = signature("k" * 32, "1700000000.5", "POST", CALLBACK_URL, params).decode()
    assert OneTouch("http://unused", "k" * 32).validate_one_touch_signature(
        made, "1700000000.5", "POST", CALLBACK_URL, params
    )


@pytest.fixture
def callbacks(app):
    """Callbacks on, with the test client's URL as the one set at Authy."""
    app.config["AUTHY_CALLBACK_URL"] = CALLBACK_URL


class Callback:
    """A OneTouch callback as Authy sends it, signed by the fake Authy's own code."""

    def __init__(self, client, fake_settings, request, status, **changes):
        self.key = fake_settings.api_key
        answered = {**request, "status": status, "processed_at": time.time(), "created_at": time.time(),
                    "expires_at": time.time() + 120, "hidden_details": {}, "logos": None}
        self.body = {**fake_callback_body(fake_settings, answered), **changes}
        self.nonce = f"{time.time():.6f}"
        self.client = client

    def headers(self, key=None, url=CALLBACK_URL, method="POST"):
        return {
            "X-Authy-Signature": fake_signature(key or self.key, self.nonce, method, url, self.body),
            "X-Authy-Signature-Nonce": self.nonce,
        }

    def send(self, headers=None, data=None):
        return self.client.post(
            "/authy/callback",
            data=json.dumps(self.body) if data is None else data,
            headers=self.headers() if headers is None else headers,
            content_type="application/json",
        )


@pytest.fixture
def callback(app, fake, phone):
    """A function making the callback for the newest push, answered with `status`."""
    settings = type("FakeSettings", (), {"app_id": fake.app_id, "app_object_id": "0" * 24,
                                         "api_key": fake.api_key})

    def make(status="approved", request=None, **changes):
        return Callback(app.test_client(), settings, request or phone.latest(), status, **changes)

    return make


@pytest.fixture
def waiting(callbacks, auth, with_2fa, phone):
    """"test" has 2FA on and entered the password, with callbacks on; returns the push's uuid."""
    with_2fa()
    auth.login()
    return phone.latest("pending")["sid"]


def calls(fake):
    """The Authy calls so far: "push" (a request sent) or "status" (a request's status asked)."""
    kinds = {"POST": "push", "GET": "status"}
    return [kinds[call["method"]] for call in fake.calls() if call["path"].startswith("/onetouch/")]


def test_polls_do_not_ask_authy(client, waiting, push, fake):
    # with callbacks on, waiting costs no Authy call: the database says "not yet"
    for _ in range(5):
        assert push.poll().get_json() == {"status": "pending"}
    assert calls(fake) == ["push"]


def test_waiting_page_polls_often(client, waiting):
    # each poll only reads the database: it can be frequent
    page = client.get("/auth/login/push").get_data(as_text=True)
    assert 'data-poll-interval="0.2"' in page


def test_approved_callback_then_one_confirmation(client, waiting, callback, push, phone, fake, app):
    phone.approve(waiting)
    response = callback("approved").send()
    assert response.status_code == 200
    # the callback notes the answer; it signs nobody in, and sets no cookie
    assert pending_logins(app)[0].answer == "approved"
    assert pending_logins(app)[0].consumed_at is None
    assert "Set-Cookie" not in response.headers
    assert not signed_in(client)
    # the waiting page's next poll asks Authy once, to confirm, and signs in
    assert push.poll().get_json() == {"redirect": "/"}
    assert signed_in(client)
    # two Authy calls for the whole login: the push, and the confirmation
    assert calls(fake) == ["push", "status"]


def test_denied_callback(client, waiting, callback, push, fake, app):
    assert callback("denied").send().status_code == 200
    # a denial needs no confirmation: the login ends, and Authy is not asked
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert "Login request denied." in client.get("/auth/login").get_data(as_text=True)
    assert pending_logins(app)[0].status == "denied"
    assert calls(fake) == ["push"]


def test_approval_is_confirmed_with_authy(client, waiting, callback, push, canned_authy, with_2fa):
    callback("approved").send()
    authy_id = with_2fa()
    # Authy does not confirm it (say, the callback's request was answered otherwise since)
    canned_authy(200, {"approval_request": {"status": "denied", "uuid": waiting,
                                            "_authy_id": authy_id}, "success": True})
    assert push.poll().get_json() == {"redirect": "/auth/login"}
    assert not signed_in(client)


MISSING = [
    {"X-Authy-Signature-Nonce": "1700000000"},
    {"X-Authy-Signature": "c2ln"},
    {},
    {"X-Authy-Signature": "", "X-Authy-Signature-Nonce": ""},
]


@pytest.mark.parametrize("headers", MISSING)
def test_missing_headers(waiting, callback, db_rows, headers):
    before = db_rows()
    assert callback("approved").send(headers=headers).status_code == 401
    assert db_rows() == before


def forged(made):
    """Ways to get the signature wrong, each as (name, headers)."""
    yield "another key", made.headers(key="not the api key of thirty-two b")
    yield "another URL", made.headers(url="http://localhost/other")
    yield "GET instead of POST", made.headers(method="GET")
    yield "a nonce that was not signed", {**made.headers(), "X-Authy-Signature-Nonce": f"{time.time():.6f}1"}
    yield "garbage", {**made.headers(), "X-Authy-Signature": "ü" * 44}


def test_wrong_signature(waiting, callback, db_rows):
    made = callback("approved")
    before = db_rows()
    for name, headers in forged(made):
        assert made.send(headers=headers).status_code == 401, name
    assert db_rows() == before


def test_body_changed_after_signing(waiting, callback, db_rows, phone):
    made = callback("denied")
    headers = made.headers()
    made.body["status"] = "approved"
    before = db_rows()
    assert made.send(headers=headers).status_code == 401
    assert db_rows() == before


@pytest.mark.parametrize("age", [-301, 301, 3600 * 24])
def test_old_or_future_nonce(waiting, callback, db_rows, age):
    made = callback("approved")
    made.nonce = f"{time.time() - age:.6f}"
    before = db_rows()
    # signed correctly, but too long ago (or "from the future"): a recorded callback replayed
    assert made.send().status_code == 401
    assert db_rows() == before


@pytest.mark.parametrize("nonce", ["yesterday", "nan", "inf", "-inf", "1e999", "0x10"])
def test_nonce_that_is_not_a_time(waiting, callback, db_rows, nonce):
    made = callback("approved")
    made.nonce = nonce
    before = db_rows()
    assert made.send().status_code == 401
    assert db_rows() == before


def test_replay_refused(waiting, callback, app):
    made = callback("denied")
    assert made.send().status_code == 200
    # the very same callback again, within its five minutes: refused
    assert made.send().status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackNonce)) == 1


def test_old_nonces_are_forgotten(waiting, callback, app):
    callback("denied").send()
    with app.app_context():
        db.session.execute(sa.update(CallbackNonce).values(received_at=datetime(2000, 1, 1)))
        db.session.commit()
    # the next callback clears what is too old to be replayed anyway
    callback("approved").send()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CallbackNonce)) == 1


BODIES = [
    b"not json",
    b"[1, 2, 3]",
    b'"approved"',
    b"",
    b"{" * 5000,
    "{\"uuid\": \"\u00e9\"}".encode(),
    b"\xff\xfe",
]


@pytest.mark.parametrize("data", BODIES)
def test_never_a_500(waiting, callback, db_rows, data):
    made = callback("approved")
    before = db_rows()
    # whatever arrives, the answer is a refusal, never an error page
    assert made.send(data=data).status_code in (400, 401)
    assert made.send(data=data, headers={}).status_code == 401
    assert db_rows() == before


def nested(depth):
    """A JSON object holding a value `depth` lists deep."""
    return ('{"uuid": ' + "[" * depth + "1" + "]" * depth + "}").encode()


@pytest.mark.parametrize("data", [b"[" * 50_000, b'{"a": ' * 10_000, nested(900), nested(990)])
def test_deep_nesting_is_refused(waiting, callback, db_rows, data):
    made = callback("approved")
    before = db_rows()
    # too deep for the JSON parser (a RecursionError, which get_json does not catch), or
    # parsed but too deep to be a callback: refused before the signature code walks it
    assert made.send(data=data).status_code == 400
    assert db_rows() == before


def test_signature_code_walks_only_so_deep():
    with pytest.raises(ValueError):
        canonical({"a": json.loads(nested(MAX_DEPTH))})
    # a real callback's body is four levels deep
    assert canonical(REAL_BODY)


class Unread(io.BytesIO):
    """A request body that notes whether the app read any of it."""

    read_at_all = False

    def read(self, *args):
        self.read_at_all = True
        return super().read(*args)


def raw_post(app, body, headers, **environ):
    """POST the stream `body` to the callback route, with the WSGI environ given as is."""
    builder = EnvironBuilder("/authy/callback", method="POST", headers=headers,
                             content_type="application/json")
    request_environ = {**builder.get_environ(), "wsgi.input": body, **environ}
    if request_environ.get("CONTENT_LENGTH") == "0":
        del request_environ["CONTENT_LENGTH"]  # a body sent in chunks has no length
    _, status, _ = run_wsgi_app(app, request_environ, buffered=True)
    return int(status.split()[0])


def test_a_large_body_is_not_read(app, waiting, callback, db_rows):
    body = Unread(b"{}")
    before = db_rows()
    # a body that says it has 100 MiB, with a valid nonce: refused before any of it is read
    status = raw_post(app, body, callback("approved").headers(), CONTENT_LENGTH=str(100 * 2**20))
    assert status == 413
    assert not body.read_at_all
    assert db_rows() == before


def test_a_large_body_without_a_length(app, waiting, callback, db_rows):
    # sent in chunks, without a Content-Length (the server says where it ends): the app
    # reads no more than the limit
    body = io.BytesIO(b"[" * (MAX_BODY * 4))
    before = db_rows()
    status = raw_post(app, body, callback("approved").headers(), **{"wsgi.input_terminated": True})
    assert status == 413
    assert body.tell() <= MAX_BODY + 1
    assert db_rows() == before


@pytest.mark.parametrize("size", [MAX_BODY + 1, 100_000, 2**20])
def test_large_bodies_get_a_413(waiting, callback, db_rows, size):
    made = callback("approved")
    before = db_rows()
    # [ x 100000 among them: too large, so never parsed; with or without a signature
    assert made.send(data=b"[" * size).status_code == 413
    assert made.send(data=b"[" * size, headers={}).status_code == 413
    assert db_rows() == before


def test_a_real_callback_is_well_under_the_limits(waiting, callback):
    made = callback("denied")
    assert len(json.dumps(made.body)) < MAX_BODY / 10
    assert made.send().status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"uuid": "another-request"},
        {"authy_id": 999},
        {"authy_id": "{authy_id}"},
        {"status": "expired"},
        {"status": "Approved"},
        {"uuid": None},
    ],
)
def test_only_the_matching_login_moves(waiting, callback, app, push, client, changes):
    made = callback("approved")
    if changes.get("authy_id") == "{authy_id}":
        changes.sid = str(made.body.sid)
    made.body.update(changes)
    # correctly signed, but not an answer for this login: accepted, and nothing moves
    assert made.send().status_code == 200
    assert pending_logins(app)[0].answer is None
    assert push.poll().get_json() == {"status": "pending"}


def test_the_first_answer_counts(waiting, callback, app):
    callback("denied").send()
    callback("approved").send()
    assert pending_logins(app)[0].answer == "denied"


def test_a_finished_login_does_not_move(waiting, callback, push, app):
    push.cancel()
    callback("approved").send()
    assert pending_logins(app)[0].answer is None
    assert pending_logins(app)[0].status == "cancelled"


def test_a_noted_denial_counts_when_the_browser_ends_the_login(waiting, callback, push, app, fake):
    callback("denied").send()
    # Cancel before the next poll: the login ends as what the phone said, without asking Authy
    push.cancel()
    assert pending_logins(app)[0].status == "denied"
    assert calls(fake) == ["push"]


def test_send_again_keeps_a_noted_denial(client, waiting, callback, app, fake):
    callback("denied").send()
    change_pending_login(app, sent_at=utcnow() - timedelta(seconds=30))
    # Send again does not erase the phone's no: the login ends, denied, and no push is sent
    assert WaitingPage(client).send_again().headers["Location"] == "/auth/login"
    assert pending_logins(app)[0].status == "denied"
    assert calls(fake) == ["push"]


def test_a_denial_noted_while_sending_again_is_kept(waiting, callback, app):
    callback("denied").send()
    # the denial arrives just after Send again looked, before it claims the new push
    with app.app_context():
        pending = db.session.scalar(sa.select(PendingLogin))
        assert pending.claim_resend(0, 3)
    assert pending_logins(app)[0].answer == "denied"


def test_another_browsers_login_is_not_signed_in(app, waiting, callback, push, phone, client):
    # the same user logs in from a second browser: a second push
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    # the phone approves the first browser's request only, and Authy says so
    first_request = phone.approve(waiting)
    assert callback("approved", request=first_request).send().status_code == 200
    assert PushActions(other_browser).poll().get_json() == {"status": "pending"}
    assert push.poll().get_json() == {"redirect": "/"}


def test_callbacks_off(client, auth, with_2fa, callback, db_rows):
    with_2fa()
    auth.login()
    before = db_rows()
    # without AUTHY_CALLBACK_URL there is no callback route to speak of
    assert callback("approved").send().status_code == 404
    assert db_rows() == before


def test_callback_needs_no_csrf_token(waiting, callback):
    # Authy has no CSRF token to send: the signature is the proof instead
    response = callback("approved").send()
    assert response.status_code == 200


@pytest.fixture
def served(app, fake):
    """The app as a real server on a free port, which the fake Authy sends its callbacks to."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}/authy/callback"
    app.config["AUTHY_CALLBACK_URL"] = url
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    fake.set_callback_url(url)
    yield url
    fake.set_callback_url(None)
    server.shutdown()
    server.server_close()


def test_with_the_fake_authys_callbacks(served, client, auth, with_2fa, phone, push, fake, app):
    with_2fa()
    auth.login()
    assert push.poll().get_json() == {"status": "pending"}
    # the phone approves: the fake signs and sends the callback before it answers the tap
    phone.approve_latest()
    assert pending_logins(app)[0].answer == "approved"
    assert push.poll().get_json() == {"redirect": "/"}
    assert calls(fake) == ["push", "status"]
