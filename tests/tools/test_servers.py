"""tools/servers.py: a server that cannot start says why, with its own output; an app's settings."""

import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

from tools.servers import AppServer
from tools.servers import ServerError
from tools.servers import app_settings
from tools.servers import free_port
from tools.servers import port_in_use


def test_a_stage_that_cannot_start_says_why_and_shows_its_output(tmp_path):
    server = AppServer(tmp_path, free_port(), env={"FLASK_APP": "missing"}, log=tmp_path / "server.log")
    with pytest.raises(ServerError) as failure:
        server.start(timeout=20)
    message = str(failure.value)
    assert message.startswith(f"{tmp_path} did not start: `flask db upgrade` failed with status ")
    assert f"--- its output ({tmp_path / 'server.log'}) ---" in message
    assert "Could not import 'missing'" in message


def test_port_in_use():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert port_in_use(sock.getsockname()[1])
    assert not port_in_use(free_port())


def test_app_settings_point_the_app_at_the_fake_and_its_application():
    fake = SimpleNamespace(url="http://127.0.0.1:5999", api_key="k" * 32, app_name="App", app_id="7")
    settings = app_settings(fake, Path("/tmp/x/app.db"), PUSH_EXPIRY="2", POLL_INTERVAL="1")
    # the fake's application, whatever a shell has set: AppServer puts these over os.environ
    assert {name: settings[name] for name in ("AUTHY_API_URL", "AUTHY_PRODUCTION_API_KEY", "AUTHY_APP_NAME",
                                              "AUTHY_APP_ID")} == {
        "AUTHY_API_URL": "http://127.0.0.1:5999", "AUTHY_PRODUCTION_API_KEY": "k" * 32,
        "AUTHY_APP_NAME": "App", "AUTHY_APP_ID": "7"}
    assert settings["DATABASE_URL"] == "sqlite:////tmp/x/app.db"
    # not in debug mode, so with a real secret key, new on every call
    assert settings["FLASK_DEBUG"] == "0"
    assert len(settings["SECRET_KEY"]) >= 32 and settings["SECRET_KEY"] != app_settings(fake, Path("a"))["SECRET_KEY"]
    # extra settings are added, and win over the ones given here
    assert (settings["PUSH_EXPIRY"], settings["POLL_INTERVAL"]) == ("2", "1")
    assert app_settings(fake, Path("a"))["POLL_INTERVAL"] == "0.2"
