"""tools/servers.py: a server that cannot start says why, with its own output."""

import socket

import pytest

from tools.servers import AppServer
from tools.servers import ServerError
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
