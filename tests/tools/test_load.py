"""The load test (`make bench WHAT=load`, tools/load.py) still runs: a tiny one, 5 logins on SQLite.

This checks what must hold at any size (every login signed in, no error, exactly one push
per login, every number there), not speed: speed is measured by `make bench` on a quiet
machine, never by a timed test.
"""

import re
import subprocess
import sys

import pytest

from tools import load
from tools import stages

ROOT = stages.ROOT
NUMBER = re.compile(r"^\d+(\.\d+)?$")
COMMAND = ["-m", "tools.load", "-u", "5", "--rate", "5", "--delay", "0.2,0.5", "--databases", "sqlite",
           "--workers", "1", "--modes", "callbacks", "--markdown"]


@pytest.fixture(scope="module")
def output():
    done = subprocess.run([sys.executable, *COMMAND], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rows(output, title):
    """The rows of the first Markdown table after `title`, as {column: cell}."""
    lines = output.split(title, 1)[1].splitlines() if title else output.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("|")):]
    lines = lines[:next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return [dict(zip(cells[0], row)) for row in cells[2:]]


def test_every_login_signs_in_with_one_push_and_no_error(output):
    [row] = rows(output, "The logins")
    assert row["configuration"] == "sqlite, 1 workers, callbacks"
    assert row["logins"] == row["signed in"] == row["peak waiting"] == "5"  # all five waited at once
    assert row["errors"] == "0"
    assert row["pushes/login"] == "1.00"


def test_every_number_is_there(output):
    [row] = rows(output, "The logins")
    for column in ("logins/s", "Authy calls/waiting login/s", "CPU s/login: app", "fake", "Locust",
                   "slowest p95 ms", "load avg"):
        assert NUMBER.match(row[column]), f"{column}: {row[column]!r}"
    assert float(row["logins/s"]) > 0 and float(row["CPU s/login: app"]) > 0
    # With callbacks, one Authy call per login confirms the approval: never none.
    assert float(row["Authy calls/waiting login/s"]) > 0
    assert row["PostgreSQL"] == "-"  # SQLite: no database server to measure


def test_every_page_is_timed(output):
    pages = {row["page"]: row for row in rows(output, "Every page's time")}
    assert set(pages) == {"GET /auth/login", "POST /auth/login", "GET /auth/login/push",
                          "POST /auth/login/push/status", "GET /"}
    for page, row in pages.items():
        assert int(row["requests"]) >= 5, page  # each of the five users asked each page once at least
        times = [float(row[name]) for name in ("p50 ms", "p95 ms", "p99 ms", "max ms")]
        assert times == sorted(times) and times[0] >= 0, page


def test_it_says_how_and_when_it_ran(output):
    assert re.search(r"^command: +python -m tools.load -u 5 ", output, re.MULTILINE)
    assert re.search(r"^date: .* UTC; \d+ CPUs; load average [\d.]+ [\d.]+ [\d.]+", output, re.MULTILINE)


def test_it_prints_numbers_and_judges_nothing(output):
    assert not re.search(r"\b(PASS|MISS|FAIL)\b", output), output


def test_the_knee_is_the_first_level_over_the_limit():
    def level(users, p95, errors=()):
        return load.Level(users, results={"times": {"GET /": [p95]}, "errors": list(errors), "logins": []})

    run = load.Run(load.Config("sqlite", 2, "callbacks"), levels=[level(50, 120), level(100, 450)])
    [row] = rows(load.knees([run], 300, markdown=True), "")
    assert row["knee"] == "100 logins: p95 450 ms (GET /)"
    assert row["last level within"] == "50"

    calm = load.Run(load.Config("sqlite", 2, "callbacks"), levels=[level(50, 120), level(100, 150)])
    [row] = rows(load.knees([calm], 300, markdown=True), "")
    assert row["knee"] == "not reached" and row["last level within"] == "100"

    failing = load.Run(load.Config("sqlite", 2, "callbacks"), levels=[level(50, 120, ["GET /: 500"])])
    [row] = rows(load.knees([failing], 300, markdown=True), "")
    assert row["knee"] == "50 logins: 1 errors" and row["last level within"] == "-"
