"""tools/check.py (make check STAGE=NN): a learner's workspace/ checked with a stage's own
tests and browser scenarios, and tools/sections.toml, which says which section of which
chapter teaches what each test checks."""

import re
import subprocess
import sys
import time

import pytest

from tools import stages
from tools.check import anchor
from tools.check import chapter_and_heading
from tools.check import headings
from tools.check import load_sections
from tools.check import run_pytest
from tools.check import section_for
from tools.check import whats_next
from tools.check import where_taught
from tools.stages import ROOT

E2E_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "e2e").glob("test_*.py"))


def files_of(stage):
    return sorted(f"tests/{p.name}" for p in (ROOT / stage.path / "tests").glob("test_*.py"))


def since(scenario_file):
    """The stage ids of the @pytest.mark.since and @pytest.mark.variant marks in an e2e file."""
    return set(re.findall(r'@?pytest\.mark\.(?:since|variant)\("([\w-]+)"\)', (ROOT / scenario_file).read_text()))


def stages_and_variants():
    return [*stages.load(), *stages.variants()]


def test_every_test_file_finds_a_section_that_exists():
    """When this fails after the chapters changed: edit tools/sections.toml as the message says."""
    sections = load_sections()
    problems = []
    for stage in stages_and_variants():
        wanted = [(name, stage.id) for name in files_of(stage)]
        wanted += [(name, stage.id) for name in E2E_FILES if stage.id in since(name)]
        for name, stage_id in wanted:
            found = section_for(name + "::test_something", stage_id, sections)
            if found is None:
                problems.append(f"{name} of stage {stage_id} has no entry under [\"{stage_id}\"] or an earlier stage")
        for pattern, value in sections.get(stage.id, {}).items():
            chapter, heading = chapter_and_heading(stage, value)
            if not (ROOT / chapter).is_file() or heading not in headings(ROOT / chapter):
                known = ", ".join(headings(ROOT / chapter)) if (ROOT / chapter).is_file() else "no such file"
                problems.append(f'["{stage.id}"] "{pattern}" = "{value}": {chapter} has no heading '
                                f'"## {heading}" (its headings: {known})')
            file = pattern.partition("::")[0]
            exists = file in E2E_FILES if file.startswith("e2e/") else file in files_of(stage) or (
                file == "tests/conftest.py" and (ROOT / stage.path / file).is_file())
            if not exists:
                problems.append(f'["{stage.id}"] "{pattern}": stage {stage.id} has no {file}')
    assert not problems, "tools/sections.toml:\n" + "\n".join(problems)


def test_a_test_file_a_stage_adds_or_changes_has_an_entry_of_that_stage():
    """Its tests check that stage's lesson (at least some of them): the stage's chapter
    must be the one named, not the earlier chapter the file came from."""
    sections = load_sections()
    missing = []
    for stage in stages_and_variants():
        touched = [path for path in stage.added + stage.changed if re.fullmatch(r"tests/test_\w+\.py", path)]
        patterns = [p.partition("::")[0] for p in sections.get(stage.id, {})]
        missing += [f'{stage.path}/{path}: no entry under ["{stage.id}"] in tools/sections.toml'
                    for path in touched if path not in patterns]
    assert not missing, "\n".join(missing)


def test_the_first_matching_pattern_wins_and_earlier_stages_teach_the_rest():
    sections = load_sections()
    cancel = section_for("tests/test_push_login.py::test_cancel", "06", sections)
    assert (cancel[0].id, cancel[1]) == ("05", "Cancel")
    poll = section_for("tests/test_push_login.py::test_approve_signs_in", "05", sections)
    assert poll[1] == "Has the phone answered?"
    unloaded = section_for("tests/test_push_login.py", "05", sections)  # the file could not be imported
    assert unloaded[1] == "The login that waits: `PendingLogin`"
    assert section_for("tests/test_models.py::test_repr", "final", sections)[0].id == "01"
    assert section_for("tests/test_push_login.py::test_cancel", "04", sections) is None
    assert section_for("e2e/test_profile.py::test_profile_link[05-chromium]", "05", sections)[1] == "The profile page"


def test_a_variants_tests_are_taught_by_its_chapter_then_by_the_stages_it_comes_after():
    sections = load_sections()
    # what verify-push changed: chapter 13, its tests first
    login = where_taught("tests/test_push_login.py::test_deny", "verify-push", sections)
    assert login[1] == ("Chapter 13 covers this in 'The login: a challenge': "
                        "docs/13-verify-push.md#the-login-a-challenge")
    # what it took over from final: final's chapters, then the chain's
    recovery = where_taught("tests/test_recovery_codes.py::test_code_signs_in_and_is_used_once", "verify-push", sections)
    assert recovery[1].startswith("Chapter 12 covers this in 'Signing in with a code'")
    models = where_taught("tests/test_models.py::test_repr", "verify-push", sections)
    assert models[1].startswith("Chapter 01 covers this in 'The User model'")
    assert login[0] < models[0] < recovery[0]  # its chapter first, then the chain's chapters in order
    # a test of a changed file that verify-push did not change: where final's is taught
    assert section_for("tests/test_twofa.py::test_enable_button_needs_login", "verify-push", sections)[0].id == "final"
    assert section_for("tests/test_twofa.py::test_enable_button", "verify-push", sections)[0].id == "verify-push"
    scenario = section_for("e2e/test_verify_push.py::test_disable_deletes_the_factor[verify-push-chromium]",
                           "verify-push", sections)
    assert scenario[1] == "Disable deletes the factor"


def test_anchors_are_those_of_the_docs_site():
    assert anchor("Talking to Authy: `app/authy.py`") == "talking-to-authy-appauthypy"
    assert anchor("Send again, and This wasn't me") == "send-again-and-this-wasnt-me"
    assert anchor("Has the phone answered?") == "has-the-phone-answered"


def test_a_test_that_skips_itself_says_why(tmp_path):
    """A passing check names the tests that skipped themselves (final's PostgreSQL-only ones on
    SQLite): "573 of 577 pass" alone would leave the learner wondering about the other four."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_some.py").write_text(
        "import pytest\n\n\ndef test_runs():\n    pass\n\n\n"
        "def test_other_database():\n    pytest.skip(\"PostgreSQL's lock_timeout\")\n")
    run = run_pytest([], tmp_path, "final", "test", tmp_path / "report.jsonl")
    assert [(o.nodeid, o.status, o.text) for o in run.outcomes] == [
        ("tests/test_some.py::test_runs", "passed", ""),
        ("tests/test_some.py::test_other_database", "skipped", "Skipped: PostgreSQL's lock_timeout")]


def test_a_passing_check_names_the_next_chapter_and_chapter_13_comes_after_final():
    workspace = ROOT / "workspace"
    assert whats_next(stages.get("05"), workspace) == (
        "All of chapter 05 works. Next: chapter 06, Disabling 2FA (docs/06-disable.md); then make check STAGE=06.")
    assert whats_next(stages.get("final"), ROOT / "my-work") == (
        "All of chapters 07 to 12 work. Next: chapter 13, Final moved to Twilio Verify Push "
        "(docs/13-verify-push.md), in the same my-work/; then make check STAGE=verify-push DIR=my-work.")
    variant = next(v for v in stages.variants() if v.id == "verify-push")
    assert whats_next(variant, workspace) == "All of chapter 13 works: that is the whole tutorial."


def copy_of(stage_id, folder):
    done = subprocess.run([sys.executable, "-m", "tools.workspace", stage_id, "--dir", str(folder)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def check(stage_id, folder):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tools.check", stage_id, "--dir", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    print(f"make check STAGE={stage_id} took {time.monotonic() - started:.1f} s:\n{done.stdout}{done.stderr}")
    return done


def test_stage_04_does_not_pass_the_checks_of_stage_05(tmp_path):
    folder = tmp_path / "ws"
    copy_of("04", folder)
    # What the learner does to the workspace's tests changes nothing: stage 05's own run.
    for test in (folder / "tests").glob("test_*.py"):
        test.write_text("def test_nothing():\n    pass\n")
    done = check("05", folder)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    summary = next(line for line in lines if line.startswith("Stage 05's checks against"))
    passed, total = map(int, re.search(r": (\d+) of (\d+) pass", summary).groups())
    assert 0 < passed < total
    assert "1 test file could not be loaded, so its tests did not run: tests/test_push_login.py." in lines
    assert "The browser scenarios run once all the tests pass." in lines
    first = lines.index(next(line for line in lines if line.startswith("The first to fix: ")))
    assert re.fullmatch(r"The first to fix: tests/test_\w+\.py::test_\w+.*", lines[first])
    assert re.fullmatch(r"  the test: stages/05-push-login/tests/test_\w+\.py:\d+", lines[first + 1])
    assert lines[first + 2].startswith("  > ")  # the test's line that failed
    assert lines[first + 3].startswith("  ") and "Error" in lines[first + 3]  # pytest's E line
    covered = next(line for line in lines[first:] if line.startswith("Chapter "))
    assert re.fullmatch(r"Chapter 05 covers this in '.+': docs/05-push-login\.md#[a-z0-9-]+", covered)
    assert f"Fix this one first, then run make check STAGE=05 DIR={folder} again." in lines


def test_stage_02_passes_the_checks_of_stage_02_browser_included(tmp_path):
    # Stage 02, not a later one: the same path through tools/check.py in a third of the time
    # (every stage's scenarios run in e2e/ anyway).
    folder = tmp_path / "ws"
    copy_of("02", folder)
    done = check("02", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = next(line for line in done.stdout.splitlines() if line.startswith("Stage 02's checks against"))
    tests, scenarios = map(int, re.search(r"\((\d+) tests and (\d+) browser scenarios\)", summary).groups())
    assert summary.startswith(f"Stage 02's checks against {folder}/: {tests + scenarios} of {tests + scenarios} pass")
    assert scenarios == sum(line.endswith("[02-chromium]") for line in collect_e2e())
    assert "All of chapter 02 works. Next: chapter 03, The enable confirmation page (docs/03-enable-confirmation.md)" in done.stdout


def test_a_copy_of_final_does_not_pass_the_checks_of_verify_push(tmp_path):
    """Chapter 13's path: make workspace STAGE=final, then make check STAGE=verify-push. Before
    any change, verify-push's tests cannot even start (their conftest.py imports app.verify):
    the check names the section that writes it."""
    folder = tmp_path / "ws"
    copy_of("final", folder)
    done = check("verify-push", folder)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"Variant verify-push's tests could not start against {folder}/:" in lines
    assert f"  ImportError: cannot import name 'verify' from 'app' ({folder}/app/__init__.py)" in lines
    assert ("Chapter 13 covers this in '`app/verify.py` instead of `app/authy.py`': "
            "docs/13-verify-push.md#appverifypy-instead-of-appauthypy") in lines
    assert f"Write that first, then run make check STAGE=verify-push DIR={folder} again." in lines


def collect_e2e(*args):
    listing = subprocess.run([sys.executable, "-m", "pytest", "e2e", "--collect-only", "-q", "-p", "no:cacheprovider",
                              *args], cwd=ROOT, capture_output=True, text=True)
    return listing.stdout.splitlines() + listing.stderr.splitlines()


def test_e2e_app_folder_keeps_the_scenarios_of_its_stage_only():
    chosen = [line for line in collect_e2e("--app-folder=05=stages/05-push-login") if "::" in line]
    assert chosen and all(line.endswith("[05-chromium]") for line in chosen)
    assert len(chosen) == sum(line.endswith("[05-chromium]") for line in collect_e2e())
    assert any("--app-folder 07=stages: expected STAGE=FOLDER" in line for line in collect_e2e("--app-folder=07=stages"))


def test_e2e_app_folder_of_a_variant_keeps_its_scenarios_only():
    chosen = [line for line in collect_e2e("--app-folder=verify-push=verify-push") if "::" in line]
    assert chosen and all(line.endswith("[verify-push-chromium]") for line in chosen)
    assert any(line.startswith("test_verify_push.py::") for line in chosen)
    assert len(chosen) == sum(line.endswith("[verify-push-chromium]") for line in collect_e2e())


@pytest.mark.parametrize("args, message", [
    (["9"], "No stage '9': choose one of 01, 02, 03, 04, 05, 06, final, verify-push."),
    (["05", "--dir", "no-such-folder"], "has no app/ folder to check. Start from the stage before: make workspace STAGE=04"),
    # chapter 01 has no stage before it: the learner starts from an empty folder
    (["01", "--dir", "no-such-folder"], "has no app/ folder yet. Chapter 01 starts it: write the files of its first steps"),
    # chapter 13 changes a copy of final into verify-push
    (["verify-push", "--dir", "no-such-folder"], "has no app/ folder to check. Start from the stage it changes: "
                                                 "make workspace STAGE=final DIR=no-such-folder, then follow chapter 13"),
])
def test_a_bad_stage_or_folder_says_what_to_do(args, message):
    done = subprocess.run([sys.executable, "-m", "tools.check", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and message in done.stderr
