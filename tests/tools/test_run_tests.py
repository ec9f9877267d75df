"""tools/run_tests.py: how a part's outcome is read and counted."""

import re
import subprocess
import sys
from pathlib import Path

from tools.run_tests import Part
from tools.run_tests import Result
from tools.run_tests import progress
from tools.run_tests import summary_counts
from tools.run_tests import table
from tools.stages import ROOT


def test_counts_come_from_pytests_last_summary_line():
    output = ("tests/test_x.py ..F\n"
              "\x1b[31m==== \x1b[1m1 failed\x1b[0m, 2 passed, 1 skipped, 3 errors in 0.52s ====\x1b[0m\n")
    assert summary_counts(output) == {"failed": 1, "passed": 2, "skipped": 1, "errors": 3}
    assert summary_counts("ImportError while loading conftest\n") == {}


def result(status, must_have_tests=True, output=""):
    return Result(Part("stages/01-x", Path("."), [], must_have_tests), status, 1.0, output, summary_counts(output))


def test_no_tests_collected_fails_only_a_part_that_has_tests():
    assert not result(5).ok and result(5).count("failed") == 1
    assert result(5, must_have_tests=False).ok and result(5, must_have_tests=False).count("failed") == 0
    # a part that crashed without a summary still counts as one failure
    assert result(4).count("failed") == 1
    assert result(1, output="== 2 failed, 1 error, 5 passed in 1s ==").count("failed") == 3


def test_the_table_names_each_part_and_its_result():
    assert table([result(0, output="== 5 passed in 1.00s =="), result(5, must_have_tests=False)]).splitlines() == [
        "part         result     passed   failed  skipped  seconds",
        "stages/01-x  ok              5        0        0      1.0",
        "stages/01-x  no tests        0        0        0      1.0",
    ]


def test_the_progress_line_of_a_part():
    assert progress(3, 9, result(0, output="== 41 passed in 21.7s ==")) == "[3/9] stages/01-x: 41 passed in 1 s"
    assert progress(1, 2, result(1, output="== 2 failed, 5 passed, 1 skipped in 1s ==")) == (
        "[1/2] stages/01-x: FAILED, 2 failed, 5 passed, 1 skipped in 1 s")
    assert progress(2, 2, result(5, must_have_tests=False)) == "[2/2] stages/01-x: no tests in 1 s"


def test_make_test_says_when_each_part_starts_and_ends():
    """Two parts at a time, whose output comes only when they end: the lines show it moving."""
    done = subprocess.run([sys.executable, "-m", "tools.run_tests", "01", "02", "--", "-k", "test_repr"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in ("stages/01-register-login", "stages/02-profile-link"):
        started = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\[[12]/2\] {name}: started", line))
        ended = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\[[12]/2\] {name}: 1 passed in \d+ s", line))
        banner = next(i for i, line in enumerate(lines) if line.startswith(f"==================== {name}: ok"))
        assert started < ended < banner  # then the part's own output, whole
