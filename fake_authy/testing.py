"""Run the fake Authy as a real server in tests, and play the phone's part.

    with FakeAuthyServer.start() as fake:
        client = AuthyApiClient(fake.api_key, api_uri=fake.url)
        ...
        fake.phone.approve_latest()

The server is a separate process (`python -m fake_authy --port 0`) with its own temporary
database, so tests talk to it over real HTTP exactly as an app does.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import jwt
import requests

from .settings import DEFAULT_ACCOUNT_SID
from .settings import DEFAULT_API_KEY
from .settings import DEFAULT_APP_ID
from .settings import DEFAULT_APP_NAME
from .settings import DEFAULT_AUTH_TOKEN
from .settings import DEFAULT_VERIFY_SERVICE_SID
from .verify.device import Device

START_SECONDS = 15
ANSWER_SECONDS = 10
POLL_SECONDS = 0.05
HTTP_TIMEOUT = 10


class UnexpectedResponse(AssertionError):
    """The fake answered a helper's call with something other than 200."""

    def __init__(self, response):
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text}")
        self.status_code = response.status_code
        self.response = response


def _json(response):
    if response.status_code != 200:
        raise UnexpectedResponse(response)
    return response.json()


def wait_for(condition, seconds=10, what="the condition"):
    """Poll `condition` until it returns something truthy, and return that; fail after
    `seconds`, saying what was awaited (`what`: a text, or a function that makes one)."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what() if callable(what) else what}")
        time.sleep(POLL_SECONDS)


def registration_link(server, custom_user_id="7", key=None, **claims):
    """An authy://account link as an app makes it (float times, as sample code sends), for
    `server`'s application (anything with app_name, app_id and api_key: a FakeAuthyServer,
    fake_authy.settings.Settings); `key` signs it instead of the API key, `claims` add or replace."""
    now = time.time()
    payload = {
        "iss": server.app_name,
        "iat": now,
        "exp": now + 300,
        "context": {"custom_user_id": custom_user_id, "authy_app_id": server.app_id},
        **claims,
    }
    token = jwt.encode(payload, key or server.api_key, algorithm="HS256")
    return f"authy://account?token={token}"


def enrolment_link(server, identity="0123456789abcdef", friendly_name="Push 2FA Tutorial: alice", **query):
    """A verifypush://enrol link as the verify-push app's QR code holds it: the Verify Service,
    the user's identity and an access token that `server` (a FakeAuthyServer) made through the
    twilio library, as the app makes it; `query` adds or replaces parts of the link."""
    service = server.twilio_client().verify.v2.services(server.verify_service_sid)
    token = service.access_tokens.create(identity=identity, factor_type="push", factor_friendly_name=friendly_name)
    parts = {"service": server.verify_service_sid, "identity": identity, "token": token.token, **query}
    return "verifypush://enrol?" + urlencode(parts)


class Phone:
    """The simulated phone of one fake server, through its JSON routes: an Authy app and a
    Twilio Verify Push device at once (requests() and the answers serve both)."""

    def __init__(self, url):
        self.url = url

    def scan(self, uri):
        """Scan an authy://account?token=... link; returns {"kind": "authy", "authy_id", "custom_user_id"}.
        A verifypush://enrol?service=...&identity=...&token=... link adds a Verify Push factor:
        {"kind": "verify", "factor_sid", "identity", "service_sid", "app_name", "friendly_name", "status"}."""
        return _json(requests.post(f"{self.url}/phone/scan", json={"uri": uri}, timeout=HTTP_TIMEOUT))

    def scan_image(self, png_bytes, name="qr.png", mimetype="image/png"):
        """Scan a picture of a QR code (an SVG too: name="qr.svg", mimetype="image/svg+xml")."""
        files = {"image": (name, png_bytes, mimetype)}
        return _json(requests.post(f"{self.url}/phone/scan", files=files, timeout=HTTP_TIMEOUT))

    def code(self, authy_id):
        """The code the phone shows now for that account (None when it is not on the phone)."""
        for account in self.accounts():
            if account.get("authy_id") == authy_id:
                return account["code"]
        raise AssertionError(f"no account {authy_id} on the phone; it has {self.accounts()}")

    def messages(self):
        """The text messages (SMS) the phone received, newest first: to, text, code, sent_at."""
        return _json(requests.get(f"{self.url}/phone/messages", timeout=HTTP_TIMEOUT))

    def requests(self, status=None):
        """Approval requests and Verify challenges (kind "authy" or "verify"), newest first;
        `status` keeps only those in that status."""
        params = {"status": status} if status else None
        return _json(requests.get(f"{self.url}/phone/requests", params=params, timeout=HTTP_TIMEOUT))

    def accounts(self):
        """The accounts on the phone: authy_id, custom_user_id (or email and phone number); then
        the Verify Push factors (kind "verify"): factor_sid, identity, app_name, friendly_name."""
        return _json(requests.get(f"{self.url}/phone/accounts", timeout=HTTP_TIMEOUT))

    def factors(self):
        """The Verify Push factors on the phone (the accounts of kind "verify")."""
        return [account for account in self.accounts() if account["kind"] == "verify"]

    def latest(self, status=None):
        """The newest approval request or Verify challenge (in that status), or None."""
        found = self.requests(status)
        return found[0] if found else None

    def approve(self, uuid):
        return self._answer(uuid, "approve")

    def deny(self, uuid):
        return self._answer(uuid, "deny")

    def approve_latest(self, timeout=ANSWER_SECONDS):
        """Wait for a pending request, approve the newest; returns it as the phone shows it."""
        return self.approve(self._wait_for_pending(timeout)["uuid"])

    def deny_latest(self, timeout=ANSWER_SECONDS):
        """Wait for a pending request, deny the newest; returns it as the phone shows it."""
        return self.deny(self._wait_for_pending(timeout)["uuid"])

    def _answer(self, uuid, action):
        return _json(requests.post(f"{self.url}/phone/requests/{uuid}/{action}", timeout=HTTP_TIMEOUT))

    def _wait_for_pending(self, seconds):
        def what():
            existing = [(found["status"], found["message"]) for found in self.requests()]
            return f"a pending approval request; the phone has {existing or 'none at all'}"

        return wait_for(lambda: self.latest("pending"), seconds, what)


class FakeAuthyServer:
    """A running `python -m fake_authy` process; stop it with stop() or a with block."""

    def __init__(self, process, url, folder, settings):
        self.process = process
        self.url = url
        self.folder = folder
        self.api_key = settings["AUTHY_PRODUCTION_API_KEY"]
        self.app_name = settings["AUTHY_APP_NAME"]
        self.app_id = settings["AUTHY_APP_ID"]
        self.account_sid = settings["TWILIO_ACCOUNT_SID"]
        self.auth_token = settings["TWILIO_AUTH_TOKEN"]
        self.verify_service_sid = settings["TWILIO_VERIFY_SERVICE_SID"]
        self.phone = Phone(url)

    @property
    def verify_url(self):
        """Where the fake's Verify API v2 is: what https://verify.twilio.com/v2 is to the real one."""
        return f"{self.url}/v2"

    def twilio_client(self):
        """The official `twilio` Client with this account, its Verify domain pointed at the fake."""
        from twilio.rest import Client

        client = Client(self.account_sid, self.auth_token)
        client.verify.base_url = self.url
        return client

    def device(self):
        """A new Verify Push device (its own keys) for this fake: fake_authy.verify.device.Device."""
        return Device(self.verify_url)

    @classmethod
    def start(cls, callback_url=None, env=None, db_path=None):
        """Start a server on a free port and wait until it answers.

        `env` overrides the AUTHY_* and TWILIO_* settings (which otherwise are the shared defaults, not
        whatever the calling shell has); `db_path` reuses a database, e.g. across a restart.
        """
        folder = Path(tempfile.mkdtemp(prefix="fake-authy-"))
        settings = {
            "AUTHY_APP_NAME": DEFAULT_APP_NAME,
            "AUTHY_APP_ID": DEFAULT_APP_ID,
            "AUTHY_PRODUCTION_API_KEY": DEFAULT_API_KEY,
            "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            "TWILIO_VERIFY_SERVICE_SID": DEFAULT_VERIFY_SERVICE_SID,
            **(env or {}),
        }
        environ = {name: value for name, value in os.environ.items() if name != "FAKE_AUTHY_CALLBACK_URL"}
        environ.update(settings)
        command = [sys.executable, "-m", "fake_authy", "--port", "0", "--db", str(db_path or folder / "fake_authy.db")]
        if callback_url:
            command += ["--callback-url", callback_url]
        output = folder / "output.log"
        with open(output, "wb") as log:  # a file never fills up and blocks the server as a pipe can
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
        server = cls(process, None, folder, settings)
        try:
            server.url = wait_for(server._announced_url, START_SECONDS, server._failure)
            server.phone = Phone(server.url)
            wait_for(server._answers, START_SECONDS, server._failure)
        except BaseException:
            server.stop()
            raise
        return server

    def _announced_url(self):
        if self.process.poll() is not None:
            raise AssertionError(f"gave up waiting for {self._failure()}")
        first_line, newline, _ = self._output().partition("\n")
        match = newline and re.search(r"http://\S+", first_line)
        return match and match[0]

    def _answers(self):
        try:
            return requests.get(f"{self.url}/_control/faults", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def _output(self):
        return (self.folder / "output.log").read_text(errors="replace")

    def _failure(self):
        return f"the fake Authy to start (exit code {self.process.poll()}); its output:\n{self._output()}"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        """Stop the process and delete its temporary folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    # Test controls (see docs/fake-authy.md)

    def reset(self):
        """Forget all state; clear the fault mode and the clock, and go back to the starting
        callback URL."""
        return self._control("post", "reset")

    def set_fault(self, mode, seconds=0, calls=None):
        """Make the Authy API misbehave: none, unavailable, error, slow, late, malformed,
        rate_limit; for the next `calls` API calls only, or (None) until changed."""
        return self._control("post", "faults", json={"mode": mode, "seconds": seconds, "calls": calls})

    def calls(self):
        """The Authy API calls received since the last reset: method, path, status, time."""
        return self._control("get", "calls")

    def set_registration(self, custom_user_id, status):
        """Give a registration the status pending, denied or expired."""
        return self._control("post", "registrations", json={"custom_user_id": str(custom_user_id), "status": status})

    def set_user(self, authy_id, registered, devices=None):
        """Whether the user has the Authy app, and its devices, as users/{id}/status says."""
        wanted = {"registered": registered} if devices is None else {"registered": registered, "devices": devices}
        return self._control("post", f"users/{authy_id}", json=wanted)

    def set_clock(self, timestamp):
        """Stop the clock of the phone's codes at a Unix time; None: the real time again."""
        return self._control("post", "clock", json={"time": timestamp})

    def set_callback_url(self, url):
        """Send OneTouch callbacks to `url` (None: to none) until the next reset."""
        return self._control("post", "callback", json={"url": url})

    def _control(self, method, name, **kwargs):
        return _json(requests.request(method, f"{self.url}/_control/{name}", timeout=HTTP_TIMEOUT, **kwargs))
