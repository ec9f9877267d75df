"""The benchmark (`make bench`, tools/bench.py) still runs: one login against the newest app with push login.

This checks that the script works and prints sane numbers, not that the targets are met:
speed is measured by `make bench` on a quiet machine, never by a timed test.
"""

import re
import subprocess
import sys

import pytest

from tools import bench
from tools import stages

ROOT = stages.ROOT
WITH_PUSH = [stage.id for stage in stages.present() if stage.id in ("05", "06", "final")]
NUMBER = r"(\d+(?:\.\d+)?)"


@pytest.fixture(scope="module")
def output():
    if not WITH_PUSH:
        pytest.skip("no stage with push login exists yet")
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench", "-n", "1", "--targets", WITH_PUSH[-1], "--no-make-test", "--no-demo"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def targets_run():
    """The targets the benchmark runs for the newest stage (final: with callbacks too, when it has them)."""
    targets, _ = bench.choose(bench.available(), WITH_PUSH[-1])
    return [target.id for target in targets]


def row(output, title, target):
    """The numbers of one target's row in the table under `title`."""
    table = output.split(title, 1)[1]
    found = re.search(rf"^{re.escape(target)} +(.+)$", table, re.MULTILINE)
    assert found, f"no row for {target} under {title!r}:\n{output}"
    return found[1].split()


def test_it_says_on_what_machine_and_with_which_command(output):
    assert re.search(r"^machine: +\d+ cores, .+, [\d.]+ GiB memory, .+, Python 3\.\d+", output, re.MULTILINE)
    assert re.search(r"^command: +\S+ -m tools.bench -n 1 --targets \S+ --no-make-test --no-demo", output, re.MULTILINE)
    assert re.search(r"^browser: +Chromium \d+", output, re.MULTILINE)


def test_each_target_has_sane_numbers(output):
    for target in targets_run():
        assert re.search(rf"^  login  1: approved {NUMBER} s after the push appeared, signed in {NUMBER} s later",
                         output, re.MULTILINE), output
        logins, middle, p95, most, created, status, other, polls, per_poll, logins_s, wall_s = row(
            output, "wall times:", target)
        assert logins == "1"
        assert middle == p95 == most  # one login: all three are its time
        assert 0 < float(middle) < bench.WAIT_MS / 1000
        assert float(created) == 1  # one login, one push
        assert float(status) >= 0 and float(other) >= 0
        if target == "final-callbacks":
            assert per_poll == "-" or float(per_poll) >= 0
        else:
            # Polling: the answer came with a poll, and each poll asked Authy at least nothing.
            assert float(polls) >= 1 and float(per_poll) >= 0
        assert float(middle) < float(logins_s) < float(wall_s)

        interval, next_poll, poll, page, first_byte, redirects, clock = row(output, "until shown:", target)
        # The time from the approval includes the new page's own time until it is shown.
        assert 0 < float(page) <= float(middle) * 1000
        assert 0 < float(first_byte) <= float(page)
        assert int(redirects) >= 0
        assert float(clock) < 50  # the page's clock and ours were matched closely enough to trust


def test_it_says_pass_or_miss_for_each_target(output):
    verdicts = output.split("Targets (issue 8):", 1)[1]
    for target in targets_run():
        assert re.search(rf"^(PASS|MISS) {re.escape(target)}: median approval to signed in {NUMBER} s, target < ",
                         verdicts, re.MULTILINE), verdicts


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert bench.percentile(values, 0.95) == 19
    assert bench.percentile(values, 0.5) == 10
    assert bench.percentile([3.0], 0.95) == 3
