"""The code in the chapters is the code in the stages: `cog --check` over docs/ finds no drift.

Chapters embed code with tools/cogdocs.py; `make cog` regenerates them after a stage changes.
"""

import pytest

from tools import cogdocs
from tools import stages

ROOT = stages.ROOT
DOCS = sorted(ROOT.glob("docs/*.md"))
CHAPTERS = [stage for stage in stages.present() if (ROOT / stage.chapter).is_file()]


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_the_doc_shows_the_code_as_it_is(doc):
    status, output = cogdocs.check(doc)
    assert status == 0, output


@pytest.mark.parametrize("stage", CHAPTERS, ids=[stage.id for stage in CHAPTERS])
def test_the_chapter_embeds_its_code_with_cog(stage):
    # Pasted code drifts; embedded code is checked above.
    assert "[[[cog" in (ROOT / stage.chapter).read_text(encoding="utf-8")
