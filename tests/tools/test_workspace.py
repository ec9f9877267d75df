"""tools/workspace.py (make workspace STAGE=NN): a copy of a stage for the learner to write
the next chapter in, which is never overwritten unasked."""

import json
import subprocess
import sys

import pytest

from tools import stages
from tools.stages import ROOT


def workspace(folder, *args):
    """`python -m tools.workspace ARGS --dir folder`, as make workspace runs it."""
    return subprocess.run([sys.executable, "-m", "tools.workspace", *args, "--dir", str(folder)], cwd=ROOT,
                          capture_output=True, text=True)


def test_copies_the_stage_without_what_runs_leave(tmp_path):
    folder = tmp_path / "ws"
    done = workspace(folder, "04")
    assert done.returncode == 0, done.stderr
    source = {name for name in stages.files(ROOT / "stages/04-qr-scan")
              if not {"instance", "__pycache__", ".pytest_cache"} & set(name.split("/"))}
    copied = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert copied == source | {".workspace.json"}
    assert (folder / "app/authy.py").read_bytes() == (ROOT / "stages/04-qr-scan/app/authy.py").read_bytes()
    assert json.loads((folder / ".workspace.json").read_text())["stage"] == "04"
    assert "Now follow chapter 05 (docs/05-push-login.md)" in done.stdout
    assert f"make check STAGE=05 DIR={folder}" in done.stdout


def test_an_unchanged_workspace_is_replaced(tmp_path):
    folder = tmp_path / "ws"
    workspace(folder, "04")
    (folder / "instance").mkdir()
    (folder / "instance" / "app.db").write_text("a database is no work of the learner's")
    done = workspace(folder, "5")  # 5 is 05
    assert done.returncode == 0, done.stderr
    assert json.loads((folder / ".workspace.json").read_text())["stage"] == "05"
    assert (folder / "app/auth/push.py").is_file() and not (folder / "instance").exists()


def test_refuses_to_overwrite_changes_and_lists_them(tmp_path):
    folder = tmp_path / "ws"
    workspace(folder, "04")
    (folder / "app/models.py").write_text("# my work\n")
    (folder / "app/mine.py").write_text("# mine\n")
    (folder / "README.md").unlink()
    done = workspace(folder, "05")
    assert done.returncode == 1
    assert done.stderr.splitlines()[:4] == [
        f"{folder}/ holds stage 04, copied by make workspace, and you changed it since:",
        "  changed  app/models.py",
        "  added    app/mine.py",
        "  removed  README.md",
    ]
    assert f"make workspace STAGE=05 DIR={folder} FORCE=1" in done.stderr
    assert (folder / "app/models.py").read_text() == "# my work\n"  # nothing changed
    assert json.loads((folder / ".workspace.json").read_text())["stage"] == "04"

    done = workspace(folder, "05", "--force")
    assert done.returncode == 0, done.stderr
    assert (folder / "app/models.py").read_bytes() == (ROOT / "stages/05-push-login/app/models.py").read_bytes()
    assert not (folder / "app/mine.py").exists() and (folder / "README.md").is_file()


def test_refuses_a_folder_it_did_not_fill(tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    done = workspace(folder, "04")
    assert done.returncode == 1
    assert "holds files that make workspace did not put there" in done.stderr and "notes.txt" in done.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("stage", ["07", "1x", ""])
def test_a_bad_stage_lists_the_ids_and_changes_nothing(tmp_path, stage):
    folder = tmp_path / "ws"
    workspace(folder, "03")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    done = subprocess.run(["make", "-s", "workspace", f"STAGE={stage}", f"DIR={folder}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "01, 02, 03, 04, 05, 06, final, verify-push" in done.stderr
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_final_is_a_stage_too(tmp_path):
    done = workspace(tmp_path / "ws", "final")
    assert done.returncode == 0, done.stderr
    assert "It is the last stage of the chain" in done.stdout and (tmp_path / "ws/app/callbacks.py").is_file()
    # chapter 13 is written from final: the learner learns how to check it
    assert "Chapter 13 (docs/13-verify-push.md) changes it into verify-push" in done.stdout
    assert f"make check STAGE=verify-push DIR={tmp_path / 'ws'} checks it" in done.stdout


def test_a_variant_copies_the_chapters_answer(tmp_path):
    done = workspace(tmp_path / "ws", "verify-push")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ws/app/verify.py").is_file() and not (tmp_path / "ws/app/authy.py").exists()
    assert "Copied variant verify-push" in done.stdout
    assert "To write that chapter yourself, start from make workspace STAGE=final instead." in done.stdout


def test_make_clean_keeps_the_learners_code(tmp_path):
    """make clean empties the workspace's instance/ and caches, never the code."""
    (tmp_path / "Makefile").write_bytes((ROOT / "Makefile").read_bytes())
    for name in ("workspace/app/models.py", "workspace/instance/app.db", "workspace/app/__pycache__/x.pyc",
                 "workspace/.pytest_cache/v"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    done = subprocess.run(["make", "-s", "clean"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    left = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "workspace").rglob("*"))
    assert left == ["workspace/app", "workspace/app/models.py"]
