"""`make check STAGE=05`: check the code a learner wrote in workspace/ with stage 05's own tests.

    python -m tools.check 05                   # workspace/ against stage 05's tests and scenarios
    python -m tools.check 05 --dir my-work     # another folder
    python -m tools.check verify-push          # workspace/ (started from final) against verify-push's

The learner copies a stage with `make workspace STAGE=04` (tools/workspace.py), writes the
next chapter's code in workspace/, and asks whether it does what the chapter teaches. A
[[variant]] of stages/stages.toml is checked the same way: chapter 13 turns a copy of final
into verify-push, and `make check STAGE=verify-push` runs verify-push's tests and scenarios
(its tests are looked up in sections.toml under verify-push, then final, then the stages before).

1. Stage 05's tests: a temporary folder gets the workspace's files, then stage 05's tests/
   and pytest.ini over them (the reference ones: what the learner did to workspace/tests
   changes nothing), and pytest runs there in its own process, as `make test` runs a stage.
   Chapter 05's tests run first, in the order of its sections, then the earlier chapters';
   after a failure the rest of its chapter's tests wait (where_taught, pytest_runtest_setup).
2. Only when they all pass (the browser is slow; a broken app would fail every scenario):
   the scenarios of e2e/ that apply to stage 05, against the same folder
   (`pytest e2e --app-folder=05=FOLDER`, see e2e/conftest.py).

Then it answers as a teacher would: how many pass, the first failure (its name, where the
test is, its line that failed and pytest's "E" lines) and the section of the chapter that
teaches it, from tools/sections.toml; or, when all pass, which chapter comes next (and why
the tests that skipped themselves did: final's PostgreSQL-only ones on SQLite). Exit
status 0 when all pass, 1 otherwise.

It is also a pytest plugin (`-p tools.check`): in the pytest runs it starts, it writes each
test's outcome, as JSON lines, to the file named by $TOOLS_CHECK_REPORT.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools import browser
from tools import stages
from tools.workspace import chapter_number
from tools.workspace import code_files
from tools.workspace import dir_arg
from tools.workspace import label
from tools.workspace import lineage
from tools.workspace import next_stage
from tools.workspace import pick
from tools.workspace import shown
from tools.workspace import variants_after

ROOT = stages.ROOT
SECTIONS = ROOT / "tools" / "sections.toml"
# What a stage's tests need besides the app: the tests themselves and pytest's settings.
REFERENCE = ("tests", "pytest.ini", "conftest.py")
REPORT = "TOOLS_CHECK_REPORT"  # also TOOLS_CHECK_REPORT_STAGE and _PREFIX
TIMEOUT = 900  # seconds for each pytest run: a learner's endless loop must not hang the check
E_LINES = 12
CONFTEST = "ImportError while loading conftest"  # pytest's words when the tests' conftest.py cannot import the app's names


# --- the pytest plugin ---------------------------------------------------------------
# Active only in the runs main() starts, which set $TOOLS_CHECK_REPORT (and the stage id in
# $TOOLS_CHECK_REPORT_STAGE, what the test ids need before them to be found in sections.toml
# in $TOOLS_CHECK_REPORT_PREFIX: "e2e/" for the scenarios).

def _record(entry: dict) -> None:
    if os.environ.get(REPORT):
        with open(os.environ[REPORT], "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


_CHAPTER = pytest.StashKey[tuple]()  # which chapter teaches a test (where_taught's key without the section)
_failed_chapters: set[tuple] = set()


def pytest_collection_modifyitems(config, items):
    """Run the tests in the order of the sections that teach them (where_taught)."""
    if os.environ.get(REPORT):
        sections, prefix = load_sections(), os.environ.get(REPORT + "_PREFIX", "")
        keys = {item: where_taught(prefix + item.nodeid, os.environ[REPORT + "_STAGE"], sections)[0]
                for item in items}
        for item in items:
            item.stash[_CHAPTER] = keys[item][:3]
        items.sort(key=keys.get)


def pytest_collection_finish(session):
    _record({"collected": len(session.items)})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """After a test fails, the rest of its chapter's tests wait: the learner writes a chapter
    in order and fixes one thing at a time, and the tests of a half-written feature often
    wait out their timeouts (10 s each in the fault tests). Other chapters' tests still run."""
    if os.environ.get(REPORT) and item.stash.get(_CHAPTER, None) in _failed_chapters:
        pytest.skip("an earlier test of its chapter failed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and os.environ.get(REPORT):
        _failed_chapters.add(item.stash.get(_CHAPTER, None))
    return report


def pytest_runtest_logreport(report):
    if report.when == "call" or report.failed or report.skipped:
        skipped = report.skipped and isinstance(report.longrepr, tuple)  # (file, line, "Skipped: why")
        _record({"nodeid": report.nodeid, "outcome": report.outcome, "when": report.when,
                 "text": report.longreprtext if report.failed else report.longrepr[2] if skipped else "",
                 "line": report.location[1] + 1 if report.location[1] is not None else None})


def pytest_collectreport(report):
    """A test module that cannot even be imported (a name the app does not have yet)."""
    if report.failed:
        _record({"nodeid": report.nodeid, "outcome": "failed", "when": "collect", "text": report.longreprtext,
                 "line": None})


# --- tests to the chapters' sections ---------------------------------------------------

def anchor(heading: str) -> str:
    """The link anchor of a `## ` heading, as GitHub and the docs site (pymdownx slugs) make it."""
    plain = re.sub(r"[^\w\s-]", "", heading.replace("`", "").strip().lower())
    return re.sub(r"\s", "-", plain)


@functools.cache
def headings(chapter: Path) -> list[str]:
    """The chapter's `## ` headings, in order."""
    return [line[3:].strip() for line in chapter.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]


def load_sections(path: Path = SECTIONS) -> dict[str, dict[str, str]]:
    """tools/sections.toml: stage id: {test pattern: heading of that stage's chapter}."""
    with open(path, "rb") as data:
        return tomllib.load(data)


def chapter_and_heading(stage: stages.Stage | stages.Variant, value: str) -> tuple[str, str]:
    """The chapter and heading a sections.toml value names: "Heading" is one of the stage's
    chapter, "docs/08-push-you-can-trust.md: Heading" one of another chapter of the stage's
    (final is taught by chapters 07 to 12)."""
    chapter, colon, heading = value.partition(": ")
    if colon and chapter.startswith("docs/") and chapter.endswith(".md"):
        return chapter, heading
    return stage.chapter, value


def section_for(nodeid: str, stage_id: str,
                sections: dict[str, dict[str, str]]) -> tuple[stages.Stage | stages.Variant, str] | None:
    """The stage whose chapter teaches what the test `nodeid` checks, and the heading.

    The patterns of stage_id are tried first, in the file's order, then those of each earlier
    stage: a test a stage took over from an earlier one is taught by the earlier chapter. For a
    variant, its own patterns, then those of the stage it comes after and the ones before. A
    pattern is a test file (tests/test_push_login.py, e2e/test_profile.py) or a file and test
    names with `*` (tests/test_push_login.py::*cancel*).
    """
    for stage in reversed(lineage(stage_id)):
        for pattern, heading in sections.get(stage.id, {}).items():
            if nodeid == pattern or fnmatch.fnmatchcase(nodeid, pattern + "::*") or (
                    "::" in pattern and fnmatch.fnmatchcase(nodeid, pattern)):
                return stage, heading
    return None


def where_taught(nodeid: str, stage_id: str, sections: dict) -> tuple[tuple[int, ...], str]:
    """(a sort key, the sentence that points to the section that teaches the test).

    The key puts the chapter of stage_id first, in the order of its sections: what the
    learner is writing now shows first, and quickly. Then the earlier chapters, in order
    (what they taught must still work), then tests that no section names.
    """
    found = section_for(nodeid, stage_id, sections)
    if not found:
        return (2, 0, 0, 0), ""
    stage, value = found
    chapter, heading = chapter_and_heading(stage, value)
    number = Path(chapter).name[:2]
    key = (0 if stage.id == stage_id else 1, [s.id for s in lineage(stage_id)].index(stage.id), int(number))
    titles = headings(ROOT / chapter)
    if heading not in titles:  # tools/sections.toml names a heading the chapter lost
        return (*key, len(titles)), f"Chapter {number} covers this: {chapter}"
    return (*key, titles.index(heading)), (f"Chapter {number} covers this in '{heading}': "
                                           f"{chapter}#{anchor(heading)}")


# --- running the tests ---------------------------------------------------------------

@dataclass
class Outcome:
    nodeid: str
    status: str  # passed, failed or skipped
    text: str = ""
    line: int | None = None
    kind: str = "test"  # or "module" (could not be loaded), or "scenario"


def prepare(workspace: Path, stage: stages.Stage | stages.Variant, into: Path) -> None:
    """into = the workspace's files, with the stage's reference tests and settings over them."""
    for name, path in code_files(workspace).items():
        if Path(name).parts[0] not in REFERENCE:
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, into / name)
    for name, path in stages.files(ROOT / stage.path).items():
        if Path(name).parts[0] in REFERENCE and "__pycache__" not in name:
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, into / name)


@dataclass
class Run:
    """One pytest run: the outcome of each test that ran (and of each file that could not be
    loaded), how many tests it collected, and pytest's own output (for a crash)."""
    outcomes: list[Outcome]
    collected: int
    output: str

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def passed(self) -> int:
        return sum(o.status == "passed" for o in self.outcomes if o.kind != "module")


def run_pytest(args: list[str], cwd: Path, stage_id: str, kind: str, report: Path) -> Run:
    """Run pytest with this plugin (the order of where_taught; a failure makes its chapter wait)."""
    report.unlink(missing_ok=True)
    prefix = "e2e/" if kind == "scenario" else ""
    command = [sys.executable, "-m", "pytest", "-p", "tools.check", "-p", "no:cacheprovider", "-q", *args]
    env = {**os.environ, REPORT: str(report), REPORT + "_STAGE": stage_id, REPORT + "_PREFIX": prefix}
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, errors="replace",
                              timeout=TIMEOUT)
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        output = f"The tests did not finish within {TIMEOUT} s: does some code wait forever?"
    outcomes: dict[str, Outcome] = {}
    collected = 0
    for entry in map(json.loads, report.read_text(encoding="utf-8").splitlines() if report.exists() else []):
        if "collected" in entry:
            collected = entry["collected"]
            continue
        is_module = entry["when"] == "collect"
        known = outcomes.setdefault(prefix + entry["nodeid"], Outcome(prefix + entry["nodeid"], entry["outcome"],
                                                                      kind="module" if is_module else kind))
        if entry["outcome"] == "failed" and not known.text:  # the first failure (setup, call or teardown)
            known.status, known.text, known.line = "failed", entry["text"], entry["line"]
        elif entry["outcome"] == "skipped" and known.status != "failed":
            known.status, known.text = "skipped", entry["text"]
    return Run(list(outcomes.values()), collected, output)


def relocated(run: Run, temporary: Path, where: str) -> Run:
    """The run, with the learner's folder named in its texts in place of the temporary copy."""
    for outcome in run.outcomes:
        outcome.text = outcome.text.replace(str(temporary), where.rstrip("/"))
    run.output = run.output.replace(str(temporary), where.rstrip("/"))
    return run


def short(text: str) -> list[str]:
    """The lines of a failure worth showing: pytest's "E" lines, else its last lines."""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    if "Call log:" in lines:  # Playwright's: expected and actual come before; its steps and the page after
        lines = lines[:lines.index("Call log:")]
    if not lines:
        lines = [line.rstrip() for line in text.splitlines() if line.strip()][-E_LINES:]
    lines = [line if len(line) <= 200 else line[:197] + "..." for line in lines if line]
    return lines[:E_LINES] + (["..."] if len(lines) > E_LINES else [])


def explain(failures: list[Outcome], stage: stages.Stage | stages.Variant, sections: dict) -> list[str]:
    """The first failure in the order of where_taught, as a teacher would show it."""
    taught = {f.nodeid: where_taught(f.nodeid.partition("::")[0] if f.kind == "module" else f.nodeid,
                                     stage.id, sections) for f in failures}
    first = min(failures, key=lambda f: taught[f.nodeid][0])
    source = first.nodeid.partition("::")[0]
    if not source.startswith("e2e/"):  # the stage's own test, not the copy in the temporary folder
        source = f"{stage.path}/{source}"
    what = "the browser scenario " if first.kind == "scenario" else ""
    lines = [f"The first to fix: {what}{first.nodeid}" + (" could not be loaded" if first.kind == "module" else ""),
             f"  the test: {source}" + (f":{first.line}" if first.line else "")]
    # The test's line that failed: pytest marks it with ">" in the test's own frame, the first.
    failed_line = next((line[1:].strip() for line in first.text.splitlines() if line.startswith(">")), None)
    if failed_line:
        lines.append(f"  > {failed_line}")
    lines += [f"  {line}" for line in short(first.text)]
    if first.kind == "scenario":
        lines.append("  a screenshot of the page when it failed: test-results/check/")
    if taught[first.nodeid][1]:
        lines.append(taught[first.nodeid][1])
    return lines


def whats_next(stage: stages.Stage | stages.Variant, workspace: Path) -> str:
    """What a passing check says: the next chapter, and how to check it."""
    following = next_stage(stage)
    if following:
        return (f"All of chapter {chapter_number(stage)} works. Next: chapter {chapter_number(following)}, "
                f"{following.title} ({following.chapter}); then make check STAGE={following.id}{dir_arg(workspace)}.")
    if variants_after(stage):  # final: chapters 07 to 12; chapter 13 builds a variant from it
        variant = variants_after(stage)[0]
        return (f"All of chapters {chapter_number(stage)} to {int(chapter_number(variant)) - 1:02d} work. "
                f"Next: chapter {chapter_number(variant)}, {variant.title} ({variant.chapter}), in the same "
                f"{shown(workspace)}; then make check STAGE={variant.id}{dir_arg(workspace)}.")
    return f"All of chapter {chapter_number(stage)} works: that is the whole tutorial."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", nargs="?", help="the stage whose tests to run, such as 05, or a variant (verify-push)")
    parser.add_argument("--dir", default=str(ROOT / "workspace"), help="the folder with your code (default: workspace/)")
    options = parser.parse_args(argv)
    try:
        stage = pick(options.stage, "make check STAGE=05")
    except stages.MissingStage as error:
        sys.exit(str(error))
    workspace = Path(options.dir).resolve()
    where = shown(workspace)
    if not (workspace / "app").is_dir():
        listed = stages.load()
        if stage.id == listed[0].id:  # nothing comes before: the learner starts from an empty folder
            sys.exit(f"{where} has no app/ folder yet. Chapter {chapter_number(stage)} starts it: write the "
                     f"files of its first steps (config.py, then app/__init__.py; {stage.chapter}), "
                     f"then run make check STAGE={stage.id}{dir_arg(workspace)} again.")
        if isinstance(stage, stages.Variant):  # its chapter changes a copy of the stage it comes after
            before, start = stages.get(stage.after), "the stage it changes"
        else:
            before, start = listed[[s.id for s in listed].index(stage.id) - 1], "the stage before"
        sys.exit(f"{where} has no app/ folder to check. Start from {start}: "
                 f"make workspace STAGE={before.id}{dir_arg(workspace)}, then follow chapter {chapter_number(stage)} "
                 f"({stage.chapter}).")
    sections = load_sections()
    name = label(stage)
    print(f"Running {name}'s tests ({stage.path}/tests) against {where} ...", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"check-{stage.id}-") as temporary:
        folder = Path(temporary) / "app-under-test"
        folder.mkdir()
        prepare(workspace, stage, folder)
        report = Path(temporary) / "report.jsonl"
        # A test file that cannot be imported (the app lacks a name it needs) stops no other.
        tests = relocated(run_pytest(["--continue-on-collection-errors"], folder, stage.id, "test", report),
                          folder, where)
        scenarios = None
        if tests.outcomes and not tests.failures():
            print(f"All {tests.collected} pass. Now {name}'s browser scenarios (e2e/) ...", flush=True)
            if not browser.find_chromium()[0] and browser.main():  # installs Playwright's Chromium
                return 1
            # Options as --name=value: pytest takes a value that names an existing folder, given
            # apart, for a test path, and would then read the settings of the repository's root.
            options = ["e2e", f"--app-folder={stage.id}={folder}", f"--output={ROOT / 'test-results' / 'check'}"]
            scenarios = relocated(run_pytest(options, ROOT, stage.id, "scenario", report), folder, where)
    for run, what in ((tests, "tests"), (scenarios, "browser scenarios")):
        if run and not run.outcomes:  # pytest stopped before any test: the app cannot even be imported
            print(f"{name.capitalize()}'s {what} could not start against {where}:")
            print("\n".join(f"  {line}" for line in short(run.output)))
            # The tests' conftest.py imports what the chapter's first steps write (verify-push's: app/verify.py)
            taught = where_taught("tests/conftest.py", stage.id, sections)[1] if run is tests and CONFTEST in run.output else ""
            if taught:
                print(f"{taught}\n\nWrite that first, then run make check STAGE={stage.id}{dir_arg(workspace)} again.")
            return 1

    failures = tests.failures() + (scenarios.failures() if scenarios else [])
    passed = tests.passed() + (scenarios.passed() if scenarios else 0)
    total = tests.collected + (scenarios.collected if scenarios else 0)
    what = f"{tests.collected} tests" + (f" and {scenarios.collected} browser scenarios" if scenarios else "")
    print(f"\n{name.capitalize()}'s checks against {where}: {passed} of {total} pass ({what}).")
    if not failures:
        # tests that skip themselves where they do not apply (those of the other database)
        skipped = [o for o in tests.outcomes + (scenarios.outcomes if scenarios else []) if o.status == "skipped"]
        if skipped:
            reasons = sorted({o.text.removeprefix("Skipped: ") for o in skipped} - {""})
            print(f"{len(skipped)} skipped themselves, as in make test" + (f": {'; '.join(reasons)}." if reasons else "."))
        print(whats_next(stage, workspace))
        return 0
    unloaded = [o.nodeid for o in failures if o.kind == "module"]
    if unloaded:
        print(f"{len(unloaded)} test file{'s' if len(unloaded) > 1 else ''} could not be loaded, so "
              f"{'their' if len(unloaded) > 1 else 'its'} tests did not run: {', '.join(unloaded)}.")
    waiting = sum(o.status == "skipped" for o in tests.outcomes + (scenarios.outcomes if scenarios else []))
    if waiting:
        print(f"The tests run chapter by chapter, chapter {chapter_number(stage)}'s first, in the order of its "
              f"sections; after a failure, the rest of its chapter's tests wait: {waiting} did not run yet.")
    if not scenarios:
        print("The browser scenarios run once all the tests pass.")
    print("\n" + "\n".join(explain(failures, stage, sections)))
    print(f"\nFix this one first, then run make check STAGE={stage.id}{dir_arg(workspace)} again.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
