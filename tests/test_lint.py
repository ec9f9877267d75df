"""The lint: `ruff check` with the rules in pyproject.toml ([tool.ruff]) finds nothing.

`make lint` runs the same alone; `.venv/bin/ruff check --fix .` fixes most findings.
"""

import subprocess
import sys

from tools.stages import ROOT

RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"]


def ruff(*args: str, text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*RUFF, *args], cwd=ROOT, input=text, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing():
    result = ruff(".")
    found = result.stdout + result.stderr
    assert result.returncode == 0, f"ruff check found this (`.venv/bin/ruff check --fix .` fixes most):\n{found}"


def test_ruff_applies_the_configured_rules():
    """The rules are in effect for the repository's code: a file in tools/ that breaks some is flagged."""
    bad = "\n".join([
        "from typing import Optional",
        "import os",
        "from tools.stages import ROOT, load",
        "",
        "",
        "def f(x: Optional[int], seen=[]):",
        "    if x in {1: 2}.keys():",
        "        return os.sep + str(ROOT) + str(load) + str(seen)",
        "",
    ])
    result = ruff("--stdin-filename", "tools/not_a_real_file.py", "-", text=bad)
    assert result.returncode == 1, result.stdout + result.stderr
    for code in ("I001", "UP045", "B006", "SIM118"):
        assert code in result.stdout, result.stdout
