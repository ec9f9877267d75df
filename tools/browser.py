"""Find a Chromium for Playwright: the system's when there is one, else Playwright's own.

`python -m tools.browser` (run by `make test`) says which, and installs Playwright's own
Chromium only when the system has none (that download needs the internet). A snap's
Chromium (Ubuntu's `chromium` and `chromium-browser`) does not count: its sandbox cannot
read the profile Playwright makes in /tmp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")
# Without these, Chromium's background services keep trying to reach the internet and,
# on a closed network (CI), flood the output with errors. --no-sandbox lets it run as root.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# What shows that an executable runs a snap: /snap/bin/chromium is a link to /usr/bin/snap,
# and Ubuntu's chromium-browser package is a script that runs /snap/bin/chromium.
SNAP_MARK = re.compile(rb"/snap/|\bsnap run\b")


def is_snap(path: str) -> bool:
    """Whether the executable at path starts a snap rather than a Chromium of its own.

    A snap's Chromium runs in a sandbox that cannot see the profile Playwright makes for it
    in /tmp, so it fails to start under Playwright (and under the tests).
    """
    real = Path(os.path.realpath(path))
    if real.name == "snap" or real.parts[1:2] == ("snap",):
        return True
    try:
        with open(real, "rb") as executable:
            start = executable.read(8192)
    except OSError:
        return False
    return start.startswith(b"#!") and SNAP_MARK.search(start) is not None


def find_chromium(search_path: str | None = None) -> tuple[str | None, list[str]]:
    """The first Chromium on PATH (or search_path) that is not a snap, and the snaps passed over."""
    snaps = []
    for name in NAMES:
        path = shutil.which(name, path=search_path)
        if path and is_snap(path):
            snaps.append(path)
        elif path:
            return path, snaps
    return None, snaps


def system_chromium() -> str | None:
    return find_chromium()[0]


def launch_options() -> dict:
    """Playwright's launch options: the system Chromium when present, else Playwright's own."""
    path = system_chromium()
    return {"args": ARGS, "executable_path": path} if path else {"args": ARGS}


def main() -> int:
    path, snaps = find_chromium()
    for snap in snaps:
        print(f"Passing over {snap}: it starts the snap of Chromium, whose sandbox cannot read the "
              "profile Playwright makes in /tmp.")
    if path:
        print(f"Browser for the end-to-end tests: {path}")
        return 0
    print("No Chromium on PATH (chromium, chromium-browser, google-chrome) that is not a snap: "
          "installing Playwright's own.")
    if subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"]).returncode:
        print("Could not install a browser. Install Chromium with your package manager "
              "(Debian and Ubuntu: apt-get install chromium) and try again.", file=sys.stderr)
        return 1
    if sys.platform == "linux":
        # Playwright's Chromium uses the system's libraries (NSS, GBM, ATK...), which a bare
        # Linux may lack; the distribution's chromium package brings them along.
        print("If it cannot start for missing libraries: sudo apt-get install chromium (Debian and "
              "Ubuntu), or sudo .venv/bin/python -m playwright install-deps chromium.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
