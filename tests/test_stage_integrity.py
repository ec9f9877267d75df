"""Between consecutive stages only the paths stages.toml lists differ, and each chapter names them.

A reader who diffs two stages must see that stage's lesson and nothing else, and a fix made
in one stage must reach every later stage and final. The comparison is tools/stages.py
(tests/tools/test_stages.py shows it catching each kind of violation).
"""

import pytest

from tools import stages

ROOT = stages.ROOT
# Every stage listed, whether its folder exists or not: a missing one fails here, by name.
LISTED = stages.load()
PAIRS = list(zip(LISTED, LISTED[1:]))


def test_the_manifest_and_the_stage_folders_agree():
    problems = stages.manifest_problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=[f"{b.id}-{a.id}" for b, a in PAIRS])
def test_only_the_listed_paths_differ_from_the_previous_stage(before, after):
    problems = stages.pair_problems(ROOT / before.path, ROOT / after.path, after)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stage", LISTED, ids=[stage.id for stage in LISTED])
def test_the_chapter_mentions_every_listed_path(stage):
    chapter = ROOT / stage.chapter
    assert chapter.is_file(), f"stage {stage.id}'s chapter {stage.chapter} does not exist"
    problems = stages.chapter_problems(chapter.read_text(encoding="utf-8"), stage)
    assert not problems, "\n".join(problems)
