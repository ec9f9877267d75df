"""tools/demo.py (make demo): stopping the demo stops the fake Authy and the app with it."""

import os
import signal
import subprocess
import sys

import pytest

from fake_authy.testing import wait_for
from tools.servers import free_port
from tools.servers import port_in_use
from tools.stages import ROOT


@pytest.fixture
def demo(tmp_path):
    """`python -m tools.demo --stage 01` on free ports, its database in tmp_path; once it is up,
    the process and its ports. Stopped with Ctrl-C at the end, should a test leave it running."""
    app_port, phone_port = free_port(), free_port()
    env = {name: value for name, value in os.environ.items() if name != "AUTHY_API_URL"}  # the fake starts
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    output = tmp_path / "demo.log"
    with open(output, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.demo", "--stage", "01", "--app-port", str(app_port),
             "--phone-port", str(phone_port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        def started():
            assert process.poll() is None, f"the demo ended:\n{output.read_text()}"
            return "Press Ctrl-C to stop." in output.read_text()

        wait_for(started, 60, lambda: f"the demo to start:\n{output.read_text()}")
        yield process, (app_port, phone_port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


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
