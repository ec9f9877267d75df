"""`make bench WHAT=load`: many push logins at once against final, with Locust (headless).

    python -m tools.load                          # 200 logins, callbacks, SQLite and PostgreSQL, 2 workers
    python -m tools.load --matrix                 # both databases x 2 and 4 workers x polling and callbacks
    python -m tools.load --ramp 50,100,200,400    # raise the logins until p95 > 300 ms or an error: the knee
    python -m tools.load -u 5 --databases sqlite --workers 1 --rate 5 --delay 0.2,0.5   # tiny (its test)
    python -m tools.load --markdown               # the tables as Markdown, for docs/testing.md
    python -m tools.load --app-env CALLBACK_POLL_INTERVAL=1   # any other setting of final

For each configuration (database, gunicorn workers, polling or OneTouch callbacks) the fake
Authy and final start on free ports (final under gunicorn with its gunicorn.conf.py, a new
SQLite file or a new database on a PostgreSQL server of this run's own, tools/postgres.py),
and U users register and turn on 2FA through final's pages (the link under the QR code,
handed to the fake's phone). Then Locust (tools/locustfile.py, a subprocess) logs them all in:
users arrive at --rate a second (each password costs a scrypt hash, about 0.1 s of CPU: a
rate the app can hash), each polls the waiting page's status route as its script does, and
the phone holds every push until all of them are waiting, then approves each after a seeded
human delay (--delay, 2 to 8 s). So U logins really wait at once.

Measured for the logins (not the setup): logins per second (U over the time from the first
login page to the last login's end), every page's latency p50/p95/p99 by page (Locust's
timings, exact, not its rounded buckets), errors (HTTP 4xx/5xx, connection errors, logins
not signed in), pushes per login (the fake's call log), the Authy calls of the waiting logins
per waiting second, and CPU seconds per login of the app (gunicorn's master and workers),
the fake, PostgreSQL and Locust itself (from /proc, and Locust's own rusage), so that a reader
sees which part was busy. The machine's load average is printed before each run.

With --ramp, each configuration runs the levels in turn on the same servers and users (each
user logs in once per level) and stops after the first level whose slowest page has a p95
over --knee-ms (300) or any error: that level is the knee.

It prints numbers and judges nothing: it exits 1 only when something did not run (a server
did not start, the setup failed, Locust did not finish). docs/testing.md explains the output
and keeps the last results.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

import requests

from fake_authy.testing import FakeAuthyServer
from fake_authy.testing import wait_for
from tools import stages
from tools.bench import call_kind
from tools.bench import percentile
from tools.postgres import PostgresServer
from tools.postgres import missing as postgres_missing
from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import app_settings
from tools.servers import free_port

ROOT = stages.ROOT
LOGS = ROOT / "test-results" / "load"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CALLBACK_PATH = "/authy/callback"  # final's OneTouch callback route (final/app/callbacks.py)
PASSWORD = "correct horse battery staple"
DATABASES = ("sqlite", "postgresql")
MODES = ("polling", "callbacks")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
POLL_TOKEN = re.compile(r'data-csrf-token="([^"]+)"')
LINK = re.compile(r"authy://account\?token=[^<\s]+")
# final's limits a load test must not run into: they guard against people, not a benchmark.
# Each user logs in once per level (PUSH_CAP: 10 pushes an hour), from one address (only failed
# passwords and registrations count against an address, and there are none).
SETUP_THREADS = 4


class LoadError(RuntimeError):
    """A configuration could not be measured; the message says where it stopped."""


@dataclass(frozen=True)
class Config:
    database: str  # sqlite, postgresql
    workers: int
    mode: str  # polling, callbacks

    @property
    def name(self) -> str:
        return f"{self.database}, {self.workers} workers, {self.mode}"


@dataclass
class Level:
    """One wave of logins: `users` at once."""

    users: int
    results: dict = field(default_factory=dict)  # what the locustfile wrote
    seconds: float = 0.0  # first login page to last login's end
    created: list[str] = field(default_factory=list)  # the paths of the pushes sent (Authy calls)
    status_calls: int = 0
    other_calls: int = 0
    other_paths: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # part -> CPU seconds during the logins
    load: float = 0.0  # 1-minute load average before it
    error: str | None = None

    @property
    def logins(self) -> list[dict]:
        return self.results.get("logins", [])

    @property
    def signed_in(self) -> int:
        return sum(1 for login in self.logins if login["signed_in"])

    @property
    def errors(self) -> list[str]:
        failed = [f"{login['username']}: {login['why']}" for login in self.logins if not login["signed_in"]]
        return self.results.get("errors", []) + failed + ([self.error] if self.error else [])

    def times(self) -> dict[str, list[float]]:
        return self.results.get("times", {})

    def worst_p95(self) -> tuple[str, float]:
        """The page with the highest p95, and that p95 in ms."""
        found = [(percentile(times, 0.95), page) for page, times in self.times().items() if times]
        if not found:
            return "-", 0.0
        p95, page = max(found)
        return page, p95

    @property
    def waited(self) -> float:
        return sum(login["waited"] or 0 for login in self.logins)


@dataclass
class Run:
    config: Config
    levels: list[Level] = field(default_factory=list)
    setup_seconds: float = 0.0
    error: str | None = None


# --- CPU from /proc ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of stat(5)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def tree_cpu(pid: int) -> float:
    """A process and its children (gunicorn's master and workers, PostgreSQL's backends)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def postmaster_pid(server: PostgresServer) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


# --- setting up the users ------------------------------------------------------------------


def session() -> requests.Session:
    client = requests.Session()
    client.trust_env = False  # straight to 127.0.0.1, whatever proxy the shell names
    return client


def form_token(page: requests.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    if page.status_code != 200 or not found:
        raise LoadError(f"{page.url}: HTTP {page.status_code}, no CSRF token in the form")
    return found[1]


def sign_up(app_url: str, fake: FakeAuthyServer, username: str) -> None:
    """Register, log in with the password, turn on 2FA (the QR page's link to the phone)."""
    client = session()

    def post(path: str, form: dict, to: str) -> requests.Response:
        page = client.get(app_url + path)
        answer = client.post(app_url + path, data={"csrf_token": form_token(page), **form}, allow_redirects=False)
        if answer.status_code != 302 or not answer.headers.get("Location", "").endswith(to):
            raise LoadError(f"POST {path} for {username}: HTTP {answer.status_code}, not a redirect to {to}")
        return answer

    post("/auth/register", {"username": username, "email": f"{username}@example.com", "password": PASSWORD,
                            "password2": PASSWORD, "submit": "Register"}, "/auth/login")
    post("/auth/login", {"username": username, "password": PASSWORD, "submit": "Login"}, "/")
    post("/2fa/enable", {"submit": "Enable 2FA"}, "/2fa/enable/scan")
    page = client.get(app_url + "/2fa/enable/scan")
    link, token = LINK.search(page.text), POLL_TOKEN.search(page.text)
    if page.status_code != 200 or not link or not token:
        raise LoadError(f"the QR page of {username}: HTTP {page.status_code}, no link or no CSRF token")
    fake.phone.scan(link[0])

    def enabled():
        answer = client.post(app_url + "/2fa/enable/status", headers={"X-CSRFToken": token[1]})
        body = answer.json() if answer.status_code == 200 else {"message": f"HTTP {answer.status_code}"}
        if "message" in body:
            raise LoadError(f"the QR page of {username} says {body['message']!r}")
        return body.get("redirect")

    wait_for(enabled, 30, f"the QR page of {username} to move on")


def set_up_users(app_url: str, fake: FakeAuthyServer, count: int, tag: str) -> list[str]:
    names = [f"load{tag}u{number:04d}" for number in range(count)]
    with concurrent.futures.ThreadPoolExecutor(SETUP_THREADS) as pool:
        for done in pool.map(lambda name: sign_up(app_url, fake, name), names):
            del done
    return names


# --- one configuration ---------------------------------------------------------------------


def run_level(level: Level, names: list[str], app: AppServer, fake: FakeAuthyServer,
              postgres: PostgresServer | None, options, folder: Path) -> None:
    users = names[:level.users]
    results = folder / f"locust-{level.users}.json"
    env = {
        **os.environ,
        "LOAD_USERS": json.dumps([[name, PASSWORD] for name in users]),
        "LOAD_FAKE_URL": fake.url,
        "LOAD_RESULTS": str(results),
        "LOAD_SEED": str(options.seed),
        "LOAD_DELAY": ",".join(str(d) for d in options.delay),
    }
    # Long enough for every login: arrivals, the delays, and a margin; the locustfile ends
    # the run itself once every user is done.
    limit = int(level.users / options.rate + options.delay[1] + 150)
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", app.url,
               "-u", str(level.users), "-r", str(options.rate), "--run-time", f"{limit}s",
               "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    level.load = os.getloadavg()[0]
    calls_before = len(fake.calls())
    parts = {"app": app.process.pid, "fake": fake.process.pid}
    if postgres:
        parts["postgresql"] = postmaster_pid(postgres)
    before = {part: tree_cpu(pid) for part, pid in parts.items()}
    with open(folder / f"locust-{level.users}.log", "wb") as log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(locust.pid, 0)
        except BaseException:
            locust.kill()
            locust.wait()
            raise
        locust.returncode = os.waitstatus_to_exitcode(status)
    after = {part: tree_cpu(pid) for part, pid in parts.items()}
    level.cpu = {part: after[part] - before[part] for part in parts}
    level.cpu["locust"] = usage.ru_utime + usage.ru_stime
    calls = fake.calls()[calls_before:]
    kinds = [call_kind(call) for call in calls]
    level.created = [call["path"] for call in calls if call_kind(call) == "created"]
    level.status_calls, level.other_calls = kinds.count("status"), kinds.count("other")
    level.other_paths = sorted({re.sub(r"/[0-9a-f-]{8,}|/\d+", "/{id}", call["path"])
                                for call in calls if call_kind(call) == "other"})
    if locust.returncode != 0 or not results.exists():
        tail = (folder / f"locust-{level.users}.log").read_text(errors="replace").splitlines()[-15:]
        raise LoadError(f"Locust exited with status {locust.returncode}:\n" + "\n".join(tail))
    level.results = json.loads(results.read_text())
    if level.results.get("started") and level.results.get("ended"):
        level.seconds = level.results["ended"] - level.results["started"]
    if len(level.logins) < level.users:
        level.error = f"only {len(level.logins)} of {level.users} logins ended within {limit} s"


def run_config(config: Config, levels: list[int], options, postgres: PostgresServer | None,
               folder: Path, out) -> Run:
    run = Run(config)
    tag = f"{config.database[0]}{config.workers}{config.mode[0]}"
    port = free_port()
    callback_url = f"http://127.0.0.1:{port}{CALLBACK_PATH}" if config.mode == "callbacks" else None
    log = folder / f"{tag}-server.log"
    app = None
    final = next(stage for stage in stages.require() if stage.id == "final")
    try:
        with FakeAuthyServer.start(callback_url=callback_url) as fake:
            if postgres:
                database = postgres.create_database(f"load_{tag}")
                env = app_settings(fake, folder / "unused.db", DATABASE_URL=database)
            else:
                env = app_settings(fake, folder / f"{tag}.db")
            # The app's own poll intervals (1 s, 0.2 s with callbacks), as in production.
            env.pop("POLL_INTERVAL", None)
            env.pop("CALLBACK_POLL_INTERVAL", None)
            if callback_url:
                env["AUTHY_CALLBACK_URL"] = callback_url
            env.update(options.settings)
            app = AppServer(ROOT / final.path, port, env=env, log=log, workers=config.workers).start()
            began = time.monotonic()
            names = set_up_users(app.url, fake, max(levels), tag)
            run.setup_seconds = time.monotonic() - began
            print(f"  {len(names)} users registered with 2FA on in {run.setup_seconds:.1f} s", file=out, flush=True)
            for users in levels:
                level = Level(users)
                run.levels.append(level)
                run_level(level, names, app, fake, postgres, options, folder)
                page, p95 = level.worst_p95()
                print(f"  {users} logins: {describe(level)}", file=out, flush=True)
                if options.ramp and (p95 > options.knee_ms or level.errors):
                    break
    except (LoadError, ServerError, AssertionError, requests.RequestException) as error:
        tail = app.output_tail(15) if app else ""
        run.error = f"{type(error).__name__}: {str(error).strip()}" + (
            f"\n  --- the app's last lines ({log}) ---\n{tail}" if tail else "")
    finally:
        if app:
            app.stop()
    return run


# --- numbers -------------------------------------------------------------------------------


def describe(level: Level) -> str:
    page, p95 = level.worst_p95()
    return (f"{level.signed_in} signed in, {len(level.errors)} errors, peak {level.results.get('peak_waiting', 0)} "
            f"waiting at once, {rate(level)} logins/s, slowest p95 {p95:.0f} ms ({page}), "
            f"load average {level.load:.2f} before; Authy calls: {len(level.created)} pushes, "
            f"{level.status_calls} status" + (f", {level.other_calls} other ({', '.join(level.other_paths)})"
                                              if level.other_calls else ""))


def rate(level: Level) -> str:
    return f"{len(level.logins) / level.seconds:.1f}" if level.seconds else "-"


def per_login(level: Level, value: float) -> str:
    return f"{value / len(level.logins):.3f}" if level.logins else "-"


def table(columns: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(str(cell)) for cell in column) + 2 for column in zip(columns, *rows)]
    lines = ["".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(columns, widths)))]
    lines.append("-" * len(lines[0]))
    lines += ["".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(row, widths)))
              for row in rows]
    return "\n".join(lines)


def summary(runs: list[Run], markdown: bool) -> str:
    columns = ["configuration", "logins", "signed in", "errors", "peak waiting", "logins/s", "pushes/login",
               "Authy calls/waiting login/s", "CPU s/login: app", "fake", "PostgreSQL", "Locust",
               "slowest p95 ms", "load avg"]
    rows = []
    for run in runs:
        for level in run.levels:
            pushes = f"{len(level.created) / len(level.logins):.2f}" if level.logins else "-"
            if level.created and len(set(level.created)) != len(level.created):
                pushes += " (repeats)"  # one user pushed twice
            calls = f"{(level.status_calls + level.other_calls) / level.waited:.3f}" if level.waited else "-"
            page, p95 = level.worst_p95()
            rows.append([run.config.name, str(level.users), str(level.signed_in), str(len(level.errors)),
                         str(level.results.get("peak_waiting", 0)), rate(level), pushes, calls,
                         per_login(level, level.cpu.get("app", 0)), per_login(level, level.cpu.get("fake", 0)),
                         per_login(level, level.cpu["postgresql"]) if "postgresql" in level.cpu else "-",
                         per_login(level, level.cpu.get("locust", 0)), f"{p95:.0f}", f"{level.load:.2f}"])
        if not run.levels:
            rows.append([run.config.name, "not measured"] + [""] * (len(columns) - 2))
    return table(columns, rows, markdown)


def pages(runs: list[Run], markdown: bool) -> str:
    columns = ["configuration", "logins", "page", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    rows = []
    for run in runs:
        for level in run.levels:
            for page, times in sorted(level.times().items()):
                rows.append([run.config.name, str(level.users), page, str(len(times)),
                             f"{percentile(times, 0.5):.0f}", f"{percentile(times, 0.95):.0f}",
                             f"{percentile(times, 0.99):.0f}", f"{max(times):.0f}"])
    return table(columns, rows, markdown)


def knees(runs: list[Run], limit: float, markdown: bool) -> str:
    columns = ["configuration", "knee", "last level within", "levels run"]
    rows = []
    for run in runs:
        within = [level.users for level in run.levels if level.worst_p95()[1] <= limit and not level.errors]
        last = run.levels[-1] if run.levels else None
        turned = last is not None and (last.worst_p95()[1] > limit or last.errors)
        if turned:
            page, p95 = last.worst_p95()
            why = f"{len(last.errors)} errors" if last.errors else f"p95 {p95:.0f} ms ({page})"
            knee = f"{last.users} logins: {why}"
        else:
            knee = "not reached" if run.levels else "not measured"
        rows.append([run.config.name, knee, str(max(within)) if within else "-",
                     ", ".join(str(level.users) for level in run.levels)])
    return table(columns, rows, markdown)


# --- main ----------------------------------------------------------------------------------


def levels_arg(text: str) -> list[int]:
    levels = [int(n) for n in text.split(",") if n.strip()]
    if not levels or min(levels) < 1 or levels != sorted(levels):
        raise argparse.ArgumentTypeError("give rising numbers of logins, e.g. 50,100,200,400")
    return levels


def delay_arg(text: str) -> tuple[float, float]:
    low, _, high = text.partition(",")
    try:
        found = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError("give FROM,TO in seconds, e.g. 2,8") from None
    if found[0] < 0 or found[1] < found[0]:
        raise argparse.ArgumentTypeError("give FROM,TO in seconds, FROM <= TO, e.g. 2,8")
    return found


def list_arg(choices: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        found = [n.strip() for n in text.split(",") if n.strip()]
        wrong = [n for n in found if n not in choices]
        if wrong or not found:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(choices)}")
        return found
    return parse


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    argv = sys.argv[1:] if argv is None else argv
    # Stopped from outside (kill, a CI timeout): end as after Ctrl-C, through every finally
    # block, so that no server is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(prog="python -m tools.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("-u", "--users", type=int, default=200, help="logins waiting at once (default 200)")
    parser.add_argument("--rate", type=float, default=10, help="users arriving per second (default 10)")
    parser.add_argument("--databases", type=list_arg(DATABASES), default=list(DATABASES),
                        help="sqlite, postgresql or both (default both)")
    parser.add_argument("--workers", default="2", help="gunicorn workers, e.g. 2 or 2,4 (default 2)")
    parser.add_argument("--modes", type=list_arg(MODES), default=["callbacks"],
                        help="polling, callbacks or both (default callbacks)")
    parser.add_argument("--matrix", action="store_true",
                        help="every combination: both databases, 2 and 4 workers, polling and callbacks")
    parser.add_argument("--ramp", type=levels_arg, metavar="N,N,...",
                        help="raise the logins level by level until the knee, e.g. 50,100,200,400")
    parser.add_argument("--knee-ms", type=float, default=300, help="the p95 that marks the knee (default 300)")
    parser.add_argument("--delay", type=delay_arg, default=(2.0, 8.0),
                        help="the phone's human delay in seconds, FROM,TO (default 2,8)")
    parser.add_argument("--seed", type=int, default=8, help="seed of the delays (default 8)")
    parser.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                        help="another setting for final, e.g. CALLBACK_POLL_INTERVAL=1 (repeatable)")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    options = parser.parse_args(argv)
    try:
        workers = [int(n) for n in options.workers.split(",")]
    except ValueError:
        parser.error("--workers takes numbers, e.g. 2,4")
    if options.users < 1 or options.rate <= 0 or min(workers) < 1:
        parser.error("--users, --rate and --workers must be positive")
    options.settings = dict(setting.partition("=")[::2] for setting in options.app_env)
    if not all(name and value for name, value in options.settings.items()):
        parser.error("--app-env takes NAME=VALUE")
    if options.matrix:
        options.databases, workers, options.modes = list(DATABASES), [2, 4], list(MODES)
    levels = options.ramp or [options.users]
    configs = [Config(database, count, mode) for database in options.databases for count in workers
               for mode in options.modes]
    LOGS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=LOGS))
    load = os.getloadavg()
    print("Load test: push logins at once against final, with Locust", file=out)
    print(f"command:  {shlex.join(['python', '-m', 'tools.load', *argv])} (in {ROOT})", file=out)
    print(f"date:     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)", file=out)
    print(f"logins:   {', '.join(map(str, levels))} at once; arriving {options.rate:g}/s; the phone approves "
          f"each {options.delay[0]:g}-{options.delay[1]:g} s after all are waiting (seed {options.seed})", file=out)
    if options.settings:
        print(f"settings: {' '.join(f'{name}={value}' for name, value in options.settings.items())} "
              "(else final's defaults)", file=out)
    print(f"logs:     {folder}", file=out, flush=True)
    runs = []
    postgres = None
    try:
        for config in configs:
            print(f"\n== {config.name}", file=out, flush=True)
            if config.database == "postgresql" and postgres is None:
                reason = postgres_missing()
                if reason:
                    runs.append(Run(config, error=f"no PostgreSQL: {reason}"))
                    print(f"  failed: {runs[-1].error}", file=out, flush=True)
                    continue
                postgres = PostgresServer.start()
            runs.append(run_config(config, levels, options, postgres if config.database == "postgresql" else None,
                                   folder, out))
            if runs[-1].error:
                print(f"  failed: {runs[-1].error}", file=out, flush=True)
    finally:
        if postgres:
            postgres.stop()
    print("\nThe logins (CPU seconds per login while they ran; Authy calls per waiting login per second "
          "of waiting):", file=out)
    print(summary(runs, options.markdown), file=out)
    print("\nEvery page's time in ms (Locust: request sent to answer read):", file=out)
    print(pages(runs, options.markdown), file=out)
    if options.ramp:
        print(f"\nThe knee: the first level with a p95 over {options.knee_ms:g} ms or an error:", file=out)
        print(knees(runs, options.knee_ms, options.markdown), file=out)
    return 1 if any(run.error for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
