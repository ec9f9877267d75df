"""tools/stages.py: the comparison behind tests/test_stage_integrity.py catches what it must."""

import shutil

import pytest

from tools import stages


def problems(root):
    """Everything the integrity test would report for this tree."""
    found = stages.manifest_problems(root)
    base, more = stages.load(root)
    found += stages.pair_problems(root / base.path, root / more.path, more)
    if (root / more.chapter).is_file():
        found += stages.chapter_problems((root / more.chapter).read_text(), more)
    return found


def test_a_stage_that_changes_exactly_what_it_lists_passes(repo):
    assert problems(repo) == []
    assert stages.differences(repo / "stages/01-base", repo / "stages/02-more") == {
        "added": {"app/page.html"}, "changed": {"app/mod.py"}, "removed": {"app/old.txt"},
    }


def test_an_unlisted_change_is_caught(repo, write):
    write({"stages/02-more/.flaskenv": "FLASK_APP=app\nFLASK_DEBUG=1\n"})
    assert problems(repo) == [
        "stages/02-more/.flaskenv was changed but stages.toml does not list it under changed",
    ]


def test_an_unlisted_new_file_is_caught_but_an_ignored_one_is_not(repo, write):
    write({"stages/02-more/app/extra.py": "", "stages/02-more/app.db": "data",
           "stages/02-more/instance/config.py": "", "stages/02-more/app/__pycache__/mod.cpython-311.pyc": "",
           "stages/02-more/notes.txt": "", "stages/02-more/app/notes.txt": "kept: the pattern is anchored"})
    assert problems(repo) == [
        "stages/02-more/app/extra.py was added but stages.toml does not list it under added",
        "stages/02-more/app/notes.txt was added but stages.toml does not list it under added",
    ]


def test_an_unlisted_removal_is_caught(repo):
    (repo / "stages/02-more/.flaskenv").unlink()
    assert problems(repo) == ["stages/02-more/.flaskenv was removed but stages.toml does not list it under removed"]


def test_a_listed_path_that_did_not_change_is_caught(repo):
    shutil.copy(repo / "stages/01-base/app/mod.py", repo / "stages/02-more/app/mod.py")
    assert problems(repo) == ["stages.toml lists app/mod.py under changed for 02, but it was not changed"]


def test_a_missing_chapter_mention_is_caught(repo, write):
    write({"docs/02-more.md": "Adds app/page.html and drops app/old.txt.\n"})
    assert problems(repo) == ["docs/02-more.md does not mention app/mod.py (changed in stage 02)"]


@pytest.mark.parametrize("gone", ["stages/01-base", "stages/02-more"])
def test_a_missing_stage_is_caught_and_stops_what_runs_the_stages(repo, gone):
    shutil.rmtree(repo / gone)
    assert stages.manifest_problems(repo) == [f"{gone} is missing: stages.toml lists stage {gone[7:9]} there"]
    assert problems(repo)[-1] == f"{repo / gone} is missing"  # and the comparison says so, without a traceback
    with pytest.raises(stages.MissingStage, match=f"stages.toml lists {gone}, but the folder is missing"):
        stages.require(repo)


def test_a_missing_chapter_is_caught(repo):
    (repo / "docs/02-more.md").unlink()
    assert stages.manifest_problems(repo) == ["docs/02-more.md is missing: stages.toml names it as stage 02's chapter"]


def test_the_manifest_itself_is_checked(repo, write):
    manifest = (repo / "stages/stages.toml").read_text()
    # the base lists changes, stage order is wrong, and final/ has no entry
    write({"stages/stages.toml": manifest.replace('"01"', '"03"').replace("\n\n", '\nadded = ["x"]\n\n', 1)})
    (repo / "final").mkdir()
    assert stages.manifest_problems(repo) == [
        "stages are not in order (numbered stages first, then final): ['03', '02']",
        "stage '03': ids are two digits and slugs start with them ('01-base')",
        'final/ exists but stages.toml has no entry with id = "final"',
        "the first stage (03) is the base: it lists no added, changed or removed paths",
    ]
