"""The stage manifest (stages/stages.toml) and the comparison of two stage folders."""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("added", "changed", "removed")


@dataclass(frozen=True)
class Stage:
    id: str
    slug: str
    title: str
    path: str
    chapter: str
    frames: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def listed(self) -> dict[str, set[str]]:
        """The paths stages.toml lists for this stage, by kind of change."""
        return {kind: set(getattr(self, kind)) for kind in KINDS}


def load(root: Path = ROOT) -> list[Stage]:
    """Every stage in stages.toml, in order (final, when listed, is last)."""
    with open(root / "stages" / "stages.toml", "rb") as manifest:
        entries = tomllib.load(manifest).get("stage", [])
    return [Stage(**{key: tuple(v) if isinstance(v, list) else v for key, v in e.items()}) for e in entries]


@dataclass(frozen=True)
class Variant:
    """A complete app beside the chain: the stage `after`, but for the paths it lists."""

    id: str
    title: str
    path: str
    after: str
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def listed(self) -> dict[str, set[str]]:
        return {kind: set(getattr(self, kind)) for kind in KINDS}


def variants(root: Path = ROOT) -> list[Variant]:
    """Every [[variant]] in stages.toml, in order: apps that are not stages (no chapter order)."""
    with open(root / "stages" / "stages.toml", "rb") as manifest:
        entries = tomllib.load(manifest).get("variant", [])
    return [Variant(**{key: tuple(v) if isinstance(v, list) else v for key, v in e.items()}) for e in entries]


def variant_problems(root: Path = ROOT) -> list[str]:
    """How each variant's folder differs from its `after` stage's other than stages.toml says."""
    ids = {stage.id: stage for stage in load(root)}
    problems = []
    for variant in variants(root):
        if variant.after not in ids:
            problems.append(f"variant {variant.id}: after = {variant.after!r} is not a stage")
            continue
        if variant.id in ids:
            problems.append(f"variant {variant.id}: a stage has that id too")
        problems += pair_problems(root / ids[variant.after].path, root / variant.path, variant)
    return problems


def get(stage_id: str, root: Path = ROOT) -> Stage:
    for stage in load(root):
        if stage.id == stage_id:
            return stage
    raise LookupError(f"no stage {stage_id!r} in stages/stages.toml")


class MissingStage(LookupError):
    """A stage that stages.toml lists has no folder: the repository is incomplete."""


def require(root: Path = ROOT) -> list[Stage]:
    """Every stage in stages.toml, in order, after checking that each one's folder exists.

    What runs the stages (the test runner, the e2e harness, make demo, make history) uses
    this, so that a missing stage stops it with one clear sentence instead of being left out.
    """
    listed = load(root)
    missing = [stage.path for stage in listed if not (root / stage.path).is_dir()]
    if missing:
        raise MissingStage(f"stages/stages.toml lists {', '.join(missing)}, but the folder is missing: "
                           "the repository is incomplete (clone it again, or restore the folder with git)")
    return listed


def files(folder: Path) -> dict[str, Path]:
    """The files git sees in folder (tracked, or untracked and not ignored), by relative path.

    Outside a git checkout (a ZIP download of the repository): every file below folder that
    the .gitignore files do not ignore (walk()).
    """
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=folder, capture_output=True,
        )
    except FileNotFoundError:  # no git on this machine
        return walk(folder)
    if listing.returncode:
        if b"not a git repository" in listing.stderr:
            return walk(folder)
        raise RuntimeError(f"git ls-files in {folder} failed: {listing.stderr.decode(errors='replace')}")
    names = listing.stdout.decode()
    # A file deleted but not yet committed is still in the index: it is gone all the same.
    return {name: folder / name for name in set(names.split("\0")) if name and (folder / name).is_file()}


def walk(folder: Path) -> dict[str, Path]:
    """The files below folder, by relative path, without those a .gitignore ignores.

    It reads the .gitignore files from the repository's root (the folder that holds
    stages/stages.toml) down to folder and below it, and their simple patterns as git does:
    `name` anywhere below, `name/` only folders, `a/b` from the .gitignore's folder, with
    `*`, `?` and `[...]`. Neither `**` nor `!` is supported (the repository uses neither).
    """
    folder = Path(folder).resolve()
    root = next((above for above in (folder, *folder.parents) if (above / "stages" / "stages.toml").is_file()),
                folder)
    parts = folder.relative_to(root).parts
    inherited = [pattern for depth in range(len(parts))
                 for pattern in _ignore_patterns(root.joinpath(*parts[:depth]))]
    patterns = {folder: inherited + _ignore_patterns(folder)}
    found = {}
    for where, subfolders, names in os.walk(folder):
        here = Path(where)
        kept = []
        for name in sorted(subfolders):
            if name != ".git" and not _ignored(here / name, True, patterns[here]):
                kept.append(name)
                patterns[here / name] = patterns[here] + _ignore_patterns(here / name)
        subfolders[:] = kept
        for name in names:
            if not _ignored(here / name, False, patterns[here]):
                found[(here / name).relative_to(folder).as_posix()] = here / name
    return found


def _ignore_patterns(folder: Path) -> list[tuple[Path, str, bool]]:
    """(the .gitignore's folder, pattern, only folders) for each pattern of folder/.gitignore."""
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        return []
    patterns = []
    for line in ignore.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!") or "**" in line:
            raise ValueError(f"{ignore}: without git, ! and ** are not supported: {line}")
        patterns.append((folder, line.rstrip("/"), line.endswith("/")))
    return patterns


def _ignored(path: Path, is_folder: bool, patterns: list[tuple[Path, str, bool]]) -> bool:
    for base, pattern, only_folders in patterns:
        if only_folders and not is_folder:
            continue
        if "/" in pattern:  # anchored to the .gitignore's folder; * stays within one folder's name
            names, wanted = path.relative_to(base).parts, pattern.strip("/").split("/")
            if len(names) == len(wanted) and all(map(fnmatch.fnmatchcase, names, wanted)):
                return True
        elif fnmatch.fnmatchcase(path.name, pattern):
            return True
    return False


def differences(old: Path, new: Path) -> dict[str, set[str]]:
    """The paths added, changed and removed from folder old to folder new."""
    before, after = files(old), files(new)
    both = before.keys() & after.keys()
    return {
        "added": set(after.keys() - before.keys()),
        "changed": {p for p in both if before[p].read_bytes() != after[p].read_bytes()},
        "removed": set(before.keys() - after.keys()),
    }


def pair_problems(old: Path, new: Path, stage: Stage) -> list[str]:
    """How stage's folder differs from the previous stage's other than stages.toml says."""
    missing = [f"{folder} is missing" for folder in (old, new) if not folder.is_dir()]
    if missing:
        return missing
    actual, listed = differences(old, new), stage.listed()
    problems = []
    for kind in KINDS:
        problems += [f"{stage.path}/{p} was {kind} but stages.toml does not list it under {kind}"
                     for p in sorted(actual[kind] - listed[kind])]
        problems += [f"stages.toml lists {p} under {kind} for {stage.id}, but it was not {kind}"
                     for p in sorted(listed[kind] - actual[kind])]
    return problems


def chapter_problems(chapter_text: str, stage: Stage) -> list[str]:
    """The paths this stage lists that its chapter never mentions."""
    return [f"{stage.chapter} does not mention {path} ({kind} in stage {stage.id})"
            for kind, paths in stage.listed().items() for path in sorted(paths) if path not in chapter_text]


def manifest_problems(root: Path = ROOT) -> list[str]:
    """What is wrong with stages.toml itself, or with the stage folders and chapters it names."""
    stages = load(root)
    ids = [stage.id for stage in stages]
    problems = [f"stage id {i!r} appears more than once" for i in sorted(set(ids)) if ids.count(i) > 1]
    numbered = [stage for stage in stages if stage.id != "final"]
    if ids != [s.id for s in sorted(numbered, key=lambda s: s.id)] + (["final"] if "final" in ids else []):
        problems.append(f"stages are not in order (numbered stages first, then final): {ids}")
    for stage in numbered:
        if not re.fullmatch(r"\d\d", stage.id) or not stage.slug.startswith(stage.id + "-"):
            problems.append(f"stage {stage.id!r}: ids are two digits and slugs start with them ({stage.slug!r})")
        if stage.path != f"stages/{stage.slug}" or stage.chapter != f"docs/{stage.slug}.md":
            problems.append(f"stage {stage.id}: expected path stages/{stage.slug} and chapter docs/{stage.slug}.md")
    if "final" in ids and get("final", root).path != "final":
        problems.append("stage final: its path is final")
    if (root / "final").is_dir() and "final" not in ids:
        problems.append("final/ exists but stages.toml has no entry with id = \"final\"")
    if stages and any(stages[0].listed().values()):
        problems.append(f"the first stage ({stages[0].id}) is the base: it lists no added, changed or removed paths")
    for stage in stages:
        if not (root / stage.path).is_dir():
            problems.append(f"{stage.path} is missing: stages.toml lists stage {stage.id} there")
        if not (root / stage.chapter).is_file():
            problems.append(f"{stage.chapter} is missing: stages.toml names it as stage {stage.id}'s chapter")
    return problems
