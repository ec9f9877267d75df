"""Start the tutorial's servers the way a person would, and wait until they answer.

Used by the end-to-end tests (e2e/conftest.py), `make demo` (tools/demo.py) and
`make screenshots` (tools/screenshots.py).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Straight to 127.0.0.1, even where the environment names an HTTP proxy.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    """A server did not start; the message says why and shows its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers themselves do
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def start(args: list[str], cwd: Path, env: dict, output=None) -> subprocess.Popen:
    """Start a server in its own process group, so that stop() also ends its children."""
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT if output else None,
                            start_new_session=os.name == "posix")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    if os.name == "posix":
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Poll url until the server answers (with any HTTP status); fail if its process ends first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerError(f"it exited with status {process.returncode}")
        try:
            _opener.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise ServerError(f"it did not answer {url} within {timeout:.0f} s") from None
            time.sleep(0.1)  # the polling interval, not a guess at how long starting takes


def app_settings(fake, database: Path, **settings: str) -> dict[str, str]:
    """The environment for a stage's app that talks to `fake` (a FakeAuthyServer), with its
    SQLite database at `database`; `settings` add to it or replace what is here.
    """
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "AUTHY_API_URL": fake.url,
        # The fake's application, whatever the calling shell has (a real key would not match).
        "AUTHY_PRODUCTION_API_KEY": fake.api_key,
        "AUTHY_APP_NAME": fake.app_name,
        "AUTHY_APP_ID": fake.app_id,
        # The QR and waiting pages move on soon after the phone answers.
        "POLL_INTERVAL": "0.2",
        # Not in debug mode, as in production: which needs a real secret key.
        "FLASK_DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(16),
        **settings,
    }


def verify_settings(fake) -> dict[str, str]:
    """What an app on Twilio Verify (verify-push) adds to app_settings() to talk to `fake`:
    the fake's account and Verify Service, and its Verify API (/v2 on the fake's port)."""
    return {"TWILIO_ACCOUNT_SID": fake.account_sid, "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_VERIFY_SERVICE_SID": fake.verify_service_sid, "TWILIO_VERIFY_BASE_URL": fake.url}


class AppServer:
    """One stage's app as a real server: `flask db upgrade`, then `flask run`, in the stage folder.

    With `workers`, gunicorn serves it instead, with that many worker processes (final has a
    gunicorn.conf.py), as in production.
    """

    def __init__(self, folder: Path, port: int, env: dict | None = None, log: Path | None = None,
                 workers: int | None = None):
        self.folder, self.port, self.log, self.workers = Path(folder), port, log, workers
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> AppServer:
        flask = [sys.executable, "-m", "flask"]
        output = open(self.log, "ab") if self.log else None  # None: this terminal
        try:
            upgrade = subprocess.run(flask + ["db", "upgrade"], cwd=self.folder, env=self.env, stdout=output,
                                     stderr=subprocess.STDOUT if output else None)
            if upgrade.returncode:
                raise ServerError(f"`flask db upgrade` failed with status {upgrade.returncode}")
            serve = flask + ["run", "--host", "127.0.0.1", "--port", str(self.port)]
            if self.workers:
                serve = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                         "--workers", str(self.workers)]
            self.process = start(serve, self.folder, self.env, output)
            wait_until_up(self.url + "/auth/login", self.process, timeout)
        except ServerError as error:
            self.stop()
            raise ServerError(f"{self.folder} did not start: {error}" + self._output_shown()) from None
        except BaseException:  # Ctrl-C or SIGTERM while it starts: leave nothing running
            self.stop()
            raise
        finally:
            if output:
                output.close()
        return self

    def stop(self) -> None:
        stop(self.process)

    def output_tail(self, lines: int = 40) -> str:
        """The last lines the server printed (when it writes to a log file)."""
        if not self.log or not self.log.exists():
            return ""
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.log.read_text(errors="replace"))  # werkzeug's colours
        return "\n".join(text.splitlines()[-lines:])

    def _output_shown(self) -> str:
        tail = self.output_tail()
        return f"\n--- its output ({self.log}) ---\n{tail}" if tail else ""
