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
