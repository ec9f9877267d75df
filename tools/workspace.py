"""`make workspace STAGE=04`: copy a stage into workspace/, for the learner to write the next chapter's code.

    python -m tools.workspace 04                  # stages/04-qr-scan -> workspace/
    python -m tools.workspace 05 --force          # replace a workspace/ the learner changed
    python -m tools.workspace 04 --dir my-work    # another folder
    python -m tools.workspace final               # to write chapter 13 (verify-push) from it

The learner then follows the next chapter, edits workspace/, and `make check STAGE=05`
(tools/check.py) says how far the code is. workspace/ is ignored by git. Chapter 13 is
written from final, and checked as the variant it builds: `make check STAGE=verify-push`.
A variant's id copies the variant itself, the chapter's answer (make workspace STAGE=verify-push).

It copies the files git sees in the stage's folder (not instance/ nor caches) and writes
workspace/.workspace.json: the stage id and a hash of every file copied. A later run
compares the folder with it, so that it never overwrites the learner's work unasked: it
replaces a workspace nobody changed, and refuses, listing the changed, added and removed
files, when someone did, unless --force. Replacing it also drops workspace/instance/ (the
database and the fake's phone): each stage has a database of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from tools import stages

ROOT = stages.ROOT
RECORD = ".workspace.json"
# What running, testing and checking the app leaves in a folder: never the learner's code.
LEFT_BY_RUNS = ("instance", "__pycache__", ".pytest_cache")


def pick(stage_id: str | None, example: str = "make workspace STAGE=04") -> stages.Stage | stages.Variant:
    """The stage named on the command line ("4" is "04"), or a [[variant]] of stages.toml
    (verify-push), or exit with the valid ids."""
    known = [*stages.require(), *stages.variants()]
    ids = ", ".join(stage.id for stage in known)
    if not stage_id:
        sys.exit(f"Which stage? For example: {example} (one of {ids}).")
    wanted = stage_id.zfill(2) if stage_id.isdigit() else stage_id
    for stage in known:
        if stage.id == wanted:
            return stage
    sys.exit(f"No stage {stage_id!r}: choose one of {ids}.")


def lineage(stage_id: str) -> list[stages.Stage | stages.Variant]:
    """The stages whose tests stage_id's took over, first to last, ending with stage_id: the
    chain up to that stage; for a variant, the chain up to the stage it comes after, then it."""
    variant = next((known for known in stages.variants() if known.id == stage_id), None)
    if variant is not None:
        return [*lineage(variant.after), variant]
    listed = stages.load()
    return listed[:[stage.id for stage in listed].index(stage_id) + 1]


def label(stage: stages.Stage | stages.Variant) -> str:
    """How messages name it: "stage 05", "variant verify-push"."""
    return f"variant {stage.id}" if isinstance(stage, stages.Variant) else f"stage {stage.id}"


def next_stage(stage: stages.Stage | stages.Variant) -> stages.Stage | None:
    """The stage after this one (None after final, and after a variant)."""
    listed = stages.load()
    ids = [s.id for s in listed]
    index = ids.index(stage.id) if stage.id in ids else len(ids)
    return listed[index + 1] if index + 1 < len(listed) else None


def variants_after(stage: stages.Stage | stages.Variant) -> list[stages.Variant]:
    """The variants a chapter builds from this stage (verify-push, chapter 13, from final)."""
    return [variant for variant in stages.variants() if variant.after == stage.id and variant.chapter]


def code_files(folder: Path) -> dict[str, Path]:
    """The files below folder by relative path, without what runs leave behind (LEFT_BY_RUNS)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not set(relative.parts) & set(LEFT_BY_RUNS) and relative.as_posix() != RECORD:
            found[relative.as_posix()] = path
    return found


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recorded(folder: Path) -> dict | None:
    """What make workspace wrote into folder/.workspace.json; None when it has none."""
    try:
        return json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def learner_changes(folder: Path) -> dict[str, list[str]]:
    """The files changed, added and removed in folder since make workspace copied them
    (with no record, every file counts as added)."""
    record = recorded(folder) or {"files": {}}
    now = {name: digest(path) for name, path in code_files(folder).items()}
    before = record["files"]
    return {
        "changed": sorted(name for name in now.keys() & before.keys() if now[name] != before[name]),
        "added": sorted(now.keys() - before.keys()),
        "removed": sorted(before.keys() - now.keys()),
    }


def copy(stage: stages.Stage, folder: Path) -> int:
    """Empty folder, copy the stage's files into it and record them; the number of files."""
    if folder.exists():
        shutil.rmtree(folder)
    source = stages.files(ROOT / stage.path)
    hashes = {}
    for name, path in sorted(source.items()):
        if set(Path(name).parts) & set(LEFT_BY_RUNS):
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, folder / name)
        hashes[name] = digest(path)
    (folder / RECORD).write_text(json.dumps({"stage": stage.id, "path": stage.path, "files": hashes},
                                            indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return len(hashes)


def chapter_number(stage: stages.Stage | stages.Variant) -> str:
    """The number of the stage's chapter: 05 for stage 05, 07 for final, 13 for verify-push."""
    return Path(stage.chapter).name[:2]


def dir_arg(folder: Path) -> str:
    """What make's commands need to name folder: nothing for workspace/, else DIR=folder."""
    return "" if folder == ROOT / "workspace" else f" DIR={shown(folder).rstrip('/')}"


def shown(folder: Path) -> str:
    """folder as the learner types it: relative to the repository when inside it."""
    try:
        return folder.resolve().relative_to(ROOT).as_posix() + "/"
    except ValueError:
        return str(folder) + "/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.workspace", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", nargs="?", help="a stage id such as 04, final, or a variant (verify-push)")
    parser.add_argument("--dir", default=str(ROOT / "workspace"), help="the folder (default: workspace/)")
    parser.add_argument("--force", action="store_true", help="replace the folder even if you changed it")
    options = parser.parse_args(argv)
    try:
        stage = pick(options.stage)
    except stages.MissingStage as error:
        sys.exit(str(error))
    folder = Path(options.dir).resolve()
    where = shown(folder)
    if folder.exists() and any(folder.iterdir()) and not options.force:
        record = recorded(folder)
        changes = learner_changes(folder)
        if any(changes.values()):
            holds = (f"{where} holds stage {record['stage']}, copied by make workspace, and you changed it since:"
                     if record else f"{where} holds files that make workspace did not put there:")
            lines = [holds] + [f"  {kind:<8} {name}" for kind, names in changes.items() for name in names]
            lines += [f"Copying stage {stage.id} would overwrite that work. To keep it, copy the folder first "
                      f"(cp -r {where.rstrip('/')} my-work), then replace it: make workspace STAGE={stage.id}{dir_arg(folder)} FORCE=1"]
            print("\n".join(lines), file=sys.stderr)
            return 1
    count = copy(stage, folder)
    print(f"Copied {label(stage)} ({stage.title}, {stage.path}) into {where}: {count} files.")
    following = next_stage(stage)
    demo = f"make demo DIR={where.rstrip('/')}"
    if following:
        print(f"Now follow chapter {chapter_number(following)} ({following.chapter}) and write its code in {where}\n"
              f"  make check STAGE={following.id}{dir_arg(folder)}   checks it with stage {following.id}'s tests\n"
              f"  {demo}   runs it")
    elif isinstance(stage, stages.Variant):
        print(f"It is what chapter {chapter_number(stage)} ({stage.chapter}) builds, finished: read it and change it "
              f"as you like; {demo} runs it. To write that chapter yourself, start from "
              f"make workspace STAGE={stage.after} instead.")
    else:
        print(f"It is the last stage of the chain: change it as you like; {demo} runs it.")
        for variant in variants_after(stage):
            print(f"Chapter {chapter_number(variant)} ({variant.chapter}) changes it into {variant.id}: write that in "
                  f"{where}, then make check STAGE={variant.id}{dir_arg(folder)} checks it with {variant.id}'s tests.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
