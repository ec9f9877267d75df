"""`make history`: history/, a git repository with one commit per stage, tagged.

Each commit holds one stage folder's files at the repository's top, so git shows a stage's
change as a commit: `git -C history diff stage-03 stage-04`, `git -C history log --stat`.
Rebuilt from scratch each time (history/ is ignored by the main repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from tools import stages

TARGET = stages.ROOT / "history"
# Fixed names and dates: the same stages always give the same commits.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Push 2FA Tutorial", "GIT_AUTHOR_EMAIL": "tutorial@example.com",
    "GIT_COMMITTER_NAME": "Push 2FA Tutorial", "GIT_COMMITTER_EMAIL": "tutorial@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def git(*args: str) -> None:
    subprocess.run(["git", "-C", str(TARGET), *args], check=True, env={**os.environ, **GIT_ENV})


def tag_name(stage: stages.Stage) -> str:
    return "final" if stage.id == "final" else f"stage-{stage.id}"


def main() -> None:
    shutil.rmtree(TARGET, ignore_errors=True)
    TARGET.mkdir()
    git("init", "--quiet", "--initial-branch=main")
    for stage in stages.require():
        git("rm", "-r", "--quiet", "--ignore-unmatch", ".")  # the previous stage's files
        for name, source in stages.files(stages.ROOT / stage.path).items():
            (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, TARGET / name)
        git("add", "--all")
        git("commit", "--quiet", "--allow-empty", "-m", f"{stage.id}: {stage.title}", "-m",
            f"Folder: {stage.path}\nChapter: {stage.chapter}")
        git("tag", tag_name(stage))
        print(f"{tag_name(stage):<9} {stage.title}")
    print("\nhistory/ is ready. For example: git -C history diff stage-01 stage-02")


if __name__ == "__main__":
    main()
