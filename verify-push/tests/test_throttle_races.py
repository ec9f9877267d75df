"""Races in the throttle: many requests at once, through a real threaded server, end in
normal answers (never a 500), and the counts stay right."""

import re
import threading
from contextlib import contextmanager

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app import db
from app import throttle
from app.models import Hit
from conftest import PASSWORD
from conftest import at_once

BROWSERS = 20


@contextmanager
def serving(app):
    """The app behind werkzeug's threaded server (as `flask run`), on a free port: its URL."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server_port}"
    served.shutdown()
    served.server_close()


@pytest.fixture
def server(app):
    with serving(app) as url:
        yield url


def browser(url, path):
    """A new browser with the form's CSRF token of the page at `path`."""
    session = requests.Session()
    page = session.get(url + path, timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    return session, token


def logins(url, passwords, answers=None):
    """One browser per password, each logging in to "test" with it, all at the same moment;
    the status of each answer (and the answers themselves in the list `answers`)."""
    browsers = [browser(url, "/auth/login") for _ in passwords]

    def log_in(number):
        session, token = browsers[number]
        data = {"csrf_token": token, "username": "test", "password": passwords[number]}
        answer = session.post(url + "/auth/login", data=data, timeout=60, allow_redirects=False)
        if answers is not None:
            answers.append(answer)
        return answer.status_code

    return at_once(len(passwords), log_in)


def hits(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Hit))


def test_wrong_passwords_at_once(app, server):
    statuses = logins(server, ["wrong"] * BROWSERS)
    assert 500 not in statuses
    assert set(statuses) <= {200, 429}


def test_right_passwords_at_once(app, server):
    # each right password gives back its own tickets, never another request's
    statuses = logins(server, [PASSWORD] * BROWSERS)
    assert set(statuses) <= {302, 429}
    assert 302 in statuses
    assert hits(app) == 0


def test_right_and_wrong_passwords_at_once(app, server):
    passwords = [PASSWORD if number % 3 == 0 else "wrong" for number in range(3 * BROWSERS)]
    statuses = logins(server, passwords)
    assert 500 not in statuses
    assert set(statuses) <= {200, 302, 429}


def test_a_database_too_busy_to_wait_for_is_a_503(app, database):
    if database != "sqlite":
        pytest.skip("SQLite's write lock")
    # A flood of failed logins longer than SQLITE_TIMEOUT; here a timeout of 0, so that
    # requests that find another writing fail at once with "database is locked".
    impatient = create_app(type("Impatient", (), {**app.config, "SQLITE_TIMEOUT": 0}))
    answers = []
    with serving(impatient) as url:
        statuses = logins(url, ["wrong"] * BROWSERS, answers)
    with impatient.app_context():
        db.engine.dispose()
    # no 500: those the database refused are told to try again in a moment
    assert 503 in statuses
    assert set(statuses) <= {200, 429, 503}
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert "Busy, please try again" in busy.text
    assert busy.headers["Retry-After"] == "5"


def test_sqlite_waits_for_its_turn(app, database):
    if database != "sqlite":
        pytest.skip("a setting of SQLite's")
    # a request waits up to half a minute for another's write (Python's default is 5 s)
    with app.app_context():
        assert db.session.scalar(sa.text("PRAGMA busy_timeout")) == 30_000


@pytest.fixture
def held_commit(app):
    """Hold the first commit of one thread until another thread has finished (at most a
    second): the worst moment for two requests to race. Returns start(action) for the held
    thread and then(action) for the other, which starts once the first has written its row."""
    written, finished = threading.Event(), threading.Event()
    held = set()

    def before_commit(connection):
        if threading.get_ident() in held:
            held.discard(threading.get_ident())
            written.set()
            finished.wait(timeout=1)  # with the lock, the other thread waits for this commit

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", before_commit)

    def first(action):
        def run(number):
            held.add(threading.get_ident())
            with app.app_context():
                return action()
        return run

    def second(action):
        def run(number):
            assert written.wait(timeout=10)
            try:
                with app.app_context():
                    return action()
            finally:
                finished.set()
        return run

    yield first, second
    sa.event.remove(engine, "commit", before_commit)


def race(first, second, held_commit):
    hold, then = held_commit
    actions = [hold(first), then(second)]
    return at_once(2, lambda number: actions[number](number))


def test_a_ticket_committed_late_still_counts(app, held_commit):
    # two requests for the last place of a limit; the first is slow to commit its ticket. On
    # PostgreSQL, ids are handed out before commit: the second could count before the first's
    # row is visible, and both would pass. A lock on the key (app/throttle.py) makes it wait.
    answers = race(lambda: throttle.allow("k", 1, 60), lambda: throttle.allow("k", 1, 60), held_commit)
    assert answers == [True, False]


def test_a_failure_committed_late_still_counts(app, held_commit):
    app.config.update(PASSWORD_FREE_FAILURES=1, PASSWORD_BACKOFF=30)
    # one failure costs nothing, the next waits: the second attempt must see the first
    waits = race(lambda: throttle.backoff("k"), lambda: throttle.backoff("k"), held_commit)
    assert waits[0] == 0
    assert waits[1] > 0
