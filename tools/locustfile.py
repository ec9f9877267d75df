"""The Locust side of the load test (tools/load.py starts it: `locust --headless -f tools/locustfile.py`).

Each simulated user logs in once with a push, as a person in a browser does: the login page,
the password (its CSRF token read from the form), the waiting page, then the status POST that
the page's script (final/app/static/poll.js) sends, with the CSRF token in a header, every
interval the page names (data-poll-interval) after the last answer, until the answer says
where to go; then that page (home). A user counts as signed in only when the home page greets
them by name.

The phone: every push is held until all the run's users are waiting (or have failed before
waiting), so that they really wait together; then the phone (one greenlet here, through the
fake's phone routes) approves each after a seeded human delay.

tools/load.py sets it up through the environment (LOAD_*: below) and reads what it writes to
LOAD_RESULTS (JSON): every request's time by page, the errors, and each login's outcome.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from urllib.parse import urlsplit

import gevent
import requests
from locust import FastHttpUser
from locust import events
from locust import task
from locust.exception import StopUser

USERS = json.loads(os.environ.get("LOAD_USERS", "[]"))  # [[username, password], ...], in order
FAKE_URL = os.environ.get("LOAD_FAKE_URL", "")
RESULTS = os.environ.get("LOAD_RESULTS", "")
SEED = int(os.environ.get("LOAD_SEED", "8"))
DELAY = tuple(float(n) for n in os.environ.get("LOAD_DELAY", "2,8").split(","))  # seconds, from..to
WAIT_LIMIT = float(os.environ.get("LOAD_WAIT_LIMIT", "120"))  # a login still waiting then has failed

LOGIN = "/auth/login"
PUSH_PAGE = "/auth/login/push"
PUSH_STATUS = "/auth/login/push/status"
HOME = "/"
CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
POLL_BOX = re.compile(r'id="poll"[^>]*data-poll-interval="([^"]+)"[^>]*data-csrf-token="([^"]+)"')
LOGIN_CODE = re.compile(r'data-testid="login-code">([^<]+)<')

# What this process saw, written to RESULTS when the run stops.
seen = {
    "times": {},  # page -> [milliseconds]
    "errors": [],  # [text]
    "logins": [],  # [{username, signed_in, waited, polls, why}]
    "peak_waiting": 0,
    "started": None,  # time.time() of the first login page
    "ended": None,  # of the last login's end
}
state = {"next": 0, "waiting": 0, "now": 0, "done": 0, "pushes": {}, "released": False}


@events.request.add_listener
def note_request(name, response_time, exception, response=None, **_):
    seen["times"].setdefault(name, []).append(response_time)
    if exception is not None:
        status = getattr(response, "status_code", None)
        seen["errors"].append(f"{name}: {status or ''} {exception}".strip())


@events.test_stop.add_listener
def write_results(**_):
    if RESULTS:
        with open(RESULTS, "w") as out:
            json.dump(seen, out)


def delays() -> dict[str, float]:
    """Each user's human delay, by username: the same for every run with the same seed."""
    rng = random.Random(SEED)
    return {username: rng.uniform(*DELAY) for username, _ in USERS}


class Phone:
    """The fake's simulated phone: approves the held pushes once everyone waits."""

    def __init__(self):
        self.delay = delays()
        self.session = requests.Session()
        self.session.trust_env = False  # straight to 127.0.0.1, whatever proxy the shell names

    def pending(self) -> dict[tuple[str, str], str]:
        """The pending requests on the phone: (username, code) -> uuid."""
        found = self.session.get(f"{FAKE_URL}/phone/requests", params={"status": "pending"}, timeout=30)
        found.raise_for_status()
        return {(push["username"], push["code"]): push["uuid"] for push in found.json()}

    def release(self) -> None:
        """Everyone is waiting (or failed before): tap Approve on each after its delay."""
        state["released"] = True
        released = time.monotonic()
        known = self.pending()
        for (username, code) in list(state["pushes"]):
            gevent.spawn(self.approve, username, code, known.get((username, code)), released)

    def approve(self, username: str, code: str, uuid: str | None, released: float) -> None:
        gevent.sleep(max(0.0, released + self.delay[username] - time.monotonic()))
        try:
            uuid = uuid or self.pending().get((username, code))
            if uuid is None:
                seen["errors"].append(f"phone: no pending push for {username} with code {code}")
                return
            answer = self.session.post(f"{FAKE_URL}/phone/requests/{uuid}/approve", timeout=30)
            if answer.status_code != 200:
                seen["errors"].append(f"phone: approve {username}: HTTP {answer.status_code} {answer.text[:200]}")
        except requests.RequestException as error:
            seen["errors"].append(f"phone: approve {username}: {error}")


phone: Phone | None = None


def settled() -> None:
    """One more user is waiting or out: release the phone when that is all of them."""
    global phone
    if not state["released"] and state["waiting"] + state["done"] >= len(USERS):
        phone = phone or Phone()
        gevent.spawn(phone.release)


class PushLogin(FastHttpUser):
    """One person: log in, wait for the phone while polling as the page does, see the home page."""

    def on_start(self):
        number = state["next"]
        state["next"] += 1
        self.username, self.password = USERS[number]

    @task
    def log_in(self):
        login = {"username": self.username, "signed_in": False, "waited": None, "polls": 0, "why": None}
        waiting = False
        try:
            login["why"], waited_since = self.password_step()
            if login["why"] is None:
                waiting = True
                state["waiting"] += 1
                state["now"] += 1
                seen["peak_waiting"] = max(seen["peak_waiting"], state["now"])
                settled()
                login.update(self.wait_for_phone(waited_since))
        except Exception as error:  # noqa: BLE001 - any failure is this login's, and the run goes on
            login["why"] = f"{type(error).__name__}: {error}"
        finally:
            if waiting:
                state["now"] -= 1
            else:
                state["done"] += 1
                settled()
            seen["logins"].append(login)
            seen["ended"] = time.time()
            if len(seen["logins"]) >= len(USERS):
                self.environment.runner.quit()
        raise StopUser()

    def password_step(self) -> tuple[str | None, float]:
        """The login page and its form; None (or why not) and when the waiting page showed."""
        if seen["started"] is None:
            seen["started"] = time.time()
        page = self.client.get(LOGIN, name=f"GET {LOGIN}")
        token = CSRF_FIELD.search(page.text or "")
        if page.status_code != 200 or not token:
            return f"the login page: HTTP {page.status_code}, no CSRF token", 0.0
        form = {"csrf_token": token[1], "username": self.username, "password": self.password, "submit": "Login"}
        answer = self.client.post(LOGIN, data=form, name=f"POST {LOGIN}", allow_redirects=False)
        # A request that failed (a timeout) has no headers at all.
        where = urlsplit((answer.headers or {}).get("Location") or "").path
        if answer.status_code != 302 or where != PUSH_PAGE:
            return f"the password: HTTP {answer.status_code} to {where or 'nowhere'}", 0.0
        page = self.client.get(PUSH_PAGE, name=f"GET {PUSH_PAGE}")
        box, code = POLL_BOX.search(page.text or ""), LOGIN_CODE.search(page.text or "")
        if page.status_code != 200 or not box or not code:
            return f"the waiting page: HTTP {page.status_code}, no poll settings or code", 0.0
        self.interval, self.token = float(box[1]), box[2]
        state["pushes"][(self.username, code[1].strip())] = True
        return None, time.monotonic()

    def wait_for_phone(self, since: float) -> dict:
        """Poll as poll.js does until the answer names the next page; then open it."""
        polls = 0
        while time.monotonic() - since < WAIT_LIMIT:
            gevent.sleep(self.interval)
            polls += 1
            answer = self.client.post(PUSH_STATUS, headers={"X-CSRFToken": self.token},
                                      name=f"POST {PUSH_STATUS}")
            if answer.status_code != 200:
                # poll.js stops there and says "Something went wrong" (the error is counted above)
                return {"waited": time.monotonic() - since, "polls": polls,
                        "why": f"a poll failed: HTTP {answer.status_code}"}
            body = answer.json()
            if "redirect" in body:
                waited = time.monotonic() - since
                path = urlsplit(body["redirect"]).path
                page = self.client.get(path, name=f"GET {path}")
                greeted = page.status_code == 200 and self.username in (page.text or "")
                why = None if path == HOME and greeted else f"sent to {path} (HTTP {page.status_code})"
                return {"signed_in": why is None, "waited": waited, "polls": polls, "why": why}
            if "message" in body:
                return {"waited": time.monotonic() - since, "polls": polls, "why": body["message"]}
        return {"waited": time.monotonic() - since, "polls": polls, "why": f"still waiting after {WAIT_LIMIT} s"}

