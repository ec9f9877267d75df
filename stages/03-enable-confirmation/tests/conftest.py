import importlib.util
import re
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import url_for
from jinja2 import FileSystemBytecodeCache
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from app import db
from app.models import User
from config import Config

STAGE = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
# Every setting config.py reads; tests start from none of them being set.
SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "HTTPS",
    "AUTHY_APP_NAME",
    "AUTHY_APP_ID",
    "AUTHY_PRODUCTION_API_KEY",
    "AUTHY_API_URL",
    "AUTHY_TIMEOUT",
    "POLL_INTERVAL",
)


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


@pytest.fixture
def app(tmp_path, password_hash, template_cache):
    class TestConfig(Config):
        TESTING = True
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "test.db")

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


@pytest.fixture
def db_rows(app):
    """A function that returns every row of every table, to compare before and after."""

    def rows():
        with app.app_context():
            return {
                table.name: db.session.execute(sa.select(table)).all()
                for table in db.metadata.sorted_tables
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
