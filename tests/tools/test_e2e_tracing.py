"""e2e/conftest.py: a Playwright trace per failed scenario in CI, none locally unless asked."""

import os
import subprocess
import sys

import pytest

from tools import stages

# A plugin that prints the tracing option e2e's scenarios would run with, once configured.
SHOW_TRACING = """
def pytest_collection_finish(session):
    print("tracing:", session.config.getoption("--tracing"))
"""


def tracing(tmp_path, *args, ci=None):
    (tmp_path / "show_tracing.py").write_text(SHOW_TRACING)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    if ci is not None:
        env["CI"] = ci
    run = subprocess.run([sys.executable, "-m", "pytest", "e2e", "--collect-only", "-q", "-p", "show_tracing", *args],
                         cwd=stages.ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    [shown] = [line for line in run.stdout.splitlines() if line.startswith("tracing:")]
    return shown.removeprefix("tracing: ")


@pytest.mark.parametrize("ci, args, expected", [
    (None, [], "off"),                                            # a local run records no trace
    (None, ["--tracing", "retain-on-failure"], "retain-on-failure"),  # unless asked
    ("true", [], "retain-on-failure"),                            # CI keeps the failures' traces
    ("1", [], "retain-on-failure"),
    ("false", [], "off"),                                         # CI=false is not CI
    ("true", ["--tracing", "off"], "off"),                        # the command line wins in CI too
    ("true", ["--tracing=on"], "on"),
])
def test_traces_are_kept_in_ci_or_when_asked(tmp_path, ci, args, expected):
    assert tracing(tmp_path, *args, ci=ci) == expected
