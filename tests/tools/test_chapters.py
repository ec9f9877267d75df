"""tools/chapters.py: the seven parts of a chapter, its folds, and the words on its main path."""

import pytest

from tools.chapters import MAIN_PATH_WORDS
from tools.chapters import Chapter

GOOD = """# 9. A chapter

## What you will build

A page. About 20 minutes.

![The page](images/page.png)

## Run it first

```console
$ source ../../.venv/bin/activate
$ make workspace STAGE=08
```

## The view

```python
## not a heading: inside a code block
```

## Try it

Open the page.

## What you learned

- a thing

## Exercises

1. Do one thing.

<details markdown>
<summary>Solution</summary>

Done.

</details>

2. Do another.

<details markdown>
<summary>Solution to 2</summary>

Done too.

</details>

## Going deeper

<details markdown>
<summary>The whole diff</summary>

```diff
+ a line
```

</details>
"""


def chapter(text, tmp_path):
    path = tmp_path / "09-a-chapter.md"
    path.write_text(text)
    return Chapter.read(path)


def test_a_chapter_in_the_seven_parts_has_no_problems(tmp_path):
    good = chapter(GOOD, tmp_path)
    assert good.problems() == []
    assert list(good.sections) == ["What you will build", "Run it first", "The view", "Try it",
                                   "What you learned", "Exercises", "Going deeper"]
    assert len(good.folds) == 3
    assert "+ a line" not in good.main_path and "Done too" not in good.main_path
    assert "Do another" in good.main_path


@pytest.mark.parametrize(("change", "problem"), [
    (("## Try it", "## Try this"), "no '## Try it' part"),
    (("## The view\n", ""), "no step ('## ' heading) between 'Run it first' and 'Try it'"),
    (("About 20 minutes.", ""), "gives no time"),
    (("![The page](images/page.png)", ""), "shows no screenshot"),
    (("source ../../.venv/bin/activate", "make demo"), "does not activate the virtual environment"),
    (("make workspace STAGE=08", "make demo"), "how to write the code yourself"),
    (("<summary>Solution to 2</summary>", "<summary>Hint</summary>"), "1 folded solutions"),
    (("<summary>Solution</summary>\n\n", "<summary>Solution</summary>\n"), "no blank line after '<summary>Solution</summary>'"),
    (("Done too.\n\n</details>", "Done too.\n</details>"), "no blank line before the '</details>'"),
    (("<details markdown>\n<summary>The whole", "<details>\n<summary>The whole"), "should be '<details markdown>'"),
    (("A page.", "A page. " + "word " * 400), "'Run it first' starts after"),
    (("Open the page.", "Open the page. " + "word " * MAIN_PATH_WORDS), "fold the depth"),
])
def test_each_rule_names_what_is_wrong(tmp_path, change, problem):
    old, new = change
    assert old in GOOD
    problems = chapter(GOOD.replace(old, new, 1), tmp_path).problems()
    assert any(problem in found for found in problems), problems


def test_words_in_folds_and_comments_are_not_on_the_main_path(tmp_path):
    long_fold = "<details markdown>\n<summary>The whole diff</summary>\n\n" + "word " * MAIN_PATH_WORDS + "\n\n</details>"
    folded = GOOD.replace("## Going deeper\n", "## Going deeper\n\n" + long_fold + "\n<!-- " + "cog " * 5000 + "-->\n")
    assert chapter(folded, tmp_path).problems() == []
