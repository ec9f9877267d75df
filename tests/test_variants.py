"""Variants (stages.toml's [[variant]]): complete apps beside the chain, such as verify-push/,
each the stage it comes after but for exactly the paths it lists."""

import shutil

from tools import stages
from tools.run_tests import all_parts


def test_every_variant_differs_from_its_stage_only_in_the_listed_paths():
    assert stages.variant_problems() == []


def test_verify_push_comes_after_final():
    [variant] = [v for v in stages.variants() if v.id == "verify-push"]
    assert (variant.path, variant.after) == ("verify-push", "final")
    # the migration's own files: the Verify module, the webhooks, the migration; Authy's go
    assert {"app/verify.py", "app/webhooks.py"} <= set(variant.added)
    assert {"app/authy.py", "app/callbacks.py"} <= set(variant.removed)


def test_the_chapter_of_a_variant_mentions_every_path_it_lists():
    # as each stage's chapter does (tests/test_stage_integrity.py)
    for variant in stages.variants():
        assert variant.chapter, f"variant {variant.id} names no chapter in stages.toml"
        text = (stages.ROOT / variant.chapter).read_text(encoding="utf-8")
        assert stages.chapter_problems(text, variant) == []


def test_variants_are_not_stages():
    # the chain (chapters, e2e, stage diffs) does not see them
    assert "verify-push" not in [stage.id for stage in stages.load()]


def test_an_unlisted_change_is_found(tmp_path):
    # a copy of the repository's manifest and of the two folders, one file changed in the copy
    root = tmp_path
    (root / "stages").mkdir()
    shutil.copy(stages.ROOT / "stages" / "stages.toml", root / "stages" / "stages.toml")
    for folder in ("final", "verify-push"):
        shutil.copytree(stages.ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "instance", ".pytest_cache"))
    (root / "verify-push" / "config.py").write_text("changed\n")
    (root / "verify-push" / "pytest.ini").write_text("changed\n")
    problems = stages.variant_problems(root)
    assert problems == [
        "verify-push/pytest.ini was changed but stages.toml does not list it under changed"
    ]


def test_history_tags_verify_push_after_final(tmp_path, monkeypatch):
    # make history: verify-push is a commit on a branch of its own from final, tagged
    import subprocess

    from tools import history

    monkeypatch.setattr(history, "TARGET", tmp_path / "history")
    history.main()

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path / "history"), *args],
                              capture_output=True, text=True, check=True).stdout

    assert "verify-push" in git("tag").split()
    assert git("rev-parse", "verify-push^") == git("rev-parse", "final")
    changed = set(git("diff", "--no-renames", "--name-only", "final", "verify-push").split())
    [variant] = [v for v in stages.variants() if v.id == "verify-push"]
    assert changed == set(variant.added) | set(variant.changed) | set(variant.removed)


def test_make_test_runs_each_variant_on_sqlite_and_on_postgresql():
    parts = {part.name: part for part in all_parts()}
    for variant in stages.variants():
        assert parts[variant.path].args == []
        on_postgresql = parts[f"{variant.path}-postgresql"]
        assert on_postgresql.cwd == stages.ROOT / variant.path
        assert on_postgresql.args == ["--database=postgresql"] and on_postgresql.needs_postgresql
