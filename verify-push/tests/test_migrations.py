import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import db

STAGE = Path(__file__).resolve().parent.parent
# The newest migration of stage 06: the database a reader has who ran chapter 06's app.
STAGE_06 = "8e4b7c2d9f16"


def flask_db_upgrade(url, revision="head"):
    """`flask db upgrade` run from the stage folder, as the README says."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade", revision],
        cwd=STAGE,
        env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "migration-test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_migrations_match_models(empty_database_url):
    # from an empty database: on SQLite, and on PostgreSQL with pytest --database=postgresql
    flask_db_upgrade(empty_database_url)
    # the migrated database has exactly the tables and columns the models describe
    engine = sa.create_engine(empty_database_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    engine.dispose()


def test_upgrade_keeps_the_data(empty_database_url):
    # a database of stage 06, with a user who has 2FA and a login that waited for the phone
    flask_db_upgrade(empty_database_url, STAGE_06)
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            'INSERT INTO "user" (id, username, email, password_hash, username_key, authy_id)'
            " VALUES (1, 'ada', 'ada@example.com', 'scrypt:hash', 'ada', 42)"
        ))
        connection.execute(sa.text(
            "INSERT INTO pending_login (id, user_id, authy_uuid, remember, next_url, created_at, expires_at,"
            " status) VALUES ('a', 1, 'u', false, '/', '2026-01-01 10:00:00', '2026-01-01 10:02:00', 'approved')"
        ))
    # final's migrations add columns to both tables, and fill the new ones; Verify's replaces
    # the Authy id with the (empty) factor columns
    flask_db_upgrade(empty_database_url)
    with engine.connect() as connection:
        user = connection.execute(sa.text('SELECT * FROM "user"')).mappings().one()
        login = connection.execute(sa.text("SELECT * FROM pending_login")).mappings().one()
    engine.dispose()
    assert (user["username"], user["email"], user["password_hash"], user["factor_sid"]) == (
        "ada", "ada@example.com", "scrypt:hash", None
    )
    assert "authy_id" not in user
    assert len(user["session_token"]) > 20  # each existing user gets a token of their own
    assert (login["user_id"], login["challenge_sid"], login["sends"]) == (1, "u", 1)


def test_upgrade_from_authy_turns_2fa_off_and_ends_waiting_logins(empty_database_url):
    # a database of final (Authy) with a user who had 2FA and a login waiting for Authy
    flask_db_upgrade(empty_database_url, "f2b3c4d5e6a7")  # final's head
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            'INSERT INTO "user" (id, username, username_key, email, password_hash, authy_id, session_token)'
            " VALUES (1, 'alice', 'alice', 'a@example.com', 'x', 1000001, 't')"))
        connection.execute(sa.text(
            "INSERT INTO pending_login (id, user_id, authy_uuid, code, remember, next_url, created_at,"
            " expires_at, status, sends, sent_at, code_tries)"
            " VALUES ('p', 1, 'uuid-at-authy', '1234', false, '/', '2026-01-01', '2099-01-01', 'pending', 1,"
            " '2026-01-01', 0)"))
    flask_db_upgrade(empty_database_url)
    with engine.connect() as connection:
        user = connection.execute(sa.text('SELECT verify_identity, factor_sid, factor_status FROM "user"')).one()
        login = connection.execute(sa.text("SELECT challenge_sid, status, consumed_at FROM pending_login")).one()
    engine.dispose()
    # a phone at Authy is no factor at Verify: 2FA is off until the user enables it again
    assert tuple(user) == (None, None, None)
    # and the login that waited for Authy has ended
    assert (login.challenge_sid, login.status) == ("uuid-at-authy", "cancelled")
    assert login.consumed_at is not None
