"""A small throwaway repository with two stages, for the tools' own tests."""

import subprocess

import pytest

SOURCE = '''\
import functools


def plain():
    return 1


@functools.cache
@functools.wraps(plain)
def decorated():
    return 2


class Greeter:
    """Says hello."""

    @property
    def name(self):
        return "world"

    def greet(self):
        return f"hello {self.name}"
'''

MANIFEST = '''\
[[stage]]
id = "01"
slug = "01-base"
title = "The base"
path = "stages/01-base"
chapter = "docs/01-base.md"

[[stage]]
id = "02"
slug = "02-more"
title = "A little more"
path = "stages/02-more"
chapter = "docs/02-more.md"
added = ["app/page.html"]
changed = ["app/mod.py"]
removed = ["app/old.txt"]
'''


def write_files(root, files):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def write(repo):
    """write({"path": "text", ...}): (over)write files in the throwaway repository."""
    return lambda files: write_files(repo, files)


@pytest.fixture(params=["git clone", "zip download"])
def repo(request, tmp_path):
    """Stage 02 adds app/page.html, changes app/mod.py and removes app/old.txt, as listed.

    Once as a git repository, once as a plain folder (the repository downloaded as a ZIP):
    the comparison of stages must see the same files in both.
    """
    if request.param == "git clone":
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_files(tmp_path, {
        ".gitignore": "# what running a stage leaves behind\n*.db\ninstance/\n__pycache__/\n/stages/*/notes.txt\n",
        "stages/stages.toml": MANIFEST,
        "stages/01-base/.flaskenv": "FLASK_APP=app\n",
        "stages/01-base/app/mod.py": SOURCE,
        "stages/01-base/app/old.txt": "going\n",
        "stages/02-more/.flaskenv": "FLASK_APP=app\n",
        "stages/02-more/app/mod.py": SOURCE + "\n\ndef added():\n    return 3\n",
        "stages/02-more/app/page.html": "<p>hi</p>\n",
        "docs/01-base.md": "The base.\n",
        "docs/02-more.md": "Adds app/page.html, changes app/mod.py, drops app/old.txt.\n",
    })
    return tmp_path
