import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import db

STAGE = Path(__file__).resolve().parent.parent


def test_migrations_match_models(tmp_path):
    url = "sqlite:///" + str(tmp_path / "migrated.db")
    # `flask db upgrade` run from the stage folder, as the README says
    result = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=STAGE,
        env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "migration-test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # the migrated database has exactly the tables and columns the models describe
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
    engine.dispose()


def test_upgrade_from_authy_turns_2fa_off_and_ends_waiting_logins(tmp_path):
    # a database of final (Authy) with a user who had 2FA and a login waiting for Authy
    url = "sqlite:///" + str(tmp_path / "final.db")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "migration-test"}

    def upgrade(revision):
        done = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade", revision], cwd=STAGE,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr

    upgrade("f2b3c4d5e6a7")  # final's head
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO user (id, username, username_key, email, password_hash, authy_id, session_token)"
            " VALUES (1, 'alice', 'alice', 'a@example.com', 'x', 1000001, 't')"))
        connection.execute(sa.text(
            "INSERT INTO pending_login (id, user_id, authy_uuid, code, remember, next_url, created_at,"
            " expires_at, status, sends, sent_at, code_tries)"
            " VALUES ('p', 1, 'uuid-at-authy', '1234', 0, '/', '2026-01-01', '2099-01-01', 'pending', 1,"
            " '2026-01-01', 0)"))
    upgrade("head")
    with engine.connect() as connection:
        user = connection.execute(sa.text("SELECT verify_identity, factor_sid, factor_status FROM user")).one()
        login = connection.execute(sa.text("SELECT challenge_sid, status, consumed_at FROM pending_login")).one()
    engine.dispose()
    # a phone at Authy is no factor at Verify: 2FA is off until the user enables it again
    assert tuple(user) == (None, None, None)
    # and the login that waited for Authy has ended
    assert (login.challenge_sid, login.status) == ("uuid-at-authy", "cancelled")
    assert login.consumed_at is not None
