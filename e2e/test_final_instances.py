"""Final on several instances: two gunicorn servers on one PostgreSQL database (final only).

Two instances, A and B, each gunicorn with two workers, with the same settings: one
PostgreSQL database, one SECRET_KEY, one fake Authy, and one callback URL, that of the load
balancer in front of them. A login may then start on one instance and go on on the other,
and a OneTouch callback may reach either. It works only because nothing lives in an
instance's memory: the session is the signed cookie, the rest is in the database.

The browser reaches A and B at 127.0.0.1 on two ports. Its cookies belong to the host, not
the port, so both see the same session cookie: that is what two instances behind one load
balancer look like to a browser, which the scenarios move between A and B mid-login.
OneTouch callbacks go to a small stand-in for the load balancer (Balancer, below), which
forwards each one to the instance the scenario chooses.

Needs PostgreSQL on the machine, and skips with one line without it, as make test's
final-postgresql part does (tools/run_tests.py: never under CI, nor with POSTGRESQL=require).
The pair starts once for the module; every scenario signs up users of its own.
"""

import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import expect

from test_push_login import log_in_again
from test_push_login import poller
from tools.postgres import PostgresServer
from tools.run_tests import postgresql_skipped
from tools.servers import ServerError

WORKERS = 2
PUSH_CAP = 10  # final's default
RESEND_LIMIT = 3  # final's default


class Balancer:
    """A stand-in for the load balancer, for OneTouch callbacks: one URL, which both instances
    have as AUTHY_CALLBACK_URL (the callback's signature covers it), forwarding each request
    to the instance chosen with send_to(), as a load balancer picks one."""

    def __init__(self):
        self.target = None
        self.forwarded = []  # (path, the instance's URL, its answer's status), in order
        http = requests.Session()
        http.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
        balancer = self

        class Forward(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: value for name, value in self.headers.items()
                           if name.lower() not in ("host", "connection", "content-length")}
                target = balancer.target
                answer = http.post(target + self.path, data=body, headers=headers, timeout=30)
                balancer.forwarded.append((self.path, target, answer.status_code))
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass  # the instances' access logs say enough

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.callback_url = f"http://127.0.0.1:{self.server.server_port}/authy/callback"
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def send_to(self, instance):
        self.target = instance.url
        self.forwarded.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def database_url():
    """An empty database on a PostgreSQL server of this module's own (tools/postgres.py)."""
    why = postgresql_skipped()
    if why:
        pytest.skip(f"two instances need PostgreSQL: {why}")
    with PostgresServer.start() as server:
        yield server.create_database("instances")


@pytest.fixture(scope="module")
def balancer():
    balancer = Balancer()
    yield balancer
    balancer.stop()


@pytest.fixture(scope="module")
def pair(_live_apps, database_url, balancer):
    """Instances A and B of final, each gunicorn with two workers, with the same settings.
    B's `flask db upgrade` finds the tables A's made, and changes nothing."""
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16),
        "AUTHY_CALLBACK_URL": balancer.callback_url,
        "RESEND_COOLDOWN": "0",  # Send again at once (the 30 seconds are tested in final/tests)
    }
    started = []
    try:
        for _ in "AB":
            started.append(_live_apps.start("final", workers=WORKERS, **settings))
    except ServerError as error:
        for instance in started:
            instance.stop()
        pytest.fail(str(error), pytrace=False)
    yield started
    for instance in started:
        instance.stop()


@pytest.fixture
def instances(pair, balancer, fake_authy, phone, show_output):
    """A and B; the fake sends its OneTouch callbacks to the balancer during the scenario."""
    show_output(*pair)
    fake_authy.set_callback_url(balancer.callback_url)
    yield pair
    fake_authy.set_callback_url(None)


def onetouch_calls(fake_authy):
    """The OneTouch calls the instances made: POST sends a push, GET asks for its status."""
    return [call["method"] for call in fake_authy.calls() if call["path"].startswith("/onetouch/")]


def request_for(phone, username):
    """The newest approval request on the phone for that user's login."""
    return next(found for found in phone.requests() if found["details"]["Username"] == username)


@pytest.mark.since("final")
def test_a_login_started_on_one_instance_finishes_on_the_other(page, instances, balancer, user, phone, fake_authy):
    a, b = instances
    username = user.enable_2fa(page, a, phone)
    # the password on A: A sends the push and shows the waiting page
    log_in_again(page, a, user, username)
    code = page.get_by_test_id("login-code").inner_text()
    # the next requests go to B, with the same cookie: B finds the login in the database
    page.goto(f"{b.url}/auth/login/push")
    expect(page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    expect(page.get_by_test_id("login-code")).to_have_text(code)
    # Approve: the callback reaches A, and B's waiting page signs the user in
    balancer.send_to(a)
    phone.approve_latest()
    expect(page).to_have_url(f"{b.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    assert balancer.forwarded == [("/authy/callback", a.url, 200)]
    # signed in on A as well: one session, whichever instance answers
    page.goto(f"{a.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    # one push, and one status call to confirm the approval the callback reported
    assert onetouch_calls(fake_authy) == ["POST", "GET"]


@pytest.mark.since("final")
def test_a_callback_at_either_instance_moves_the_right_login(
    page, new_context, instances, balancer, user, phone, fake_authy
):
    a, b = instances
    other_page = new_context().new_page()  # another person's browser
    first = user.enable_2fa(page, a, phone)
    second = user.enable_2fa(other_page, b, phone)
    # both wait for their phones: the first user's login started on A, the second's on B
    log_in_again(page, a, user, first)
    log_in_again(other_page, b, user, second)
    # the first user approves; the load balancer hands the callback to B
    balancer.send_to(b)
    phone.approve(request_for(phone, first)["uuid"])
    expect(page).to_have_url(f"{a.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {first}!")).to_be_visible()
    assert balancer.forwarded == [("/authy/callback", b.url, 200)]
    # the second user's login has not moved: still waiting, and its poll says so
    expect(other_page.get_by_role("heading", name="Check your Authy app")).to_be_visible()
    assert poller(other_page)().json() == {"status": "pending"}
    # and the other way round: the login started on B, its callback handed to A
    balancer.send_to(a)
    phone.approve(request_for(phone, second)["uuid"])
    expect(other_page).to_have_url(f"{b.url}/")
    expect(other_page.get_by_role("heading", name=f"Hi, {second}!")).to_be_visible()
    assert balancer.forwarded == [("/authy/callback", a.url, 200)]
    # two pushes, and one confirming status call for each approval
    assert onetouch_calls(fake_authy) == ["POST", "POST", "GET", "GET"]


def send_again(page, instance):
    """Open the waiting page on `instance` and press Send again there."""
    page.goto(f"{instance.url}/auth/login/push")
    page.get_by_role("button", name="Send again").click()


@pytest.mark.since("final")
def test_send_again_and_the_push_cap_count_across_instances(page, instances, user, phone, fake_authy):
    a, b = instances
    username = user.enable_2fa(page, a, phone)
    log_in_again(page, a, user, username)
    code = page.get_by_test_id("login-code").inner_text()
    # Send again on A, on B, on A: one login's budget, whichever instance sends
    for sent, instance in enumerate((a, b, a), start=2):
        send_again(page, instance)
        expect(page.get_by_role("alert")).to_have_text("We sent a new request to your phone.")
        assert len(phone.requests()) == sent
        assert phone.latest()["details"]["Code"] == code
    # the fourth Send again, on B, is refused: A's clicks counted there too
    send_again(page, b)
    expect(page.get_by_role("alert")).to_have_text(
        "No more requests for this login. Log in again if you need another.")
    assert len(phone.requests()) == RESEND_LIMIT + 1
    # new logins, on B and A in turn, until the account's cap: pushes from both count
    for sent in range(RESEND_LIMIT + 2, PUSH_CAP + 1):
        instance = (a, b)[sent % 2]
        user.login(page, instance, username)
        expect(page).to_have_url(f"{instance.url}/auth/login/push")
        assert len(phone.requests()) == sent
    # the cap is reached on both: a right password sends nothing more, on A or on B
    for instance in (a, b):
        user.login(page, instance, username)
        expect(page).to_have_url(re.compile(re.escape(instance.url) + r"/auth/login$"))
        expect(page.get_by_role("alert")).to_have_text(
            "Too many login requests for this account. Please try again later.")
    assert len(phone.requests()) == PUSH_CAP
    # and Authy was asked to send exactly that many (the GETs ask about the logins ended)
    assert onetouch_calls(fake_authy).count("POST") == PUSH_CAP
