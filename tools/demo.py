"""`make demo`: the fake Authy and one stage's app, run as a learner would run them.

    python -m tools.demo                 # final
    python -m tools.demo --stage 04
    python -m tools.demo --stage verify-push   # make demo STAGE=verify-push: final on Twilio Verify
    python -m tools.demo --app-port 5050 --phone-port 5002    # make demo APP_PORT=5050 FAKE_PORT=5002
    python -m tools.demo --dir workspace     # make demo DIR=workspace: your own code (make workspace)

Starts the fake Authy (`python -m fake_authy`, port 5001) and, in the stage's folder,
`flask db upgrade` then `flask run` (port 5000), prints both addresses, and stops both on
Ctrl-C or SIGTERM. With AUTHY_API_URL set to a real Authy, the fake is not started.

The fake's state belongs to the app it serves: its database is `fake_authy.db` beside the
app's own (the stage's `instance/` folder, or the folder of DATABASE_URL's SQLite file), and
it starts empty whenever the app's database is new. Every stage numbers its users from 1, so
one fake shared by all of them would hand a new user of one stage the phone account of the
user with the same id in another, and show the other stages' accounts on the phone.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tools import stages
from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import port_in_use
from tools.servers import start
from tools.servers import stop
from tools.servers import wait_until_up
from tools.workspace import recorded


def pick(stage_id: str | None) -> stages.Stage | stages.Variant:
    try:
        available = stages.require()
    except stages.MissingStage as error:
        sys.exit(str(error))
    if stage_id is None:
        return available[-1]  # final is last
    wanted = stage_id.zfill(2) if stage_id.isdigit() else stage_id
    # A variant (stages.toml's [[variant]], such as verify-push) runs as a stage does.
    for stage in [*available, *stages.variants()]:
        if stage.id == wanted and (stages.ROOT / stage.path).is_dir():
            return stage
    choices = [stage.id for stage in [*available, *stages.variants()]]
    sys.exit(f"No stage {stage_id!r}: choose one of {', '.join(choices)}.")


def app_database(folder: Path, environ: dict) -> Path | None:
    """The SQLite file of the stage's app in `folder` (None when it is not SQLite on disk).

    As the stages' config.py says: DATABASE_URL, else instance/app.db in the stage's folder.
    Flask-SQLAlchemy reads a relative SQLite path from the app's instance folder.
    """
    url = environ.get("DATABASE_URL")
    if not url:
        return folder / "instance" / "app.db"
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    path = Path(url.removeprefix("sqlite:///").partition("?")[0])
    return path if path.is_absolute() else folder / "instance" / path


def fake_database(folder: Path, environ: dict) -> Path:
    """Where the fake keeps its state for the app in `folder`: beside the app's database,
    emptied when that database does not exist yet (the app starts from nothing, so does the phone)."""
    app_db = app_database(folder, environ)
    fake_db = (app_db.parent if app_db else folder / "instance") / "fake_authy.db"
    if app_db and not app_db.exists():
        fake_db.unlink(missing_ok=True)
    fake_db.parent.mkdir(parents=True, exist_ok=True)
    return fake_db


def other_port(start: int, avoid: set[int]) -> int:
    """The first port from start on that is free and not in avoid."""
    port = start
    while port in avoid or port_in_use(port):
        port += 1
    return port


def port_taken(options: argparse.Namespace, use_fake: bool) -> str | None:
    """None when the demo's ports are free; else what to tell the learner, with commands that
    work as written from the repository's folder (the venv need not be activated)."""
    # what: (make's variable, the option, the port asked for, the default, where to look for another)
    names = {"app": ("APP_PORT", "--app-port", options.app_port, 5000, 5050)}
    if use_fake:
        names["fake Authy"] = ("FAKE_PORT", "--phone-port", options.phone_port, 5001, 5002)
    taken = {what for what, (_, _, port, _, _) in names.items() if port_in_use(port)}
    if not taken:
        return None
    make = ["make demo"] + ([f"STAGE={options.stage}"] if options.stage else []) + (
        [f"DIR={options.dir}"] if options.dir else [])
    python = [".venv/bin/python -m tools.demo"] + ([f"--stage {options.stage}"] if options.stage else []) + (
        [f"--dir {options.dir}"] if options.dir else [])
    avoid = {asked for _, _, asked, _, _ in names.values()}
    lines = []
    for what, (variable, flag, asked, default, first) in names.items():
        port = asked
        if what in taken:
            port = other_port(first, avoid)
            avoid.add(port)
            airplay = (" (on macOS, AirPlay Receiver uses it: System Settings > General > AirDrop & "
                       "Handoff turns it off)") if asked == 5000 else ""
            lines.append(f"Port {asked} (the {what}'s) is already in use{airplay}.")
        if port != default:
            make.append(f"{variable}={port}")
            python.append(f"{flag} {port}")
    return ("\n".join(lines) + "\nAn earlier demo still running? Stop it with Ctrl-C in its terminal. "
            "Or choose other ports:\n  " + " ".join(make) + "\nor, without make:\n  " + " ".join(python))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", help="a stage id such as 04, or final (default: the newest)")
    parser.add_argument("--app-port", type=int, default=5000, help="the app's port (default 5000)")
    parser.add_argument("--phone-port", type=int, default=5001, help="the fake Authy's port (default 5001)")
    parser.add_argument("--dir", help="run the app in this folder instead, such as workspace (make workspace)")
    options = parser.parse_args(argv)
    if options.dir and options.stage:
        parser.error("choose --stage or --dir, not both")
    stage = pick(options.stage)
    folder = stages.ROOT / stage.path
    heading = f"{stage.id} {stage.title} ({stage.path})"
    if options.dir:
        folder = Path(options.dir).resolve()
        if not (folder / "app").is_dir():
            sys.exit(f"{options.dir} has no app/ folder to run: make workspace STAGE=04 copies a stage there.")
        record = recorded(folder)  # what make workspace copied there
        heading = f"Your code in {options.dir}" + (f" (begun from stage {record['stage']})" if record else "")
    # `kill` (SIGTERM) stops both servers too, as Ctrl-C does: they run in sessions of their
    # own, so nothing else would stop them. SystemExit runs the `finally` below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

    fake_url = f"http://127.0.0.1:{options.phone_port}"
    api_url = os.environ.get("AUTHY_API_URL", fake_url)
    use_fake = api_url.rstrip("/") == fake_url
    taken = port_taken(options, use_fake)
    if taken:
        sys.exit(taken)

    app_env = {"AUTHY_API_URL": api_url}
    if (folder / "app" / "verify.py").is_file():
        # An app on Twilio Verify (verify-push): the fake's Verify API is on the same port.
        app_env = {"TWILIO_VERIFY_BASE_URL": os.environ.get("TWILIO_VERIFY_BASE_URL", api_url)}
    fake_args = [sys.executable, "-m", "fake_authy", "--port", str(options.phone_port)]
    if use_fake:
        fake_args += ["--db", str(fake_database(folder, {**os.environ, **app_env}))]
    if use_fake and (folder / "app" / "callbacks.py").is_file():
        # Final (the only app with app/callbacks.py) takes the phone's answers from OneTouch
        # callbacks: the fake sends them to it.
        app_env["AUTHY_CALLBACK_URL"] = f"http://127.0.0.1:{options.app_port}/authy/callback"
        fake_args += ["--callback-url", app_env["AUTHY_CALLBACK_URL"]]

    fake = app = None
    try:
        if use_fake:
            fake = start(fake_args, stages.ROOT, dict(os.environ))
            try:
                wait_until_up(f"{fake_url}/phone", fake)
            except ServerError as error:
                raise ServerError(f"the fake Authy did not start: {error}") from None
        app = AppServer(folder, options.app_port, env=app_env).start()
        print(f"\n  {heading}\n"
              f"  The app:            {app.url}\n"
              + (f"  The fake's phone:   {fake_url}/phone\n" if use_fake else f"  Authy API:          {api_url}\n")
              + (f"  OneTouch callbacks: {app_env['AUTHY_CALLBACK_URL']}\n" if "AUTHY_CALLBACK_URL" in app_env else "")
              + "\n  Press Ctrl-C to stop.\n", flush=True)
        while all(process.poll() is None for process in (fake, app.process) if process):
            time.sleep(0.5)
        print("A server stopped; stopping the demo.", file=sys.stderr)
        return 1
    except ServerError as error:
        print(f"The demo could not start: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping the demo.")
        return 0
    finally:
        stop(app and app.process)
        stop(fake)


if __name__ == "__main__":
    sys.exit(main())
