"""Every chapter follows the learner's path of tools/chapters.py: what you will build, run it
first, the steps, try it, what you learned, exercises with folded solutions, going deeper
folded; and its main path stays short enough to read in one sitting.

`python -m tools.chapters` prints the same report for every chapter.
"""

import pytest

from tools.chapters import Chapter
from tools.chapters import chapters


@pytest.mark.parametrize("path", chapters(), ids=[path.stem for path in chapters()])
def test_the_chapter_follows_the_learners_path(path):
    assert Chapter.read(path).problems() == []


def test_every_chapter_is_checked():
    # one chapter a stage and four for final: a chapter renamed out of NN-*.md is not skipped
    assert len(chapters()) >= 10
