"""A throwaway PostgreSQL server for the tests, made from the PostgreSQL installed on the machine.

    with PostgresServer.start() as server:     # initdb into a temporary folder, then pg_ctl start
        server.url                             # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
        server.create_database("t1")           # an empty database; its URL
    # stopped and its folder removed

final's tests use it when run with `--database=postgresql` (final/tests/conftest.py), and
`make test` runs them so (tools/run_tests.py). The server listens on 127.0.0.1 on a free
port, trusts every local connection (it holds nothing but test data, and lives for one test
run), and writes nothing to disk that it must keep (fsync off), which makes it fast.

Debian and Ubuntu put PostgreSQL's programs in /usr/lib/postgresql/<version>/bin, not on
PATH: `find_bin()` looks there too (newest version first), after PG_BIN and PATH. PostgreSQL
refuses to run as root (a server holding root's rights is a risk): under root, the server
runs as the `postgres` user (the packages create it) or, without one, as `nobody`.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

# Where packages put PostgreSQL's programs when not on PATH: Debian and Ubuntu; Fedora and
# RHEL (the PGDG packages); Homebrew on macOS.
PLACES = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql@*/bin",
          "/usr/local/opt/postgresql@*/bin")
INSTALL = "install PostgreSQL (on Debian or Ubuntu: sudo apt-get install postgresql)"


class PostgresMissing(Exception):
    """No PostgreSQL on this machine; the message says what was searched and what to do."""


def find_bin() -> Path:
    """The folder holding PostgreSQL's initdb and pg_ctl: PG_BIN, else PATH, else the usual
    folders of packages (the newest version)."""
    if os.environ.get("PG_BIN"):
        folder = Path(os.environ["PG_BIN"])
        if not (folder / "pg_ctl").exists():
            raise PostgresMissing(f"PG_BIN={folder} has no pg_ctl")
        return folder
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = [Path(p) for pattern in PLACES for p in glob.glob(pattern) if (Path(p) / "pg_ctl").exists()]
    if not found:
        raise PostgresMissing(f"no PostgreSQL found (no pg_ctl on PATH or in {', '.join(PLACES)}): {INSTALL},"
                              " or set PG_BIN to the folder of its pg_ctl")
    return max(found, key=lambda folder: [int(n) for n in re.findall(r"\d+", str(folder))] or [0])


def server_user() -> str | None:
    """The user to run the server as: None for the current one; under root, another."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            return name
    raise PostgresMissing("running as root, and there is no postgres or nobody user to run PostgreSQL as")


def missing() -> str:
    """Why no PostgreSQL server can be started here ("" when one can)."""
    try:
        find_bin()
        server_user()
    except PostgresMissing as error:
        return str(error)
    return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path, folder: Path, port: int, user: str | None):
        self.bin_dir, self.folder, self.port, self.user = bin_dir, folder, port, user
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        self._connection = None  # _admin()'s

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = find_bin()
        user = server_user()
        folder = Path(tempfile.mkdtemp(prefix="push2fa-postgres-"))
        server = cls(bin_dir, folder, free_port(), user)
        try:
            if user:
                shutil.chown(folder, user)
            server._run("initdb", "--pgdata", str(server.data), "--username", "postgres", "--auth", "trust",
                        "--encoding", "UTF8", "--locale", "C", "--no-sync")
            options = (f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
                       " -c synchronous_commit=off -c full_page_writes=off")
            server._run("pg_ctl", "start", "--wait", "--pgdata", str(server.data), "--log", str(server.log),
                        "-o", options)
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    def stop(self) -> None:
        """Stop the server at once (nothing in it is worth a clean shutdown) and remove its folder."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "--wait", "--pgdata", str(self.data), "--mode", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def database_url(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _admin(self):
        """A connection to the server's own database, for creating and dropping others."""
        import psycopg

        if self._connection is None:
            self._connection = psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                                               dbname="postgres", autocommit=True)
        return self._connection

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a quick file copy); its URL."""
        admin = self._admin()
        copy = f" TEMPLATE {template}" if template else ""
        if template and admin.info.server_version >= 150000:  # 15 copies with the WAL by default, slower here
            copy += " STRATEGY FILE_COPY"
        admin.execute(f"CREATE DATABASE {name}{copy}")
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing whatever connections a test left open to it."""
        self._admin().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
