import importlib.util
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import url_for
from jinja2 import FileSystemBytecodeCache
from twilio.http.http_client import TwilioHttpClient
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from app import db
from app import verify
from app.models import User
from config import Config
from fake_authy.testing import FakeAuthyServer
from fake_authy.testing import wait_for
from tools.postgres import PostgresServer
from tools.postgres import missing

STAGE = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
# How long the app waits for Authy in the tests that make it too slow, and how slow it is then.
TIMEOUT = 0.5
SLOW = 1.0
# Every setting config.py reads; tests start from none of them being set.
SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SQLITE_TIMEOUT",
    "HTTPS",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_VERIFY_SERVICE_SID",
    "TWILIO_VERIFY_BASE_URL",
    "VERIFY_APP_NAME",
    "VERIFY_TIMEOUT",
    "POLL_INTERVAL",
    "QR_EXPIRY",
    "PUSH_EXPIRY",
    "PROXY_HOPS",
    "VERIFY_WEBHOOK_URL",
    "CALLBACK_POLL_INTERVAL",
    "RESEND_COOLDOWN",
    "RESEND_LIMIT",
    "PUSH_CAP",
    "PUSH_CAP_WINDOW",
    "DENIAL_LIMIT",
    "DENIAL_COOLDOWN",
    "FRESH_AUTH_SECONDS",
    "ENABLE_LIMIT",
    "REGISTRATION_LIMIT",
    "PROFILE_LIMIT",
    "LOOKUP_WINDOW",
    "ENABLE_WINDOW",
    "PASSWORD_FREE_FAILURES",
    "PASSWORD_BACKOFF",
    "PASSWORD_MAX_BACKOFF",
    "PASSWORD_FAILURE_MEMORY",
    "KNOWN_DEVICE_DAYS",
    "PASSWORD_ADDRESS_LIMIT",
    "PASSWORD_WINDOW",
)


def pytest_addoption(parser):
    parser.addoption(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database every test's app uses: a SQLite file of its own (the default), or a"
        " database of its own on a PostgreSQL server started for the run (tools/postgres.py)",
    )


def pytest_configure(config):
    if config.getoption("--database") == "postgresql" and missing():
        raise pytest.UsageError(f"--database=postgresql: {missing()}")


@pytest.fixture(scope="session")
def database(request):
    """The database the tests run on: "sqlite" or "postgresql" (pytest --database=...)."""
    return request.config.getoption("--database")


@pytest.fixture(scope="session")
def postgres(database):
    """With --database=postgresql: a PostgreSQL server of this run's own, holding a database
    "tests" with the models' tables; an engine connected to it. None on SQLite."""
    if database != "postgresql":
        yield None
        return
    with PostgresServer.start() as server:
        engine = sa.create_engine(server.create_database("tests"))
        db.metadata.create_all(engine)
        yield server, engine
        engine.dispose()


def empty_tables(engine):
    """Make the tests database as new: close the connections an earlier test left open, empty
    every table and start every id from 1 again. A few milliseconds, where copying a template
    database takes a third of a second on a busy machine."""
    with engine.begin() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ))
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(sa.text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))


@pytest.fixture
def database_url(tmp_path, postgres):
    """The URL of a database for this test alone, with the models' empty tables."""
    if postgres is None:
        return "sqlite:///" + str(tmp_path / "test.db")
    server, engine = postgres
    empty_tables(engine)
    return server.database_url("tests")


@pytest.fixture
def empty_database_url(tmp_path, postgres):
    """The URL of a new database with no tables at all (for the migrations)."""
    if postgres is None:
        yield "sqlite:///" + str(tmp_path / "empty.db")
        return
    server, _ = postgres
    yield server.create_database("empty")
    server.drop_database("empty")


@pytest.fixture(scope="session")
def password_hash():
    # The app hashes passwords with scrypt at full strength, slow on purpose (see
    # docs/security.md, S1), and every login then takes a tenth of a second to check. The
    # seeded users get a cheap scrypt instead, so that the many logins in the tests are
    # quick: check_password_hash reads the cost from the hash. Users registered through the
    # pages still get the strong one.
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory):
    """Compiled templates, shared by every test's app (each would compile them again)."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("templates")))


class AppCalls(TwilioHttpClient):
    """The twilio library's HTTP client, noting each call the app makes (a spy: the call
    still goes over HTTP to the fake). The fake's own log also holds the device's calls,
    which use the same paths; the tests count only the app's."""

    calls = []

    def request(self, method, url, *args, **kwargs):
        call = {"method": method.upper(), "path": urlsplit(url).path, "status": None}
        AppCalls.calls.append(call)
        response = super().request(method, url, *args, **kwargs)
        call["status"] = response.status_code
        return response


class Fake(FakeAuthyServer):
    def calls(self):
        """The Verify calls the app made since the last reset: method, path and status."""
        return [dict(call) for call in AppCalls.calls]

    def reset(self):
        AppCalls.calls.clear()
        return super().reset()


@pytest.fixture(scope="session")
def fake():
    """The fake: a real server on a free port, started once for the whole run."""
    with Fake.start() as server:
        yield server


@pytest.fixture(autouse=True)
def count_app_calls(monkeypatch):
    monkeypatch.setattr(verify, "TwilioHttpClient", AppCalls)


@pytest.fixture
def app(database_url, password_hash, template_cache, fake):
    class TestConfig(Config):
        TESTING = True
        # A database of the test's own: SQLite, or PostgreSQL with pytest --database=postgresql.
        SQLALCHEMY_DATABASE_URI = database_url
        # The real twilio library talks HTTP to the fake, which starts each test empty.
        TWILIO_VERIFY_BASE_URL = fake.url
        TWILIO_ACCOUNT_SID = fake.account_sid
        TWILIO_AUTH_TOKEN = fake.auth_token
        TWILIO_VERIFY_SERVICE_SID = fake.verify_service_sid

    fake.reset()

    app = create_app(TestConfig)
    app.jinja_env.bytecode_cache = template_cache
    with app.app_context():
        db.create_all()
        # "test" is the user most tests log in as; "other" is somebody else.
        for username in ("test", "other"):
            email = f"{username}@example.com"
            user = User(username=username, email=email, password_hash=password_hash)
            db.session.add(user)
        db.session.commit()

    yield app

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_url(app):
    """The app served over real HTTP, by werkzeug's threaded server on a free port: its URL.

    For what the test client cannot show: raw HTTP, and requests at the same time.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll_interval lets shutdown() return at once at the end of the test.
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def csrf_token(self, path="/auth/login"):
        """The CSRF token of a form on the page at ``path``, as a browser sends it."""
        page = self._client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)

    def register(
        self, username="new", email="new@example.com", password=PASSWORD, password2=None
    ):
        return self._client.post(
            "/auth/register",
            data={
                "csrf_token": self.csrf_token("/auth/register"),
                "username": username,
                "email": email,
                "password": password,
                "password2": password if password2 is None else password2,
            },
        )

    def login(self, username="test", password=PASSWORD, remember=False, next=None):
        url = "/auth/login" if next is None else "/auth/login?" + urlencode({"next": next})
        data = {
            "csrf_token": self.csrf_token(url),
            "username": username,
            "password": password,
        }
        if remember:
            data["remember_me"] = "y"
        return self._client.post(url, data=data)

    def logout(self):
        # The Logout button is a small form in the navigation bar of every page.
        return self._client.post("/auth/logout", data={"csrf_token": self.csrf_token("/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)


class Phone:
    """A Verify Push phone (fake_authy.verify.device.Device, real ES256 keys) for the tests.

    scan(link) creates and verifies a factor from a QR code's link, as the phone's app does
    with the Verify Push SDK; approve_latest() and deny_latest() answer its newest pending
    challenge, signed with the factor's key; requests() lists its challenges.
    """

    def __init__(self, fake):
        self.device = fake.device()
        self.factor = None

    def scan(self, link, verify_factor=True):
        query = parse_qs(urlsplit(link).query)
        service, identity, token = (query[name][0] for name in ("service", "identity", "token"))
        self.factor = self.device.create_factor(token, service, identity, "Test phone")
        if verify_factor:
            self.device.verify_factor(self.factor)
        return self.factor

    def requests(self, status=None):
        """The factor's challenges, newest first; each with its Details.Fields as "fields"."""
        challenges = self.device.challenges(self.factor, status=status)
        for challenge in challenges:
            challenge["fields"] = {f["label"]: f["value"] for f in challenge["details"]["fields"]}
        return challenges

    def approve(self, sid):
        return self.device.answer(self.factor, sid, "approved")

    def deny(self, sid):
        return self.device.answer(self.factor, sid, "denied")

    def latest(self, status=None):
        return wait_for(lambda: (self.requests(status) or [None])[0], what="a challenge")

    def approve_latest(self):
        return self._answer("approved")

    def deny_latest(self):
        return self._answer("denied")

    def _answer(self, status):
        return self.device.answer(self.factor, self.latest("pending")["sid"], status)


@pytest.fixture
def phone(fake):
    return Phone(fake)


class TwoFactorActions:
    """Turn on two-factor authentication through the pages, as the signed-in user does."""

    def __init__(self, client, auth, phone):
        self._client = client
        self._auth = auth
        self._phone = phone

    def press_enable(self):
        """Press Enable 2FA; returns the response (a redirect to the QR page)."""
        token = self._auth.csrf_token("/")
        return self._client.post("/2fa/enable", data={"csrf_token": token})

    def link(self):
        """The verifypush://enrol?... link that the QR page shows as text."""
        page = self._client.get("/2fa/enable/scan").get_data(as_text=True)
        return re.search(r"verifypush://enrol\?[^<\s]+", page).group(0).replace("&amp;", "&")

    def poll(self, **kwargs):
        """What the QR page's script does every few seconds: POST with the CSRF token."""
        headers = {"X-CSRFToken": self._auth.csrf_token("/")}
        return self._client.post("/2fa/enable/status", headers=headers, **kwargs)

    def enable(self):
        """The whole way: press Enable 2FA, scan the QR code, poll once; returns the factor sid."""
        self.press_enable()
        factor = self._phone.scan(self.link())
        assert "redirect" in self.poll().get_json()
        return factor.sid


@pytest.fixture
def twofa(client, auth, phone):
    return TwoFactorActions(client, auth, phone)


@pytest.fixture
def with_2fa(app, phone):
    """A function that turns 2FA on for a user, as if they had scanned their QR code."""

    def enable(username="test"):
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            identity = verify.new_identity()
            before = len(AppCalls.calls)
            token, _ = verify.access_token(identity, username)
            del AppCalls.calls[before:]  # not a call of the app's pages: left out of calls()
            factor = phone.scan(verify.enrolment_link(identity, token))
            user.set_factor(identity, factor.sid)
            db.session.commit()
            return factor.sid

    return enable


class PushActions:
    """What the waiting page does after the password step: poll, and cancel."""

    def __init__(self, client):
        self._client = client
        self.token = None

    def csrf_token(self):
        """The token the waiting page gives its script (kept: later pages may not have one)."""
        page = self._client.get("/auth/login/push").get_data(as_text=True)
        found = re.search(r'data-csrf-token="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return self.token

    def poll(self, **kwargs):
        headers = {"X-CSRFToken": self.token or self.csrf_token()}
        return self._client.post("/auth/login/push/status", headers=headers, **kwargs)

    def cancel(self):
        token = self.token or self.csrf_token()
        return self._client.post("/auth/login/push/cancel", data={"csrf_token": token})


@pytest.fixture
def push(client):
    return PushActions(client)


@pytest.fixture
def db_rows(app):
    """A function that returns every row of every table, to compare before and after.

    Leaves out the columns that only note when Authy was last asked (`..._checked_at`): a
    poll writes them, whatever Authy answers (they have tests of their own). Leaves out the
    throttle's counters too (the `hit` table): counting an attempt, even one that changes
    nothing else, is what they are for; tests of the limits read them directly.
    """

    def rows():
        with app.app_context():
            return {
                table.name: db.session.execute(
                    sa.select(*(c for c in table.columns if not c.name.endswith("checked_at")))
                    # in a fixed order: PostgreSQL returns an updated row last
                    .order_by(*table.primary_key.columns)
                ).all()
                for table in db.metadata.sorted_tables
                if table.name != "hit"
            }

    return rows


@pytest.fixture
def app_urls(app):
    """A function listing the URL of every route that takes a method, such as "GET".

    Routes with a variable part get "test" for it: /user/<username> becomes /user/test.
    """

    def urls(method):
        with app.test_request_context():
            return [
                url_for(rule.endpoint, **dict.fromkeys(rule.arguments, "test"))
                for rule in app.url_map.iter_rules()
                if method in rule.methods and not rule.endpoint.endswith("static")
            ]

    return urls


@pytest.fixture
def load_config(monkeypatch):
    """A function that reads config.py afresh with the given environment variables."""

    def load(**environ):
        for name in SETTINGS:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location("fresh_config", STAGE / "config.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Config

    return load


@pytest.fixture
def set_cookies():
    """A function that returns the cookies a response sets, with their attributes."""

    def parse(response):
        cookies = SimpleCookie()
        for header in response.headers.getlist("Set-Cookie"):
            cookies.load(header)
        return cookies

    return parse


@pytest.fixture
def canned_verify(app):
    """A function that points the app at a stand-in Verify giving one fixed answer to every call.

    For answers that the fake never gives: canned_verify(200, {"status": "approved", ...}).
    """
    servers = []

    def serve(status, body):
        def answer(environ, start_response):
            # Read the request's body: werkzeug would otherwise wait to drain it.
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response(f"{status} Canned", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]

        server = make_server("127.0.0.1", 0, answer)
        # A short poll_interval lets shutdown() return at once at the end of the test.
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        app.config["TWILIO_VERIFY_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def tabs(app, cookie, count):
    """`count` test clients with the same session cookie: tabs of one browser, or a script
    with a copy of the cookie, each on its own connection."""
    browsers = [app.test_client() for _ in range(count)]
    for browser in browsers:
        browser.set_cookie("session", cookie)
    return browsers


def at_once(count, action):
    """Run `action(number)` in `count` threads that start together; their results, in order
    (an exception in a thread is raised here)."""
    start = threading.Barrier(count)

    def run(number):
        start.wait()
        return action(number)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def fault(app, fake):
    """A function that makes the fake Authy fail in one way (see FakeAuthyServer.set_fault).

    "slow" answers after SLOW seconds, longer than the app's TIMEOUT for these tests.
    """
    app.config["VERIFY_TIMEOUT"] = TIMEOUT
    calls_before = []

    def set_fault(mode):
        calls_before.append(len(fake.calls()))
        fake.set_fault(mode, seconds=SLOW if mode == "slow" else 0)

    yield set_fault
    fake.set_fault("none")
    # A slow answer is still on its way after the app gave up on it: let it arrive, so that
    # the fake does not count it among the next test's calls.
    if calls_before:
        wait_for(lambda: len(fake.calls()) > calls_before[0])


@pytest.fixture
def security_log(caplog):
    """A function returning the security events logged so far, each as a dict."""
    caplog.set_level(logging.INFO, logger="security")

    def logged():
        return [json.loads(record.getMessage()) for record in caplog.records if record.name == "security"]

    return logged
