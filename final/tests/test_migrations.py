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
    # final's migrations add columns to both tables, and fill the new ones
    flask_db_upgrade(empty_database_url)
    with engine.connect() as connection:
        user = connection.execute(sa.text('SELECT * FROM "user"')).mappings().one()
        login = connection.execute(sa.text("SELECT * FROM pending_login")).mappings().one()
    engine.dispose()
    assert (user["username"], user["email"], user["password_hash"], user["authy_id"]) == (
        "ada", "ada@example.com", "scrypt:hash", 42
    )
    assert len(user["session_token"]) > 20  # each existing user gets a token of their own
    assert (login["user_id"], login["authy_uuid"], login["status"], login["sends"]) == (1, "u", "approved", 1)
