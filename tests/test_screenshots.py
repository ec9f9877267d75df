"""The pictures in docs/ come from the real app: tools/screenshots.py still gets through the
flow, and the committed pictures cover every screen of the stages.

`make screenshots` writes them again into docs/images/.
"""

import re
import subprocess
import sys

import pytest
from PIL import Image

from tools import screenshots
from tools import stages

ROOT = stages.ROOT
NEWEST = stages.load()[-1]


def expected(stage):
    """The frames of the design that `stage` has, in flow order."""
    return [frame for frame in screenshots.frames() if frame.stage <= stage.id]


def design_size(frame):
    """The size of the design frame (figma/frames/<id>.svg): the picture's size."""
    svg = (ROOT / "figma" / "frames" / f"{frame.id}.svg").read_text(encoding="utf-8")
    width, height = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups()
    return int(width), int(height)


def check_pictures(folder, frames):
    for frame in frames:
        with Image.open(folder / f"{frame.id}.png") as picture:
            picture.verify()  # a whole, valid PNG, not only a header
        with Image.open(folder / f"{frame.id}.png") as picture:
            assert (picture.format, picture.size) == ("PNG", design_size(frame)), frame.id
    with Image.open(folder / screenshots.GIF_NAME) as animation:
        # One picture of the animation per screen, at the width the README shows.
        assert (animation.format, animation.n_frames, animation.width) == ("GIF", len(frames), screenshots.GIF_WIDTH)
        assert animation.info["loop"] == 0


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """The script run against the newest stage, into a temporary folder."""
    out = tmp_path_factory.mktemp("pictures")
    done = subprocess.run([sys.executable, "-m", "tools.screenshots", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done.stdout


def test_the_script_takes_a_picture_of_every_screen_of_the_newest_stage(walked):
    out, _ = walked
    frames = expected(NEWEST)
    assert sorted(path.name for path in out.iterdir()) == sorted([f"{f.id}.png" for f in frames] + ["flow.gif"])
    check_pictures(out, frames)


def test_against_an_early_stage_the_script_says_which_screens_it_skipped(tmp_path):
    # Stage 01 has only the first screens; the newest stage has them all, so nothing to skip.
    done = subprocess.run([sys.executable, "-m", "tools.screenshots", "--stage", "01", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    later = [frame.id for frame in screenshots.frames() if frame.stage > "01"]
    assert later and re.findall(r"^skipped ([\w-]+):", done.stdout, re.MULTILINE) == later
    assert sorted(path.name for path in tmp_path.glob("*.png")) == sorted(f"{f.id}.png" for f in expected(stages.get("01")))


def test_the_committed_pictures_cover_every_screen_of_the_stages():
    # A stage that brings a screen brings its picture: `make screenshots`, then commit docs/images/.
    check_pictures(ROOT / "docs" / "images", expected(NEWEST))
