"""The code in the chapters is the code in the stages: `cog --check` over docs/ finds no drift.

Chapters embed code with tools/cogdocs.py; `make cog` regenerates them after a stage changes.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tools import cogdocs
from tools import stages

ROOT = stages.ROOT
DOCS = sorted(ROOT.glob("docs/*.md"))
CHAPTERS = stages.load()


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_the_doc_shows_the_code_as_it_is(doc):
    status, output = cogdocs.check(doc)
    assert status == 0, output


@pytest.mark.parametrize("stage", CHAPTERS, ids=[stage.id for stage in CHAPTERS])
def test_the_chapter_embeds_its_code_with_cog(stage):
    # Pasted code drifts; embedded code is checked above.
    assert "[[[cog" in (ROOT / stage.chapter).read_text(encoding="utf-8")


def test_plain_cog_check_finds_the_tools_from_any_folder(tmp_path):
    # The virtual environment has tools/ installed (pyproject.toml), so `cog --check docs/*.md`
    # works as typed, without `-I .`, and a chapter's blocks import from anywhere.
    cog = Path(sys.executable).with_name("cog")
    run = subprocess.run([str(cog), "--check", *map(str, DOCS)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
