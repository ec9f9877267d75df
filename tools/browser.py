"""Find a Chromium for Playwright: the system's when there is one, else Playwright's own.

`python -m tools.browser` (run by `make test`) says which, and installs Playwright's own
Chromium only when the system has none (that download needs the internet).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

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


def system_chromium() -> str | None:
    return next(filter(None, map(shutil.which, NAMES)), None)


def launch_options() -> dict:
    """Playwright's launch options: the system Chromium when present, else Playwright's own."""
    path = system_chromium()
    return {"args": ARGS, "executable_path": path} if path else {"args": ARGS}


def main() -> int:
    path = system_chromium()
    if path:
        print(f"Browser for the end-to-end tests: {path}")
        return 0
    print("No Chromium on PATH (chromium, chromium-browser, google-chrome): installing Playwright's own.")
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
