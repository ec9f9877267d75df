"""The stage manifest (stages/stages.toml) and the comparison of two stage folders."""

from __future__ import annotations

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


def get(stage_id: str, root: Path = ROOT) -> Stage:
    for stage in load(root):
        if stage.id == stage_id:
            return stage
    raise LookupError(f"no stage {stage_id!r} in stages/stages.toml")


def present(root: Path = ROOT) -> list[Stage]:
    """The stages whose folder exists."""
    return [stage for stage in load(root) if (root / stage.path).is_dir()]


def files(folder: Path) -> dict[str, Path]:
    """The files git sees in folder (tracked, or untracked and not ignored), by relative path."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=folder, capture_output=True, check=True,
    ).stdout.decode()
    # A file deleted but not yet committed is still in the index: it is gone all the same.
    return {name: folder / name for name in set(listing.split("\0")) if name and (folder / name).is_file()}


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
    """What is wrong with stages.toml itself, or with which stage folders exist."""
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
    exists = [(root / stage.path).is_dir() for stage in stages]
    for stage, here, later in zip(stages, exists, [any(exists[i + 1:]) for i in range(len(stages))]):
        if not here and later:
            problems.append(f"{stage.path} is missing, but a later stage exists")
    return problems
