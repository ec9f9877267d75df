"""Run every test suite in the repository, each in its own pytest process, and sum them up.

    python -m tools.run_tests                         # everything: what `make test` runs
    python -m tools.run_tests stages/01-register-login e2e
    python -m tools.run_tests e2e -- -k login --headed   # after --, arguments for pytest

The parts: tests/ (the repository's own tests), every stage folder in stages/stages.toml
(a missing one stops it before anything runs), final/, the variants beside final
(verify-push/), final-postgresql (final's tests again, on a PostgreSQL server of their own:
see tools/postgres.py), verify-push-postgresql (the same for the variant), and e2e/. A
stage runs from inside its folder, in its own process, so the `app` packages of different
stages never meet. Two parts run at a time by default (-j); a line says when each part
starts and ends ("[3/9] stages/03-enable-confirmation: 41 passed in 22 s"), and each part's
output is printed whole when it ends. The last line is the total.

The -postgresql parts need PostgreSQL on the machine. Without it, they are skipped with a
line saying why, unless it is required: under CI (the environment variable CI, which .ci/run
sets) or with POSTGRESQL=require, they then fail. POSTGRESQL=skip skips them on purpose.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from tools import postgres
from tools import stages

ROOT = stages.ROOT
NO_TESTS_COLLECTED = 5
COUNTED = ("passed", "failed", "errors", "skipped")


@dataclass
class Part:
    name: str
    cwd: Path
    args: list[str]
    must_have_tests: bool  # whether "no tests collected" is a failure
    needs_postgresql: bool = False


@dataclass
class Result:
    part: Part
    status: int
    seconds: float
    output: str
    counts: dict[str, int] = field(default_factory=dict)
    skipped: str = ""  # why the part did not run, when it was skipped whole

    @property
    def ok(self) -> bool:
        return self.status == 0 or (self.status == NO_TESTS_COLLECTED and not self.part.must_have_tests)

    def count(self, what: str) -> int:
        if what == "failed":  # errors are failures too; so is a run that failed without saying how
            return max(self.counts.get("failed", 0) + self.counts.get("errors", 0), 0 if self.ok else 1)
        return self.counts.get(what, 0)


def all_parts() -> list[Part]:
    folders = [stage.path for stage in stages.require()]
    # Variants (stages.toml's [[variant]], such as verify-push) run after the chain's stages.
    variants = [variant.path for variant in stages.variants() if (ROOT / variant.path).is_dir()]
    folders += variants
    return ([Part("tests", ROOT, ["tests"], must_have_tests=True)]
            + [Part(f, ROOT / f, [], must_have_tests=True) for f in folders]
            # final's own tests a second time, each test's app on PostgreSQL (final/tests/conftest.py),
            # and so a variant's, which carries final's conftest and its claim that PostgreSQL works
            + [Part(f"{f}-postgresql", ROOT / f, ["--database=postgresql"], must_have_tests=True,
                    needs_postgresql=True) for f in ["final", *variants]]
            # `-- -k ...` may leave no scenario of e2e/ selected: that alone is no failure.
            + [Part("e2e", ROOT, ["e2e"], must_have_tests=False)])


def choose(parts: list[Part], names: list[str]) -> list[Part]:
    """The parts named on the command line (a folder, or a stage id such as 03), in run order."""
    by_name = {part.name: part for part in parts}
    for stage in stages.load():
        by_name.setdefault(stage.id, by_name.get(stage.path))
    unknown = [n for n in names if n.rstrip("/") not in by_name]
    if unknown:
        sys.exit(f"no such part: {', '.join(unknown)} (choose from {', '.join(p.name for p in parts)})")
    wanted = {by_name[n.rstrip("/")].name for n in names}
    return [part for part in parts if part.name in wanted]


def postgresql_skipped(environ=os.environ) -> str:
    """Why the PostgreSQL part does not run here ("": it runs). When it is required (CI, or
    POSTGRESQL=require), it always runs, and fails if PostgreSQL is missing."""
    wanted = environ.get("POSTGRESQL", "").strip().lower()
    if wanted == "skip":
        return "POSTGRESQL=skip"
    if wanted == "require" or environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return ""
    problem = postgres.missing()
    return f"{problem} (CI, or POSTGRESQL=require, makes this a failure)" if problem else ""


def run(part: Part, pytest_args: list[str], stream: bool, timeout: float) -> Result:
    """Run one part's pytest; print its output as it comes when stream, else keep it."""
    command = [sys.executable, "-m", "pytest", *part.args, *pytest_args]
    if sys.stdout.isatty():
        command.append("--color=yes")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=part.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    timer = threading.Timer(timeout, _interrupt, args=(process,))
    timer.start()
    lines = []
    for line in process.stdout:
        lines.append(line)
        if stream:
            print(line, end="", flush=True)
    status = process.wait()
    timer.cancel()
    seconds = time.monotonic() - started
    if seconds >= timeout:
        lines.append(f"\n{part.name}: stopped after {timeout:.0f} s\n")
    output = "".join(lines)
    return Result(part, status, seconds, output, summary_counts(output))


def _interrupt(process: subprocess.Popen) -> None:
    """Stop a part that runs past its time as Ctrl-C would, so pytest still stops its servers."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def summary_counts(output: str) -> dict[str, int]:
    """The counts from pytest's last summary line ("3 failed, 10 passed, 1 skipped in 2.31s")."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    lines = [line for line in plain.splitlines() if re.search(r"\d+ \w+.* in [\d.]+s", line)]
    if not lines:
        return {}
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", lines[-1])}
    if "error" in counts:
        counts["errors"] = counts.pop("error")
    return counts


def table(results: list[Result]) -> str:
    width = max(len(r.part.name) for r in results)
    rows = [f"{'part':<{width}}  {'result':<8}" + "".join(f"{w:>9}" for w in ("passed", "failed", "skipped", "seconds"))]
    for r in results:
        result = "ok" if r.ok else "FAILED"
        if r.ok and r.status == NO_TESTS_COLLECTED:
            result = "no tests"
        if r.skipped:
            result = "skipped"
        rows.append(f"{r.part.name:<{width}}  {result:<8}"
                    + "".join(f"{r.count(w):>9}" for w in ("passed", "failed", "skipped")) + f"{r.seconds:>9.1f}")
    return "\n".join(rows)


def progress(index: int, total: int, result: Result) -> str:
    """The line that says a part ended: "[3/9] stages/03-enable-confirmation: 41 passed in 22 s"."""
    counts = ", ".join(f"{result.count(w)} {w}" for w in ("failed", "passed", "skipped")
                       if result.count(w) or (w == "passed" and result.ok))
    if result.ok and result.status == NO_TESTS_COLLECTED:
        counts = "no tests"
    if result.skipped:
        return f"[{index}/{total}] {result.part.name}: skipped: {result.skipped}"
    return (f"[{index}/{total}] {result.part.name}: {'' if result.ok else 'FAILED, '}{counts} "
            f"in {result.seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(prog="python -m tools.run_tests", description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*",
                        help="tests, a stage folder or id, final, final-postgresql, verify-push(-postgresql), e2e (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parts run at the same time (default 2)")
    parser.add_argument("--timeout", type=float, default=2400,
                        help="seconds one part may take (default 2400; e2e takes about 1000 on 2 idle cores)")
    options = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)

    try:
        parts = all_parts()
    except stages.MissingStage as error:
        print(error, file=sys.stderr)
        return 1
    if options.parts:
        parts = choose(parts, options.parts)
    stream = len(parts) == 1 or options.jobs == 1
    print(f"Running {', '.join(p.name for p in parts)}" + ("" if stream else f", {options.jobs} at a time") + "\n",
          flush=True)

    # The longest part (e2e) starts first, so that the others fill the second slot meanwhile.
    order = sorted(parts, key=lambda part: part.name != "e2e")
    results = {}

    lock = threading.Lock()

    def say(text: str) -> None:
        # One write a line, under a lock: print() writes the text and its newline apart, and
        # the lines of two parts' threads would run together ("started[2/9] tests: started").
        with lock:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def numbered(index: int, part: Part) -> tuple[int, Result]:
        # A line when a part starts and one when it ends: a full run takes minutes, and
        # without them nothing would show that it moves until a part's output comes.
        if part.needs_postgresql and (why := postgresql_skipped()):
            return index, Result(part, 0, 0.0, "", skipped=why)
        say(f"[{index}/{len(order)}] {part.name}: started")
        return index, run(part, pytest_args, stream, options.timeout)

    with ThreadPoolExecutor(max_workers=max(options.jobs, 1)) as pool:
        futures = [pool.submit(numbered, index, part) for index, part in enumerate(order, 1)]
        try:
            for future in as_completed(futures):
                index, result = future.result()
                results[result.part.name] = result
                say(progress(index, len(order), result))
                if not stream and not result.skipped:
                    say(f"{'=' * 20} {result.part.name}: {'ok' if result.ok else 'FAILED'} "
                        f"({result.seconds:.1f} s) {'=' * 20}\n{result.output}")
        except KeyboardInterrupt:  # the running parts got the Ctrl-C too; start no others
            pool.shutdown(cancel_futures=True)
            print("\nInterrupted.", file=sys.stderr)
            return 130

    done = [results[part.name] for part in parts]
    print("\n" + table(done) + "\n")
    for r in done:
        if r.skipped:
            print(f"Skipped: {r.part.name}: {r.skipped}")
    failed = [r.part.name for r in done if not r.ok]
    if failed:
        print(f"Failed: {', '.join(failed)}")
    print(f"{sum(r.count('passed') for r in done)} passed, {sum(r.count('failed') for r in done)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
