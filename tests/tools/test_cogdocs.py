"""tools/cogdocs.py: what the chapters embed, and that `cog --check` catches drift."""

import pytest
from cogapp import Cog

from tools import cogdocs

MOD = "stages/01-base/app/mod.py"


@pytest.fixture(autouse=True)
def root(repo, monkeypatch):
    monkeypatch.setattr(cogdocs, "ROOT", repo)
    return repo


def cog(call):
    """The Markdown that cog writes for one block calling call."""
    chapter = f"<!-- [[[cog from tools.cogdocs import *; {call}]]] -->\n<!-- [[[end]]] -->\n"
    return Cog().process_string(chapter, "chapter.md").split("\n", 1)[1].rsplit("<!--", 1)[0]


def test_code_embeds_a_function_under_a_caption():
    assert cog(f'code("{MOD}", "plain")') == f"`{MOD}`\n\n```python\ndef plain():\n    return 1\n```\n"


def test_code_keeps_decorators():
    assert "```python\n@functools.cache\n@functools.wraps(plain)\ndef decorated():\n    return 2\n```" in cog(
        f'code("{MOD}", "decorated")')


def test_code_embeds_a_class_and_a_method():
    whole_class = cog(f'code("{MOD}", "Greeter")')
    assert whole_class.startswith(f"`{MOD}`\n\n```python\nclass Greeter:\n")
    assert whole_class.endswith('        return f"hello {self.name}"\n```\n')
    assert "def plain" not in whole_class
    # a method comes out dedented, with its decorator
    assert cog(f'code("{MOD}", "Greeter.name")').endswith(
        '```python\n@property\ndef name(self):\n    return "world"\n```\n')


def test_code_refuses_a_name_that_is_not_there():
    with pytest.raises(Exception, match="no function or class named 'Greeter.wave'"):
        cog(f'code("{MOD}", "Greeter.wave")')


def test_code_embeds_whole_files_in_their_language():
    assert cog('code("stages/02-more/app/page.html")') == "`stages/02-more/app/page.html`\n\n```html\n<p>hi</p>\n```\n"
    assert "```ini\nFLASK_APP=app\n```" in cog('code("stages/01-base/.flaskenv")')
    assert "```toml\n" in cog('code("stages/stages.toml", lang="toml")')


def test_a_fence_is_longer_than_any_fence_inside(write):
    write({"notes.md": "```python\nx = 1\n```\n"})
    assert cog('code("notes.md")') == "`notes.md`\n\n````markdown\n```python\nx = 1\n```\n````\n"


def test_diff_of_one_file_between_two_stages():
    assert cog('diff("app/mod.py", "01", "02")') == (
        "```diff\n"
        "--- stages/01-base/app/mod.py\n"
        "+++ stages/02-more/app/mod.py\n"
        "@@ -20,3 +20,7 @@\n"
        " \n"
        "     def greet(self):\n"
        '         return f"hello {self.name}"\n'
        "+\n"
        "+\n"
        "+def added():\n"
        "+    return 3\n"
        "```\n"
    )


def test_diff_between_a_stage_and_a_variant(root, write):
    # a [[variant]] beside the chain (as verify-push is beside final): diffs name its folder
    manifest = root / "stages" / "stages.toml"
    manifest.write_text(manifest.read_text() + '\n[[variant]]\nid = "other"\ntitle = "Other"\n'
                        'path = "other"\nafter = "02"\nchanged = ["app/page.html"]\n')
    write({"other/app/page.html": "<p>hello</p>\n"})
    assert cog('diff("app/page.html", "02", "other")') == (
        "```diff\n--- stages/02-more/app/page.html\n+++ other/app/page.html\n"
        "@@ -1 +1 @@\n-<p>hi</p>\n+<p>hello</p>\n```\n"
    )


def test_diff_refuses_a_file_that_did_not_change():
    with pytest.raises(Exception, match="the same in stages 01 and 02"):
        cog('diff(".flaskenv", "01", "02")')


def test_stage_diff_shows_every_changed_file():
    text = cog('stage_diff("01", "02")')
    assert text.count("```") == 2
    for headers in ("--- stages/01-base/app/mod.py\n+++ stages/02-more/app/mod.py\n",
                    "--- /dev/null\n+++ stages/02-more/app/page.html\n@@ -0,0 +1 @@\n+<p>hi</p>\n",
                    "--- stages/01-base/app/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-going\n"):
        assert headers in text
    assert ".flaskenv" not in text


def test_cog_check_fails_when_a_chapter_or_its_source_drifts(root, write):
    chapter = root / "docs/chapter.md"
    write({"docs/chapter.md": f'Text.\n\n<!-- [[[cog from tools.cogdocs import code; code("{MOD}", "plain")]]] -->\n'
                                    "<!-- [[[end]]] -->\n"})
    assert Cog().main(["cog", "-r", "--verbosity=0", str(chapter)]) == 0
    assert "    return 1" in chapter.read_text()
    assert cogdocs.check(chapter) == (0, "")

    # a hand edit in the generated block
    chapter.write_text(chapter.read_text().replace("return 1", "return 42"))
    status, output = cogdocs.check(chapter)
    assert status == 5
    assert "-    return 42\n+    return 1" in output  # what the file has, then what cog would write
    assert output.endswith("Check failed: run `make cog` and commit the result\n")

    # the stage's code changes under the chapter
    chapter.write_text(chapter.read_text().replace("return 42", "return 1"))
    write({MOD: (root / MOD).read_text().replace("return 1", "return 7")})
    assert cogdocs.check(chapter)[0] == 5
