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
    chain = stages.require()
    for stage in chain:
        commit(stage.path, f"{stage.id}: {stage.title}", f"Folder: {stage.path}\nChapter: {stage.chapter}")
        git("tag", tag_name(stage))
        print(f"{tag_name(stage):<9} {stage.title}")
    # Each variant (stages.toml's [[variant]]) on a branch of its own from the stage it comes
    # after, tagged with its id: `git -C history diff final verify-push` is the migration.
    by_id = {stage.id: stage for stage in chain}
    for variant in stages.variants():
        if variant.after not in by_id or not (stages.ROOT / variant.path).is_dir():
            continue
        git("checkout", "--quiet", "-b", variant.id, tag_name(by_id[variant.after]))
        commit(variant.path, f"{variant.id}: {variant.title}", f"Folder: {variant.path}\nAfter: {variant.after}")
        git("tag", variant.id)
        git("checkout", "--quiet", "main")
        print(f"{variant.id:<9} {variant.title} (branch {variant.id}, from {tag_name(by_id[variant.after])})")
    print("\nhistory/ is ready. For example: git -C history diff stage-01 stage-02")


def commit(path: str, title: str, body: str) -> None:
    """One commit holding exactly the files of the folder `path`, at the top."""
    git("rm", "-r", "--quiet", "--ignore-unmatch", ".")  # the previous commit's files
    for name, source in stages.files(stages.ROOT / path).items():
        (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, TARGET / name)
    git("add", "--all")
    git("commit", "--quiet", "--allow-empty", "-m", title, "-m", body)


if __name__ == "__main__":
    main()
