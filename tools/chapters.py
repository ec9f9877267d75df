"""The shape every chapter follows, checked: the learner's path through a chapter.

    python -m tools.chapters                  # every chapter: its parts, main-path words, problems
    python -m tools.chapters docs/04-qr-scan.md

A chapter (docs/NN-*.md) has these `## ` parts, in this order:

    What you will build    two or three sentences, the screenshot, the time it takes
    Run it first           the commands from a fresh terminal, within the first screen
    (the steps)            one `## ` heading a step, in the order the learner writes them
    Try it                 what to do in the browser and on the phone, and what must happen
    What you learned       a short recap
    Exercises              two or three, each with a folded solution
    Going deeper           the reasoning, the sources, the whole diff: folded

"Folded" is an HTML <details> block, which GitHub shows closed and MkDocs (md_in_html) too:

    <details markdown>
    <summary>Solution</summary>

    Markdown, code blocks and cog blocks as anywhere else.

    </details>

The main path, everything outside such blocks (code included, HTML comments not), stays
under MAIN_PATH_WORDS words: a learner reads it in one sitting.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from tools import stages

ROOT = stages.ROOT
PARTS = ("What you will build", "Run it first", "Try it", "What you learned", "Exercises", "Going deeper")
MAIN_PATH_WORDS = 3500
FIRST_SCREEN_WORDS = 400  # the words before "Run it first": a title, a few sentences, a picture
FENCE = re.compile(r"^ *(`{3,}|~{3,})")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TIME = re.compile(r"\b\d+ (?:to \d+ )?(?:minutes|hours?)\b")
ACTIVATE = re.compile(r"(?:source|\.) \S*\.venv/bin/activate")


@dataclass
class Chapter:
    """A chapter split into its `## ` sections, with the folded blocks told apart."""

    path: Path
    text: str
    sections: dict[str, str] = field(default_factory=dict)  # heading -> body, in order
    main_path: str = ""  # the text outside <details> blocks and HTML comments
    folds: list[str] = field(default_factory=list)  # each top-level <details> block, whole

    @classmethod
    def read(cls, path: Path) -> Chapter:
        chapter = cls(path, path.read_text(encoding="utf-8"))
        chapter.split()
        return chapter

    def split(self) -> None:
        heading, main, fold, depth, fence = "", [], [], 0, None
        for line in self.text.split("\n"):
            opening = FENCE.match(line)
            outside = fence is None
            if fence is None and opening:
                fence = opening[1]
            elif fence is not None and opening and opening[1].startswith(fence) and not line.strip()[len(opening[1]):]:
                fence = None
            if outside and line.startswith("<details"):
                depth += 1
            (fold if depth else main).append(line)
            if outside and line.startswith("</details>") and depth:
                depth -= 1
                if depth == 0:
                    self.folds.append("\n".join(fold))
                    fold = []
            if outside and line.startswith("## ") and not depth:
                heading = line[3:].strip()
                self.sections[heading] = ""
            elif heading:
                self.sections[heading] += line + "\n"
        self.main_path = COMMENT.sub(" ", "\n".join(main))

    def words(self, text: str | None = None) -> int:
        return len((self.main_path if text is None else COMMENT.sub(" ", text)).split())

    def problems(self) -> list[str]:
        """What keeps this chapter from the shape above, in words a writer can act on."""
        problems = []
        headings = list(self.sections)
        missing = [part for part in PARTS if part not in headings]
        if missing:
            return [f"no '## {part}' part" for part in missing]
        places = [headings.index(part) for part in PARTS]
        if places != sorted(places):
            problems.append("the parts are not in the order " + ", ".join(PARTS))
        if places[2] - places[1] < 2:
            problems.append("no step ('## ' heading) between 'Run it first' and 'Try it'")
        if places[5] != len(headings) - 1:
            problems.append("'Going deeper' is not the last part")
        build, run = self.sections["What you will build"], self.sections["Run it first"]
        if not TIME.search(COMMENT.sub(" ", build)):
            problems.append("'What you will build' gives no time, such as '30 minutes'")
        if "![" not in build:
            problems.append("'What you will build' shows no screenshot")
        before = self.words(self.text.split("\n## Run it first", 1)[0])
        if before > FIRST_SCREEN_WORDS:
            problems.append(f"'Run it first' starts after {before} words (at most {FIRST_SCREEN_WORDS}: the first screen)")
        if not ACTIVATE.search(run):
            problems.append("'Run it first' does not activate the virtual environment (source .venv/bin/activate)")
        if "make workspace" not in run and "make check" not in run:
            problems.append("'Run it first' does not say how to write the code yourself (make workspace, make check)")
        solutions = re.findall(r"<summary>[^<]*Solution", self.sections["Exercises"])
        if len(solutions) < 2:
            problems.append(f"'Exercises' has {len(solutions)} folded solutions (<summary>Solution...), at least 2")
        if "<details" not in self.sections["Going deeper"]:
            problems.append("'Going deeper' folds nothing (<details markdown>)")
        problems += self.fold_problems()
        words = self.words()
        if words > MAIN_PATH_WORDS:
            problems.append(f"the main path has {words} words, more than {MAIN_PATH_WORDS}: fold the depth")
        return problems

    def fold_problems(self) -> list[str]:
        """Folds that would not read well on GitHub or on the site."""
        problems = []
        for fold in self.folds:
            lines = fold.split("\n")
            first = lines[0]
            if first.strip() != "<details markdown>":
                problems.append(f"'{first}' should be '<details markdown>' (MkDocs renders the Markdown inside)")
            body = [line for line in lines[1:] if line.strip()]
            if not body or not re.fullmatch(r"<summary>.+</summary>", body[0].strip()):
                problems.append(f"a fold has no '<summary>...</summary>' line after '{first}'")
            elif lines[lines.index(body[0]) + 1].strip():
                problems.append(f"no blank line after '{body[0].strip()}' (GitHub then shows the Markdown raw)")
            if len(lines) > 1 and lines[-2].strip():
                problems.append(f"no blank line before the '</details>' of '{body[0].strip() if body else first}'")
        return problems


def chapters() -> list[Path]:
    return sorted((ROOT / "docs").glob("[0-9][0-9]-*.md"))


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or chapters()
    bad = 0
    for path in paths:
        chapter = Chapter.read(path)
        problems = chapter.problems()
        bad += bool(problems)
        print(f"{path.relative_to(ROOT)}: {chapter.words()} words on the main path, "
              f"{len(chapter.folds)} folds, {'ok' if not problems else f'{len(problems)} problems'}")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
