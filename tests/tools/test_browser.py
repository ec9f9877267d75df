"""tools/browser.py: a snap's Chromium is passed over, as it cannot run under Playwright."""

import os

from tools import browser

DEBIAN_LAUNCHER = '#!/bin/sh\n# Chromium launcher\nexec /usr/lib/chromium/chromium "$@"\n'
UBUNTU_WRAPPER = '#! /bin/sh\n# part of the chromium-browser transitional package\nexec /snap/bin/chromium "$@"\n'


def executable(path, text="\x7fELF"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def snap_link(folder, name):
    """As /snap/bin/chromium is: a link to the snap command."""
    snap = executable(folder.parent / "usr-bin" / "snap")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(snap)
    return folder / name


def test_a_snap_link_and_a_script_that_runs_a_snap_are_snaps(tmp_path):
    assert browser.is_snap(str(snap_link(tmp_path / "snap-bin", "chromium")))
    assert browser.is_snap(str(executable(tmp_path / "bin" / "chromium-browser", UBUNTU_WRAPPER)))
    assert not browser.is_snap(str(executable(tmp_path / "debian" / "chromium", DEBIAN_LAUNCHER)))
    assert not browser.is_snap(str(executable(tmp_path / "chrome" / "google-chrome")))


def test_the_first_chromium_on_path_that_is_not_a_snap_is_chosen(tmp_path):
    snap = snap_link(tmp_path / "snap-bin", "chromium")
    wrapper = executable(tmp_path / "bin" / "chromium-browser", UBUNTU_WRAPPER)
    chrome = executable(tmp_path / "opt" / "google-chrome")
    search = os.pathsep.join(str(tmp_path / folder) for folder in ("snap-bin", "bin", "opt"))
    assert browser.find_chromium(search) == (str(chrome), [str(snap), str(wrapper)])


def test_only_snaps_means_none(tmp_path):
    snap = snap_link(tmp_path / "snap-bin", "chromium")
    assert browser.find_chromium(str(tmp_path / "snap-bin")) == (None, [str(snap)])
