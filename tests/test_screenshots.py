"""The pictures in docs/ come from the real app, each chapter's from its own stage:
tools/screenshots.py still gets through the flow, every picture a chapter shows is one the
tool takes of that chapter's stage, and nothing in docs/images/ is left over.

`make screenshots` writes them again into docs/images/<stage>/ (and docs/images/flow.gif), and
a variant's (verify-push, chapter 13) into docs/images/<variant>/.
"""

import re
import subprocess
import sys

import pytest
from PIL import Image

from tools import screenshots
from tools import stages

ROOT = stages.ROOT
IMAGES = ROOT / "docs" / "images"
STAGES = stages.load()
FINAL = STAGES[-1]
VARIANTS = stages.variants()
PICTURE = re.compile(r"\]\(images/([^)\s]+)\)")


def chapter_stage(chapter):
    """The stage (or variant) a chapter is about: the one whose chapter it is, else final (chapters 08 to 12)."""
    return next((stage for stage in [*STAGES, *VARIANTS] if stage.chapter == f"docs/{chapter.name}"), FINAL)


CHAPTERS = sorted((ROOT / "docs").glob("[0-9][0-9]-*.md"))


def design_size(frame_id):
    """The size of the design frame (figma/frames/<id>.svg): the picture's size."""
    svg = (ROOT / "figma" / "frames" / f"{frame_id}.svg").read_text(encoding="utf-8")
    width, height = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups()
    return int(width), int(height)


def check_picture(path, frame_id):
    with Image.open(path) as picture:
        picture.verify()  # a whole, valid PNG, not only a header
    with Image.open(path) as picture:
        assert (picture.format, picture.size) == ("PNG", design_size(frame_id)), path


def check_animation(path):
    with Image.open(path) as animation:
        # One picture of the animation per screen of the whole flow, at the width the README shows.
        assert (animation.format, animation.n_frames, animation.width) == (
            "GIF", len(screenshots.frames()), screenshots.GIF_WIDTH)
        assert animation.info["loop"] == 0


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[chapter.name[:2] for chapter in CHAPTERS])
def test_each_picture_of_a_chapter_is_of_its_own_stage(chapter):
    stage = chapter_stage(chapter)
    shown = PICTURE.findall(chapter.read_text(encoding="utf-8"))
    assert shown, f"{chapter.name} shows no picture"
    for name in shown:
        # images/<the chapter's stage>/<a frame the tool takes of that stage>.png
        assert re.fullmatch(r"[\w-]+/[\w-]+\.png", name), f"{chapter.name}: images/{name} is not images/<stage>/<frame>.png"
        folder, frame_id = name.removesuffix(".png").split("/")
        assert folder == stage.id, f"{chapter.name} is about stage {stage.id}, but shows images/{name}"
        assert frame_id in screenshots.shots(stage), f"{chapter.name}: make screenshots takes no {frame_id} of stage {stage.id}"
        check_picture(IMAGES / name, frame_id)


def test_the_readme_animates_final_s_whole_flow():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"](docs/images/{screenshots.GIF_NAME})" in readme
    check_animation(IMAGES / screenshots.GIF_NAME)


def test_docs_images_holds_only_what_the_docs_show():
    # Every file the tool writes is shown somewhere, and every file there is one it writes.
    shown = {name for chapter in CHAPTERS for name in PICTURE.findall(chapter.read_text(encoding="utf-8"))}
    shown |= {screenshots.GIF_NAME}
    taken = {f"{stage.id}/{frame_id}.png" for stage in [*STAGES, *VARIANTS] for frame_id in screenshots.shots(stage)}
    on_disk = {str(path.relative_to(IMAGES)) for path in IMAGES.rglob("*") if path.is_file()}
    assert on_disk == shown, "pictures nothing shows, or shown and missing"
    assert shown - {screenshots.GIF_NAME} == taken, "pictures the tool takes that no chapter shows, or the reverse"


def test_a_stage_s_shots_are_the_screens_it_brings():
    for stage in STAGES[:-1]:
        assert screenshots.shots(stage) == [f.id for f in screenshots.frames() if f.id in stage.frames]
    # final also takes again the older screens its chapters show as final has them
    assert set(screenshots.shots(FINAL)) == set(FINAL.frames) | set(screenshots.FINAL_ALSO)
    # each variant has its pictures, of frames of the flow that its app has
    assert {variant.id for variant in VARIANTS} == set(screenshots.VARIANTS)
    for variant in VARIANTS:
        assert screenshots.shots(variant) == [f.id for f in screenshots.frames() if f.id in screenshots.VARIANTS[variant.id].shots]
        assert all(screenshots.has(variant, f) for f in screenshots.frames() if f.id in screenshots.shots(variant))


def run_tool(*args, timeout=180):
    done = subprocess.run([sys.executable, "-m", "tools.screenshots", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_one_stage_takes_only_that_stage_s_pictures(tmp_path):
    # Stage 04's walk stops at its last screen; no animation (that is final's).
    run_tool("--stage", "04", "--out", str(tmp_path))
    stage = stages.get("04")
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.png")) == sorted(
        f"04/{frame_id}.png" for frame_id in screenshots.shots(stage))
    assert not (tmp_path / screenshots.GIF_NAME).exists()
    for frame_id in screenshots.shots(stage):
        check_picture(tmp_path / "04" / f"{frame_id}.png", frame_id)


def test_final_takes_its_pictures_and_the_animation_of_the_whole_flow(tmp_path):
    run_tool("--stage", "final", "--out", str(tmp_path))
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [f"final/{frame_id}.png" for frame_id in screenshots.shots(FINAL)] + [screenshots.GIF_NAME])
    for frame_id in screenshots.shots(FINAL):
        check_picture(tmp_path / "final" / f"{frame_id}.png", frame_id)
    check_animation(tmp_path / screenshots.GIF_NAME)


def test_verify_push_takes_its_pictures(tmp_path):
    # The variant's app on the fake's Verify API: the walk enrols a Verify factor from the QR
    # code, and stops at the phone with the challenge (the tool checks it shows the page's code).
    run_tool("--stage", "verify-push", "--out", str(tmp_path))
    variant = next(variant for variant in VARIANTS if variant.id == "verify-push")
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        f"verify-push/{frame_id}.png" for frame_id in screenshots.shots(variant))
    assert screenshots.shots(variant) == ["qr-code", "waiting-push", "phone"]
    for frame_id in screenshots.shots(variant):
        check_picture(tmp_path / "verify-push" / f"{frame_id}.png", frame_id)
