"""Every route flow.json names is one of the app's routes (CONTRACT below) and a route of the stage apps."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import stages

ROOT = Path(__file__).resolve().parents[2]
# The app's routes, as the chapters introduce them: (method, URL rule) -> the stage that
# introduces it.
CONTRACT = {
    ("GET", "/"): "01",
    ("GET", "/auth/register"): "01",
    ("POST", "/auth/register"): "01",
    ("GET", "/auth/login"): "01",
    ("POST", "/auth/login"): "01",
    ("POST", "/auth/logout"): "01",
    ("GET", "/user/<username>"): "02",
    ("GET", "/2fa/enable"): "03",
    ("POST", "/2fa/enable"): "03",
    ("GET", "/2fa/enable/scan"): "04",
    ("GET", "/2fa/enable/qr.png"): "04",
    ("POST", "/2fa/enable/status"): "04",
    ("GET", "/auth/login/push"): "05",
    ("POST", "/auth/login/push/status"): "05",
    ("POST", "/auth/login/push/cancel"): "05",
    ("GET", "/2fa/disable"): "06",
    ("POST", "/2fa/disable"): "06",
    ("GET", "/auth/login/push/code"): "final",
    ("POST", "/auth/login/push/code"): "final",
    ("GET", "/2fa/recovery-codes"): "final",
    ("POST", "/2fa/recovery-codes"): "final",
    ("GET", "/auth/login/recovery"): "final",
    ("POST", "/auth/login/recovery"): "final",
    ("GET", "/auth/login/recovered"): "final",
}
# Run inside a stage folder: its app's URL map as JSON [[rule, [methods]], ...].
URL_MAP = """
import json
from config import Config
from app import create_app

class InspectConfig(Config):
    TESTING = True

app = create_app(InspectConfig)
rules = sorted([r.rule, sorted(r.methods - {"HEAD", "OPTIONS"})] for r in app.url_map.iter_rules())
print("URL_MAP " + json.dumps(rules))
"""


def named_routes(flow, transition_stage):
    """(stage, method, rule) for every app frame's page and every transition's request."""
    routes = {(f["stage"], "GET", f["route"]) for f in flow["frames"] if f["server"] == "app"}
    routes |= {(transition_stage[t["id"]], *t["request"].split(" ", 1))
               for t in flow["transitions"] if "request" in t}
    return routes


def start_url_map(folder, database):
    """Start reading an app's URL map in its own process (every stage's package is `app`)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_DEBUG": "0"}
    return subprocess.Popen([sys.executable, "-c", URL_MAP], cwd=folder, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def url_map(process):
    """{(method, rule)} from a process started by start_url_map."""
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    line = next(line for line in out.splitlines() if line.startswith("URL_MAP "))
    return {(method, rule) for rule, methods in json.loads(line[len("URL_MAP "):]) for method in methods}


def test_routes_are_in_the_contract_by_the_stage_named(flow, transition_stage):
    for stage, method, rule in named_routes(flow, transition_stage):
        assert (method, rule) in CONTRACT, f"{method} {rule} is not in the route table"
        assert CONTRACT[method, rule] <= stage, f"{method} {rule} arrives in {CONTRACT[method, rule]}, not {stage}"


def test_phone_frame_is_on_the_fake(flow):
    # The one frame that is not the app's: the fake Authy's phone page (docs/fake-authy.md, "The phone").
    assert [(f["id"], f["route"]) for f in flow["frames"] if f["server"] != "app"] == [("phone", "/phone")]


def test_each_existing_stage_serves_the_routes_of_its_frames_and_steps(flow, transition_stage, tmp_path):
    # Each stage serves every route named for it or an earlier stage. All are read at once,
    # one process each.
    listed = stages.load(ROOT)
    processes = {stage.id: start_url_map(ROOT / stage.path, tmp_path / f"{stage.id}.db") for stage in listed}
    named = named_routes(flow, transition_stage)
    for stage in listed:
        served = url_map(processes[stage.id])
        expected = {(method, rule) for since, method, rule in named if stage.id == "final" or since <= stage.id}
        assert not expected - served, f"{stage.path} lacks {sorted(expected - served)}"


@pytest.fixture
def tiny_stage(tmp_path):
    """A stage-shaped folder with a two-route app, to show the URL map is read as it should."""
    (tmp_path / "app").mkdir()
    (tmp_path / "config.py").write_text("class Config:\n    TESTING = False\n")
    (tmp_path / "app" / "__init__.py").write_text(
        "from flask import Flask\n\n"
        "def create_app(config_class):\n"
        "    app = Flask(__name__)\n"
        "    app.config.from_object(config_class)\n"
        "    assert app.testing\n"
        "    app.add_url_rule('/auth/login', 'login', lambda: '', methods=['GET', 'POST'])\n"
        "    app.add_url_rule('/user/<username>', 'profile', lambda username: '')\n"
        "    return app\n"
    )
    return tmp_path


def test_url_map_reads_a_stage_app_in_testing_mode(tiny_stage, tmp_path):
    served = url_map(start_url_map(tiny_stage, tmp_path / "tiny.db"))
    assert {("GET", "/auth/login"), ("POST", "/auth/login"), ("GET", "/user/<username>")} <= served
    assert ("POST", "/user/<username>") not in served
