"""tools/demo.py (make demo): the fake's state belongs to the app it serves, and stopping
the demo stops the fake Authy and the app with it."""

import contextlib
import os
import re
import runpy
import shlex
import signal
import socket
import subprocess
import sys

import pytest
import requests

from fake_authy.settings import Settings
from fake_authy.testing import Phone
from fake_authy.testing import registration_link
from fake_authy.testing import wait_for
from tools.demo import app_database
from tools.servers import free_port
from tools.servers import port_in_use
from tools.stages import ROOT


def start_demo(stage_id, database, log, folder=None):
    """`python -m tools.demo --stage <stage_id>` (or `--dir <folder>`) on free ports, with
    DATABASE_URL at `database` (None: the app's default); once it is up: the process and its
    ports (app, phone)."""
    app_port, phone_port = free_port(), free_port()
    # the fake starts; the app's database is the one asked for
    env = {name: value for name, value in os.environ.items() if name not in ("AUTHY_API_URL", "DATABASE_URL")}
    if database:
        env["DATABASE_URL"] = f"sqlite:///{database}"
    app = ["--dir", str(folder)] if folder else ["--stage", stage_id]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.demo", *app, "--app-port", str(app_port), "--phone-port", str(phone_port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )

    def started():
        assert process.poll() is None, f"the demo ended:\n{log.read_text()}"
        return "Press Ctrl-C to stop." in log.read_text()

    try:
        wait_for(started, 60, lambda: f"the demo to start:\n{log.read_text()}")
    except BaseException:
        stop_demo(process)
        raise
    return process, (app_port, phone_port)


def stop_demo(process):
    """Ctrl-C, as a person stops it."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@pytest.fixture
def demo(tmp_path):
    """The demo of stage 01, its database in tmp_path; stopped at the end, should a test leave it running."""
    process, ports = start_demo("01", tmp_path / "app.db", tmp_path / "demo.log")
    yield process, ports
    stop_demo(process)


@pytest.fixture
def run_demo(tmp_path):
    """run_demo(stage_id, database): the demo of that stage, with its app database at `database`;
    returns the phone of its fake Authy. The demo runs until the next call or the end of the test."""
    running = []

    def run(stage_id, database):
        while running:
            stop_demo(running.pop())
        database.parent.mkdir(parents=True, exist_ok=True)
        process, (_, phone_port) = start_demo(stage_id, database, tmp_path / f"demo-{stage_id}.log")
        running.append(process)
        return Phone(f"http://127.0.0.1:{phone_port}")

    yield run
    while running:
        stop_demo(running.pop())


def registered(phone, custom_user_id):
    """The fake's answer to the app that asks whether this user of the app has scanned its QR code."""
    answer = requests.get(f"{phone.url}/protected/json/registrations/status",
                          params={"custom_user_id": custom_user_id},
                          headers={"X-Authy-API-Key": Settings().api_key}, timeout=10)
    return answer.status_code == 200 and answer.json()["registration"]["status"] == "completed"


def test_each_stage_has_its_own_fake_state(run_demo, tmp_path):
    # User 1 of stage 05 scans the QR code...
    phone = run_demo("05", tmp_path / "05" / "app.db")
    phone.scan(registration_link(Settings(), "1"))
    assert registered(phone, "1")
    # ...and user 1 of stage 06, another app with its own database, has not: the fake must not
    # tell stage 06 that its user 1 has 2FA, nor show stage 05's account on the phone.
    phone = run_demo("06", tmp_path / "06" / "app.db")
    assert not registered(phone, "1")
    assert phone.accounts() == []


def test_the_fake_keeps_the_state_of_an_app_that_keeps_its_database(run_demo, tmp_path):
    database = tmp_path / "05" / "app.db"
    phone = run_demo("05", database)
    phone.scan(registration_link(Settings(), "1"))
    # Stopped and started again: the app still has its user 1, and the phone its account.
    phone = run_demo("05", database)
    assert registered(phone, "1")
    assert [account["custom_user_id"] for account in phone.accounts()] == ["1"]
    assert (database.parent / "fake_authy.db").is_file()  # beside the app's database
    # The app's database is gone (a new user 1 will come): the fake starts afresh with it.
    database.unlink()
    phone = run_demo("05", database)
    assert not registered(phone, "1")
    assert phone.accounts() == []


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is a POSIX signal")
def test_sigterm_stops_both_servers(demo):
    process, ports = demo
    assert all(port_in_use(port) for port in ports)
    process.send_signal(signal.SIGTERM)
    # the demo ends, and neither the app nor the fake Authy is left running
    assert process.wait(timeout=30) == 0
    assert [port for port in ports if port_in_use(port)] == []


def test_ctrl_c_stops_both_servers(demo):
    process, ports = demo
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert [port for port in ports if port_in_use(port)] == []


def occupied(port=0):
    """A socket listening on 127.0.0.1 (on `port`, or a free one), as another program would."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def run_taken(*args):
    """`python -m tools.demo <args>` while a port it wants is taken: its exit code and message."""
    env = {name: value for name, value in os.environ.items() if name != "AUTHY_API_URL"}
    result = subprocess.run([sys.executable, "-m", "tools.demo", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr


def suggested(message, prefix):
    """The command of the message's line that starts with prefix, as shell words."""
    lines = [line.strip() for line in message.splitlines() if line.strip().startswith(prefix)]
    assert len(lines) == 1, message
    return shlex.split(lines[0])


def test_a_taken_fake_port_gets_commands_that_work_as_written():
    app_port = free_port()
    with occupied() as fake:
        phone_port = fake.getsockname()[1]
        code, message = run_taken("--stage", "04", "--app-port", str(app_port), "--phone-port", str(phone_port))
    assert code and f"Port {phone_port} (the fake Authy's) is already in use" in message
    assert "AirPlay" not in message  # AirPlay Receiver takes 5000, not the fake's port
    make = suggested(message, "make demo")
    python = suggested(message, ".venv/bin/python")
    # The venv's python, so the command works without activating the venv.
    assert python[:3] == [".venv/bin/python", "-m", "tools.demo"]
    # Both keep the stage and the app's port, and move the fake to a free port.
    new = int(next(word for word in make if word.startswith("FAKE_PORT=")).partition("=")[2])
    assert new != phone_port and not port_in_use(new)
    assert make[2:] == ["STAGE=04", f"APP_PORT={app_port}", f"FAKE_PORT={new}"]
    assert python[3:] == ["--stage", "04", "--app-port", str(app_port), "--phone-port", str(new)]
    # make demo passes FAKE_PORT on as --phone-port.
    dry_run = subprocess.run(["make", "-n", *make[1:]], cwd=ROOT, capture_output=True, text=True, check=True)
    assert f"-m tools.demo --stage 04 --app-port {app_port} --phone-port {new}" in " ".join(dry_run.stdout.split())


def test_only_port_5000_speaks_of_airplay():
    # Taken already by something else on this machine, or taken here for the test.
    with contextlib.nullcontext() if port_in_use(5000) else occupied(5000):
        code, message = run_taken("--phone-port", str(free_port()))
    assert code and "Port 5000 (the app's) is already in use (on macOS, AirPlay Receiver" in message
    make = suggested(message, "make demo")
    assert make[2].startswith("APP_PORT=") and make[2] != "APP_PORT=5000"


@pytest.mark.parametrize("stage_path", ["stages/01-register-login", "final"])
def test_the_demo_finds_the_app_database_where_the_stage_keeps_it(stage_path, monkeypatch):
    """Without DATABASE_URL, the fake's state goes beside the database the stage's config.py
    names (instance/app.db), not in a folder of its own below it."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = ROOT / stage_path
    config = runpy.run_path(str(folder / "config.py"))["Config"]
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{app_database(folder, {})}"
    assert app_database(folder, {}) == folder / "instance" / "app.db"


def test_make_demo_dir_runs_the_learners_code_with_its_own_instance(tmp_path):
    """make demo DIR=workspace: the app of that folder, its database and the fake's state in
    its own instance/, as for a stage."""
    folder = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "tools.workspace", "05", "--dir", str(folder)], cwd=ROOT, check=True,
                   capture_output=True)
    log = tmp_path / "demo.log"
    process, (app_port, phone_port) = start_demo(None, None, log, folder)
    try:
        assert f"Your code in {folder}" in log.read_text()
        assert requests.get(f"http://127.0.0.1:{app_port}/auth/login", timeout=10).status_code == 200
        Phone(f"http://127.0.0.1:{phone_port}").scan(registration_link(Settings(), "1"))
    finally:
        stop_demo(process)
    assert sorted(p.name for p in (folder / "instance").iterdir()) == ["app.db", "fake_authy.db"]
    dry_run = subprocess.run(["make", "-n", "demo", "DIR=workspace"], cwd=ROOT, capture_output=True, text=True,
                             check=True)
    assert "-m tools.demo --dir workspace" in " ".join(dry_run.stdout.split())


def test_demo_runs_verify_push_against_the_fake(tmp_path):
    # make demo STAGE=verify-push: the app on Twilio Verify, its Verify API the fake's
    process, (app_port, phone_port) = start_demo("verify-push", tmp_path / "app.db", tmp_path / "demo.log")
    try:
        # the app answers, and its enrolment asks the fake's Verify for an access token
        session = requests.Session()
        base = f"http://127.0.0.1:{app_port}"

        def csrf(path):
            page = session.get(base + path, timeout=10).text
            return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)

        password = "correct horse battery staple"
        session.post(base + "/auth/register", timeout=30, data={
            "csrf_token": csrf("/auth/register"), "username": "alice", "email": "a@example.com",
            "password": password, "password2": password})
        session.post(base + "/auth/login", timeout=30, data={
            "csrf_token": csrf("/auth/login"), "username": "alice", "password": password})
        session.post(base + "/2fa/enable", data={"csrf_token": csrf("/")}, timeout=30)
        page = session.get(base + "/2fa/enable/scan", timeout=10).text
        assert re.search(r"verifypush://enrol\?service=VA[0-9a-f]{32}&amp;identity=", page)
    finally:
        stop_demo(process)
