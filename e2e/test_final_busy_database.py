"""A database busy for a moment does not lose a login that waits for the phone (final, and
the verify-push variant).

When SQLite stays locked longer than SQLITE_TIMEOUT (or PostgreSQL longer than
POSTGRESQL_LOCK_TIMEOUT), a request gets 503 "Busy, please try again" with Retry-After
(app/errors/handlers.py), and its transaction is rolled back: the waiting login is still
open. The waiting page's poll.js then says the site is busy and asks again after those
seconds, instead of stopping; the phone's approval signs in once the database is free.
"""

import sqlite3
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from test_push_login import log_in_again as log_in_again_with_authy
from test_verify_push import log_in_again as log_in_again_with_verify

STATUS_PATH = "/auth/login/push/status"


@contextmanager
def database_locked(app):
    """Another connection holds SQLite's write lock on `app`'s database until the block ends."""
    holder = sqlite3.connect(app.env["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


def approve_while_busy(page, app, phone, username):
    """On the waiting page: the database is locked, a poll gets 503, the phone approves; once
    the lock is gone, the page's next poll signs in."""
    status = page.get_by_role("status")
    with database_locked(app):
        with page.expect_response(lambda answer: answer.url.endswith(STATUS_PATH) and answer.status == 503) as busy:
            pass
        assert busy.value.headers["retry-after"] == "5"
        expect(status).to_have_text("The site is busy. Trying again in 5 seconds.")
        phone.approve_latest()
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible(timeout=15_000)


@pytest.mark.since("final")
def test_a_busy_database_delays_the_login_and_loses_nothing(page, start_app, user, phone):
    app = start_app(SQLITE_TIMEOUT="0.5")  # a poll gives up on the lock after half a second
    username = user.enable_2fa(page, app, phone)
    log_in_again_with_authy(page, app, user, username)
    approve_while_busy(page, app, phone, username)


@pytest.mark.variant("verify-push")
def test_a_busy_database_delays_the_verify_login_and_loses_nothing(page, start_app, user, phone):
    app = start_app(SQLITE_TIMEOUT="0.5")
    username = user.enable_2fa(page, app, phone)
    log_in_again_with_verify(page, app, user, username)
    approve_while_busy(page, app, phone, username)
