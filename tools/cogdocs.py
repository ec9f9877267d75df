"""Embed code from the stage folders into the Markdown chapters, with cog.

A chapter holds cog blocks inside HTML comments, so it stays readable on GitHub:

    <!-- [[[cog from tools.cogdocs import code; code("stages/01-register-login/app/auth/routes.py", "login")]]] -->
    <!-- [[[end]]] -->

`cog -r -I . docs/*.md` (or `make cog`), run from the repository root, fills in each block;
`cog --check` (run by the tests) fails when a block no longer matches the stage files.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import textwrap
from pathlib import Path

from cogapp import Cog

from tools import stages

ROOT = stages.ROOT
LANGUAGES = {
    ".py": "python", ".html": "html", ".jinja": "html", ".j2": "html", ".js": "javascript",
    ".css": "css", ".toml": "toml", ".ini": "ini", ".cfg": "ini", ".md": "markdown",
    ".json": "json", ".sh": "bash", ".flaskenv": "ini", ".example": "ini",
}


def code(path: str, name: str | None = None, lang: str | None = None) -> None:
    """A file, or one top-level function or class of it, or a method as "Class.method"."""
    text = (ROOT / path).read_text(encoding="utf-8")
    if name:
        text = extract(text, name, path)
    _out(f"`{path}`\n\n" + fenced(text, lang or language(path)))


def folder(stage_id: str) -> str:
    """The folder of a stage, or of a variant (stages.toml's [[variant]], such as verify-push)."""
    for variant in stages.variants(ROOT):
        if variant.id == stage_id:
            return variant.path
    return stages.get(stage_id, ROOT).path


def diff(path: str, old_stage: str, new_stage: str) -> None:
    """The unified diff of one file (relative to the stage folder) between two stages (or a
    stage and a variant)."""
    old, new = folder(old_stage), folder(new_stage)
    text = unified(f"{old}/{path}", f"{new}/{path}")
    if not text:
        raise ValueError(f"{path} is the same in stages {old_stage} and {new_stage}: nothing to show")
    _out(fenced(text, "diff"))


def stage_diff(old_stage: str, new_stage: str) -> None:
    """The unified diff of every file that differs between two stages (or a stage and a variant)."""
    old, new = folder(old_stage), folder(new_stage)
    changes = stages.differences(ROOT / old, ROOT / new)
    paths = sorted(set().union(*changes.values()))
    if not paths:
        raise ValueError(f"stages {old_stage} and {new_stage} are the same: nothing to show")
    _out(fenced("".join(unified(f"{old}/{p}", f"{new}/{p}") for p in paths), "diff"))


def extract(source: str, name: str, path: str = "<source>") -> str:
    """The source of a function or class (decorators included), found with ast."""
    body, node = ast.parse(source).body, None
    for part in name.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise LookupError(f"{path}: no function or class named {name!r}")
        body = node.body
    first = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
    return textwrap.dedent("".join(source.splitlines(keepends=True)[first - 1:node.end_lineno]))


def unified(old: str, new: str) -> str:
    """The unified diff between two files given relative to the repository; a missing one is empty."""
    a, b = ROOT / old, ROOT / new
    try:
        before = a.read_text(encoding="utf-8").splitlines(keepends=True) if a.is_file() else []
        after = b.read_text(encoding="utf-8").splitlines(keepends=True) if b.is_file() else []
    except UnicodeDecodeError:
        return f"Binary files {old} and {new} differ\n"
    lines = difflib.unified_diff(before, after, old if a.is_file() else "/dev/null", new if b.is_file() else "/dev/null")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def language(path: str) -> str:
    return LANGUAGES.get(Path(path).suffix or Path(path).name, "text")


def fenced(text: str, lang: str) -> str:
    """A fenced code block, its fence longer than any run of backticks inside."""
    fence = "`" * max([3] + [len(run) + 1 for run in re.findall(r"`{3,}", text)])
    if not text.endswith("\n"):
        text += "\n"
    return f"{fence}{lang}\n{text}{fence}\n"


def check(*paths: Path) -> tuple[int, str]:
    """`cog --check` over files: its exit status (0 when in sync) and what it printed."""
    output = io.StringIO()
    runner = Cog()
    runner.set_output(stdout=output, stderr=output)
    status = runner.main(["cog", "--check", "--diff", "--verbosity=1", "-I", str(ROOT),
                          "--check-fail-msg=run `make cog` and commit the result", *map(str, paths)])
    return status, output.getvalue()


def _out(markdown: str) -> None:
    import cog  # exists only while cog runs a block

    cog.out(markdown)
