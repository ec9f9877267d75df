"""tools/run_tests.py: how a part's outcome is read and counted."""

from pathlib import Path

from tools.run_tests import Part
from tools.run_tests import Result
from tools.run_tests import summary_counts
from tools.run_tests import table


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
