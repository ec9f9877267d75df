"""`make bench`: how long a person waits after tapping Approve, and what one login costs.

    python -m tools.bench                       # every target, 20 logins each
    python -m tools.bench -n 3 --targets 05

The targets are the apps with push login: stage 05, stage 06, final without callbacks
(`final`) and final with OneTouch callbacks (`final-callbacks`); `--targets final` means
both final ones. For each, the fake Authy and the app start on free ports with new databases and the app's default poll intervals (the stages with
`flask run`, final under gunicorn). Every 5 logins a new user registers and turns on 2FA
through the app's pages (the link under the QR code, handed to the fake's phone). Each
login, in Chromium: username and password, the waiting page, and the phone approves 0.2 to
2 s after the push appears (seeded: the same delays for every target, so runs and targets
compare). That pause is the simulated person reading the push; it is the only sleep here,
everything else waits for a condition.

Measured for each login: from the moment the phone's approve call returns (this process's
monotonic clock) to the moment the browser shows the signed-in home page (noted by the page
in its own clock, then matched to ours); the Authy API calls of the login (the fake's call
log); the polls the waiting page sent (the browser's requests); and where the time went:
the wait for the next poll, the poll's own time, the new page until it is shown.

It prints numbers and judges nothing: it exits 1 only when something did not run.
docs/testing.md explains the output, and keeps the last results with what they are for.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from fake_authy.testing import FakeAuthyServer
from tools import browser
from tools import stages
from tools.person import Person
from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import app_settings
from tools.servers import free_port

ROOT = stages.ROOT
LOGS = ROOT / "test-results" / "bench"
TARGETS = ("05", "06", "final", "final-callbacks")
PUSH_PAGE = "/auth/login/push"
PUSH_STATUS = "/auth/login/push/status"
# A new user every few logins: final caps the pushes per account (docs/09-push-bombing.md, by
# default 10 an hour), and a benchmark must neither run into that cap nor change it.
LOGINS_PER_USER = 5
APPROVE_AFTER = (0.2, 2.0)  # seconds from the push appearing to the tap on Approve
WAIT_MS = 15_000  # the longest any page may take to show what the next step needs
# The apps' settings of how often the waiting page polls (final has its own with callbacks):
# left to the apps' defaults unless given on the command line, whatever this shell says.
INTERVAL_SETTINGS = ("POLL_INTERVAL", "CALLBACK_POLL_INTERVAL")
# final's setting for its callback URL: the fake sends callbacks there, the app checks their
# signature against it.
CALLBACK_SETTING = "AUTHY_CALLBACK_URL"
# final runs under gunicorn, as it is meant to (final/gunicorn.conf.py), with this many workers.
FINAL_WORKERS = 2
CALLBACK_PATH = "/authy/callback"  # final's OneTouch callback route (final/app/callbacks.py)
# Run in every page before its own scripts (an init script): on the home page, note in the
# page's own clock (ms from the navigation's start) the first animation frame in which the
# signed-in page is there (a heading and the Logout button) and the first contentful paint.
# Kept in the page because Playwright itself only notices a new page some 80 ms later.
MARK_SHOWN = """if (location.pathname === "/") {
  const bench = window.__bench = {frame: null, paint: null};
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (entry.name === "first-contentful-paint") bench.paint = entry.startTime;
    }
  }).observe({type: "paint", buffered: true});
  const check = () => {
    const logout = [...document.querySelectorAll("button")].some(b => b.textContent.trim() === "Logout");
    if (logout && document.querySelector("h1")) bench.frame = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}"""
MARKED = "() => window.__bench && window.__bench.frame !== null && window.__bench.paint !== null"
READ_MARKS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {frame: window.__bench.frame, paint: window.__bench.paint, origin: performance.timeOrigin,
          answered: nav.responseStart, redirects: nav.redirectCount,
          heading: document.querySelector("h1").textContent};
}"""
PAGE_CLOCK = "performance.timeOrigin + performance.now()"


class BenchError(RuntimeError):
    """A target could not be measured; the message says where it stopped."""


@dataclass(frozen=True)
class Target:
    id: str  # 05, 06, final, final-callbacks
    stage: stages.Stage
    callbacks: bool = False  # whether the fake sends OneTouch callbacks to CALLBACK_PATH
    workers: int | None = None  # gunicorn's worker processes; None: `flask run`


@dataclass
class Login:
    delay: float  # push appeared -> approve (the simulated person)
    seconds: float  # approve returned -> signed-in page shown
    polls: int
    created: int  # Authy calls: approval requests created
    status: int  # Authy calls: approval request status
    other: int  # Authy calls: anything else
    poll_ms: float | None  # the answering poll, request to last byte (the browser's timing)
    page_ms: float  # navigation start to the signed-in page shown (in the page)
    answered_ms: float  # navigation start to the first byte of the page's answer (in the page)
    redirects: int
    clock_ms: float  # how closely the page's clock was matched to ours (+-)

    @property
    def calls(self) -> int:
        return self.created + self.status + self.other

    @property
    def wait_ms(self) -> float | None:
        """The rest: from the approval to the next poll (and the few ms of noticing the page)."""
        return None if self.poll_ms is None else self.seconds * 1000 - self.poll_ms - self.page_ms


@dataclass
class Run:
    target: Target
    logins: list[Login] = field(default_factory=list)
    interval: str = "?"  # the waiting page's poll interval, as the page says (data-poll-interval)
    logins_seconds: float = 0.0  # the logins (and logouts) alone
    wall_seconds: float = 0.0  # everything: servers, users, logins
    error: str | None = None


# --- the targets ---------------------------------------------------------------------------


def available() -> dict[str, Target]:
    """The targets, by id, in stage order."""
    found = {}
    for stage in stages.require():
        if stage.id in ("05", "06"):
            found[stage.id] = Target(stage.id, stage)
        elif stage.id == "final":
            found["final"] = Target("final", stage, workers=FINAL_WORKERS)
            found["final-callbacks"] = Target("final-callbacks", stage, callbacks=True, workers=FINAL_WORKERS)
    return found


def choose(found: dict[str, Target], wanted: str | None) -> list[Target]:
    """The targets asked for (all when None)."""
    if not wanted:
        return list(found.values())
    names = []
    for name in (n.strip() for n in wanted.split(",") if n.strip()):
        name = name.zfill(2) if name.isdigit() else name
        if name not in TARGETS:
            raise ValueError(f"no target {name!r}: choose from {', '.join(TARGETS)}")
        names += ["final", "final-callbacks"] if name == "final" else [name]
    return [found[name] for name in dict.fromkeys(names)]


# --- one target ----------------------------------------------------------------------------


class Benched(Person):
    """One user in one browser tab, with the fake's phone in their hand (tools/person.py walks the pages)."""

    def __init__(self, page: Page, app: AppServer, fake: FakeAuthyServer):
        super().__init__(page, app.url)
        self.fake = fake

    def sign_up_with_2fa(self) -> None:
        """Register, log in with the password alone, turn on 2FA, log out."""
        self.register()
        self.log_in()
        self.page.get_by_role("button", name="Logout").wait_for()
        # The "can't scan it?" link under the QR code: what a phone's camera would read from it.
        self.enable_2fa(self.fake.phone, by_link=True)
        self.log_out()

    def log_in_with_push(self, rng: random.Random) -> tuple[Login, str]:
        """Password, waiting page, Approve at a random moment; the login and the page's poll interval."""
        page, phone = self.page, self.fake.phone
        polls = []

        def count_poll(request):
            if request.method == "POST" and urlsplit(request.url).path == PUSH_STATUS:
                polls.append(request)

        calls_before = len(self.fake.calls())
        page.on("request", count_poll)
        try:
            self.log_in()
            page.wait_for_url(f"{self.app_url}{PUSH_PAGE}")
            expect(page.get_by_text("Check your Authy app").first).to_be_visible()
            interval = page.locator("#poll").get_attribute("data-poll-interval") or "?"
            # The login's POST sent the push before it showed the waiting page: the phone has it.
            push = phone.latest("pending")
            if push is None:
                raise BenchError("the waiting page is shown, but the phone has no pending request")
            appeared = time.monotonic()
            delay = rng.uniform(*APPROVE_AFTER)
            time.sleep(max(0.0, appeared + delay - time.monotonic()))  # the person reads, then taps
            phone.approve(push["uuid"])
            approved = time.monotonic()
            page.wait_for_function(MARKED, timeout=WAIT_MS)
        finally:
            page.remove_listener("request", count_poll)
        marks = page.evaluate(READ_MARKS)
        if self.username not in marks["heading"]:
            raise BenchError(f"the home page greets {marks['heading']!r}, not {self.username}")
        # Shown: painted, and with the signed-in page there (whichever came later).
        shown_ms = max(marks["frame"], marks["paint"])
        offset, within = page_clock_offset(page)
        seconds = (marks["origin"] + shown_ms) / 1000 - offset - approved
        calls = self.fake.calls()[calls_before:]
        kinds = [call_kind(call) for call in calls]
        timing = polls[-1].timing if polls else {}
        poll_ms = timing.get("responseEnd", -1)
        login = Login(
            delay=delay,
            seconds=seconds,
            polls=len(polls),
            created=kinds.count("created"),
            status=kinds.count("status"),
            other=kinds.count("other"),
            poll_ms=poll_ms if poll_ms >= 0 else None,
            page_ms=shown_ms,
            answered_ms=marks["answered"],
            redirects=marks["redirects"],
            clock_ms=within * 1000,
        )
        return login, interval

    def where(self) -> str:
        """Where the tab is and what it says, for an error message."""
        try:
            alerts = self.page.get_by_role("alert").all_inner_texts()
            return f"the tab shows {self.page.url}" + (f" saying {' / '.join(alerts)!r}" if alerts else "")
        except PlaywrightError:
            return "the tab cannot be read"


def page_clock_offset(page: Page) -> tuple[float, float]:
    """How far the page's clock is ahead of time.monotonic(), in seconds, and within how much.

    Read the page's clock between two readings of ours, three times; the tightest pair wins.
    """
    best = None
    for _ in range(3):
        before = time.monotonic()
        page_ms = page.evaluate(PAGE_CLOCK)
        after = time.monotonic()
        if best is None or after - before < 2 * best[1]:
            best = (page_ms / 1000 - (before + after) / 2, (after - before) / 2)
    return best


def call_kind(call: dict) -> str:
    path = call["path"]
    if call["method"] == "POST" and path.startswith("/onetouch/json/users/") and path.endswith("/approval_requests"):
        return "created"
    if call["method"] == "GET" and path.startswith("/onetouch/json/approval_requests/"):
        return "status"
    return "other"


def bench_target(target: Target, logins: int, rng: random.Random, chromium: Browser,
                 settings: dict[str, str], folder: Path) -> Run:
    run = Run(target)
    started = time.monotonic()
    port = free_port()
    callback_url = f"http://127.0.0.1:{port}{CALLBACK_PATH}" if target.callbacks else None
    log = folder / f"{target.id}-server.log"
    app = person = None
    try:
        with FakeAuthyServer.start(callback_url=callback_url) as fake:
            # What the e2e scenarios give an app, but the apps' own poll intervals.
            env = app_settings(fake, folder / f"{target.id}.db")
            for name in INTERVAL_SETTINGS:
                env.pop(name, None)
            env.update(settings)
            if callback_url:
                env[CALLBACK_SETTING] = callback_url
            app = AppServer(ROOT / target.stage.path, port, env=env, log=log, workers=target.workers).start()
            context = chromium.new_context()
            context.add_init_script(MARK_SHOWN)
            print(f"  started in {time.monotonic() - started:.1f} s: fake Authy {fake.url}, app {app.url}"
                  + (f", callbacks to {callback_url}" if callback_url else ""), flush=True)
            try:
                page = context.new_page()
                page.set_default_timeout(WAIT_MS)
                for number in range(1, logins + 1):
                    if (number - 1) % LOGINS_PER_USER == 0:
                        began = time.monotonic()
                        person = Benched(page, app, fake)
                        person.sign_up_with_2fa()
                        print(f"  {person.username} signed up and turned on 2FA in "
                              f"{time.monotonic() - began:.1f} s", flush=True)
                    began = time.monotonic()
                    login, run.interval = person.log_in_with_push(rng)
                    person.log_out()
                    run.logins_seconds += time.monotonic() - began
                    run.logins.append(login)
                    print(f"  login {number:>2}: {describe(login)}", flush=True)
            finally:
                context.close()
    except (BenchError, PlaywrightError, AssertionError, ServerError) as error:
        # AssertionError: expect() failed, or the fake did not start or refused a phone action.
        where = f"; {person.where()}" if person else ""
        tail = app.output_tail(20) if app else ""
        run.error = f"{type(error).__name__}: {str(error).strip()}{where}" + (
            f"\n  --- the app's last lines ({log}) ---\n{tail}" if tail else "")
    finally:
        if app:
            app.stop()
        run.wall_seconds = time.monotonic() - started
    return run


def describe(login: Login) -> str:
    parts = f"poll {login.poll_ms:.0f} ms, " if login.poll_ms is not None else ""
    wait = f"next poll {login.wait_ms:.0f} ms, " if login.wait_ms is not None else ""
    return (f"approved {login.delay:.2f} s after the push appeared, signed in {login.seconds:.3f} s later "
            f"({wait}{parts}page {login.page_ms:.0f} ms, its first byte at {login.answered_ms:.0f}); "
            f"{login.polls} polls; "
            f"Authy calls: {login.created} created, {login.status} status"
            + (f", {login.other} other" if login.other else ""))


# --- numbers ---------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(len * share)
    return ordered[int(rank) - 1]


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def status_per_poll(run: Run) -> float | None:
    """The most status calls any login made per poll (None when no login polled)."""
    ratios = [login.status / login.polls for login in run.logins if login.polls]
    return max(ratios) if ratios else None


def table(columns: list[tuple[str, int]], rows: list[list[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    lines = ["".join(f"{name:<{w}}" if i == 0 else f"{name:>{w}}" for i, (name, w) in enumerate(columns))]
    lines.append("-" * len(lines[0]))
    lines += ["".join(f"{cell:<{w}}" if i == 0 else f"{cell:>{w}}" for i, (cell, (_, w)) in enumerate(zip(row, columns)))
              for row in rows]
    return "\n".join(lines)


def median(values, digits: int = 0) -> str:
    values = list(values)
    return f"{statistics.median(values):.{digits}f}" if values else "-"


def summary(runs: list[Run]) -> str:
    columns = [("target", 16), ("logins", 7), ("median s", 10), ("p95 s", 8), ("max s", 8), ("created", 9),
               ("status", 8), ("other", 7), ("polls", 7), ("status/poll", 13), ("logins s", 10), ("wall s", 8)]
    rows = []
    for run in runs:
        if not run.logins:
            rows.append([run.target.id, "not measured"])
            continue
        seconds = [login.seconds for login in run.logins]
        ratio = status_per_poll(run)
        rows.append([run.target.id, str(len(seconds)), median(seconds, 3), f"{percentile(seconds, 0.95):.3f}",
                     f"{max(seconds):.3f}"]
                    + [f"{mean(getattr(login, kind) for login in run.logins):.2f}"
                       for kind in ("created", "status", "other", "polls")]
                    + ["-" if ratio is None else f"{ratio:.2f}", f"{run.logins_seconds:.1f}", f"{run.wall_seconds:.1f}"])
    return table(columns, rows)


def breakdown(runs: list[Run]) -> str:
    columns = [("target", 16), ("interval s", 11), ("next poll ms", 14), ("poll ms", 9), ("page ms", 9),
               ("first byte ms", 15), ("redirects", 11), ("clock +-ms", 12)]
    rows = []
    for run in runs:
        if run.logins:
            timed = [login for login in run.logins if login.poll_ms is not None]
            rows.append([run.target.id, run.interval, median(login.wait_ms for login in timed),
                         median(login.poll_ms for login in timed), median(login.page_ms for login in run.logins),
                         median(login.answered_ms for login in run.logins),
                         str(max(login.redirects for login in run.logins)),
                         f"{max(login.clock_ms for login in run.logins):.1f}"])
    return table(columns, rows)


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--logins", type=int, default=20, help="logins per target (default 20)")
    parser.add_argument("--targets", help="comma-separated: 05, 06, final (both final ones), final-callbacks "
                                          "(default: all)")
    parser.add_argument("--poll-interval", help="POLL_INTERVAL for the apps, in seconds (default: the apps' own, 1)")
    parser.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                        help="another setting for the apps, e.g. CALLBACK_POLL_INTERVAL=0.5 (repeatable)")
    parser.add_argument("--seed", type=int, default=8, help="seed of the approval delays (default 8)")
    options = parser.parse_args(argv)
    if options.logins < 1:
        parser.error("-n must be at least 1")
    settings = dict(setting.partition("=")[::2] for setting in options.app_env)
    if options.poll_interval:
        settings["POLL_INTERVAL"] = options.poll_interval
    if not all(name and value for name, value in settings.items()):
        parser.error("--app-env takes NAME=VALUE")
    for name in INTERVAL_SETTINGS:
        os.environ.pop(name, None)  # the apps' defaults, unless given above

    try:
        targets = choose(available(), options.targets)
    except ValueError as error:
        parser.error(str(error))
    LOGS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=LOGS))
    print("Benchmark: approval to signed in, and the Authy calls of each login")
    print(f"command:  {shlex.join([shown(Path(sys.executable)), '-m', 'tools.bench', *argv])} (in {ROOT})")
    print(f"logins:   {options.logins} per target; the phone approves uniform "
          f"{APPROVE_AFTER[0]}-{APPROVE_AFTER[1]} s after the push appears (seed {options.seed}, the same "
          "delays for every target)")
    print(f"logs:     {shown(folder)}")
    runs = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**browser.launch_options())
        print(f"browser:  Chromium {chromium.version}", flush=True)
        for target in targets:
            mode = "with callbacks" if target.callbacks else "polling"
            server = f"gunicorn with {target.workers} workers" if target.workers else "flask run"
            changed = " ".join(f"{name}={value}" for name, value in settings.items()) or "default settings"
            print(f"\n== {target.id} ({target.stage.path}, {mode}, {server}, {changed})", flush=True)
            # The same delays for every target, so that they are compared on the same logins.
            runs.append(bench_target(target, options.logins, random.Random(options.seed), chromium,
                                     settings, folder))
            if runs[-1].error:
                print(f"  failed: {runs[-1].error}", flush=True)

    print("\nApproval to signed in (seconds), Authy calls and polls per login (means), wall times:")
    print(summary(runs))
    print("\nWhere the time goes (medians): the wait for the next poll after the approval, "
          "the answering poll's own time, the new page until shown:")
    print(breakdown(runs))
    return 1 if any(run.error for run in runs) else 0

if __name__ == "__main__":
    sys.exit(main())
