"""Final under gunicorn with two worker processes, as in production (final only).

Requests of one login may land on different processes: the password step on one, the
polls on another. It works only because nothing lives in a process's memory: the session
is the signed cookie, the pending login and everything else are in the database. Which
process answers is up to the operating system; final/tests/test_gunicorn.py makes one
login move between processes for certain.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from fake_authy.testing import wait_for
from test_push_login import log_in_again

WORKERS = 2
SLOW_AUTHY = 3  # seconds the fake Authy takes to answer in the second scenario


@pytest.fixture
def gunicorn_app(start_app):
    """Final served by gunicorn (its gunicorn.conf.py) with two workers, not by `flask run`."""
    return start_app(workers=WORKERS)


def worker_pids(app):
    """The workers gunicorn has booted, from its log ("Booting worker with pid: N")."""
    return set(re.findall(r"Booting worker with pid: (\d+)", app.output_tail(1000)))


def wait_for_workers(app, count):
    wait_for(lambda: len(worker_pids(app)) >= count, 15, lambda: f"{count} workers (booted: {worker_pids(app)})")


@pytest.mark.since("final")
def test_whole_flow_under_gunicorn(page, gunicorn_app, user, phone):
    wait_for_workers(gunicorn_app, WORKERS)
    # register, enable 2FA by scanning, log out, log in with the phone, disable 2FA
    username = user.enable_2fa(page, gunicorn_app, phone)
    log_in_again(page, gunicorn_app, user, username)
    phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Disable two-factor authentication").click()
    page.get_by_role("button", name="Disable").click()
    expect(page.get_by_text("Two-factor authentication is now disabled.")).to_be_visible()
    # gunicorn's access log names the worker that answered each request: gunicorn's, not flask run
    log = gunicorn_app.output_tail(1000)
    answered_by = set(re.findall(r" worker=<(\d+)>", log))
    assert re.search(r'"POST /auth/login HTTP/1.1" 302 .* worker=<\d+>', log)
    assert answered_by and answered_by <= worker_pids(gunicorn_app)


@pytest.mark.since("final")
def test_a_slow_authy_holds_one_worker_not_the_site(
    context, page, gunicorn_app, user, phone, fake_authy
):
    wait_for_workers(gunicorn_app, WORKERS)
    username = user.enable_2fa(page, gunicorn_app, phone)
    page.get_by_role("button", name="Logout").click()
    # Authy is slow: the login's POST waits for it, holding one worker
    fake_authy.set_fault("slow", seconds=SLOW_AUTHY)
    page.goto(f"{gunicorn_app.url}/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(user.password)
    with page.expect_request(lambda request: request.method == "POST" and request.url.endswith("/auth/login")):
        page.get_by_role("button", name="Login").click(no_wait_after=True)
    login_sent = time.monotonic()
    # meanwhile another visitor is served at once, by the other worker
    visitor = context.new_page()
    started = time.monotonic()
    visitor.goto(f"{gunicorn_app.url}/auth/register")
    expect(visitor.get_by_role("button", name="Register")).to_be_visible()
    assert time.monotonic() - started < SLOW_AUTHY - 1
    # and the slow login, which really waited for Authy all that time, gets where it was going
    expect(page).to_have_url(f"{gunicorn_app.url}/auth/login/push", timeout=15_000)
    assert time.monotonic() - login_sent >= SLOW_AUTHY
    fake_authy.set_fault("none")
