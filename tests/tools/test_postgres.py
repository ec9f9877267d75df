"""tools/postgres.py, the PostgreSQL server final's tests start for themselves, and when
make test (tools/run_tests.py) runs, skips or requires that pass."""

import os
from pathlib import Path

import pytest

from tools import postgres
from tools.run_tests import Part
from tools.run_tests import Result
from tools.run_tests import postgresql_skipped
from tools.run_tests import progress
from tools.run_tests import table


def pg_ctl_in(folder):
    folder.mkdir(parents=True)
    (folder / "pg_ctl").write_text("")
    return folder


def test_finds_debians_newest_postgresql_off_the_path(tmp_path, monkeypatch):
    # Debian keeps each version's programs in /usr/lib/postgresql/<version>/bin, not on PATH
    for version in ("9.6", "13", "15"):
        pg_ctl_in(tmp_path / "lib" / version / "bin")
    monkeypatch.setattr(postgres, "PLACES", (str(tmp_path / "lib" / "*" / "bin"),))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("PG_BIN", raising=False)
    assert postgres.find_bin() == tmp_path / "lib" / "15" / "bin"
    # PG_BIN names another one
    monkeypatch.setenv("PG_BIN", str(tmp_path / "lib" / "13" / "bin"))
    assert postgres.find_bin() == tmp_path / "lib" / "13" / "bin"


def test_says_what_to_install_when_there_is_none(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "PLACES", (str(tmp_path / "*" / "bin"),))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PG_BIN", raising=False)
    assert postgres.missing().startswith("no PostgreSQL found")
    assert "apt-get install postgresql" in postgres.missing()


def test_the_postgresql_pass_is_skipped_only_outside_ci(monkeypatch):
    monkeypatch.setattr(postgres, "missing", lambda: "no PostgreSQL found")
    # a learner without PostgreSQL: skipped, saying why and what would make it a failure
    assert postgresql_skipped({}) == "no PostgreSQL found (CI, or POSTGRESQL=require, makes this a failure)"
    assert postgresql_skipped({"CI": "false"}).startswith("no PostgreSQL found")
    # CI, or asked for: it runs (and its pytest fails, naming what is missing)
    assert postgresql_skipped({"CI": "true"}) == ""
    assert postgresql_skipped({"POSTGRESQL": "require"}) == ""
    # skipped on purpose
    assert postgresql_skipped({"POSTGRESQL": "skip", "CI": "true"}) == "POSTGRESQL=skip"
    monkeypatch.setattr(postgres, "missing", lambda: "")
    assert postgresql_skipped({}) == ""


def test_a_skipped_part_says_why_in_one_line():
    part = Part("final-postgresql", Path("."), [], must_have_tests=True, needs_postgresql=True)
    skipped = Result(part, 0, 0.0, "", skipped="no PostgreSQL found")
    assert skipped.ok
    assert progress(9, 10, skipped) == "[9/10] final-postgresql: skipped: no PostgreSQL found"
    assert table([skipped]).splitlines()[1].split()[:2] == ["final-postgresql", "skipped"]


# Skipped where make test skips its PostgreSQL pass too; in CI (or POSTGRESQL=require) it
# runs, and a missing PostgreSQL fails it.
@pytest.mark.skipif(bool(postgresql_skipped()), reason=postgresql_skipped() or "runs")
def test_a_server_of_its_own_started_and_removed():
    import psycopg
    with postgres.PostgresServer.start() as server:
        # under root, the server runs as another user: PostgreSQL refuses root
        assert (server.user is None) == (os.geteuid() != 0)
        url = server.create_database("made")
        assert url.endswith(f"127.0.0.1:{server.port}/made")
        with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="made") as connection:
            assert connection.execute("SELECT 1 + 1").fetchone() == (2,)
        server.drop_database("made")
        folder = server.folder
        assert folder.exists()
    assert not folder.exists()
