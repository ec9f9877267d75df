"""Variants (stages.toml's [[variant]]): complete apps beside the chain, such as verify-push/,
each the stage it comes after but for exactly the paths it lists."""

import shutil

from tools import stages


def test_every_variant_differs_from_its_stage_only_in_the_listed_paths():
    assert stages.variant_problems() == []


def test_verify_push_comes_after_final():
    [variant] = [v for v in stages.variants() if v.id == "verify-push"]
    assert (variant.path, variant.after) == ("verify-push", "final")
    # the migration's own files: the Verify module, the webhooks, the migration; Authy's go
    assert {"app/verify.py", "app/webhooks.py"} <= set(variant.added)
    assert {"app/authy.py", "app/callbacks.py"} <= set(variant.removed)


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
