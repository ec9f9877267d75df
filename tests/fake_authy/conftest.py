"""Fixtures for the fake Authy's own tests: one real server, reset before every test."""

import json
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
import requests
from authy.api import AuthyApiClient

from fake_authy import testing
from fake_authy.testing import registration_link


@pytest.fixture
def phone(fake):
    return fake.phone


@pytest.fixture
def authy(fake):
    """The official Python client, pointed at the fake."""
    return AuthyApiClient(fake.api_key, api_uri=fake.url)


@pytest.fixture
def link_for():
    """registration_link(server, custom_user_id="7", key=None, **claims)."""
    return registration_link


@pytest.fixture
def link(fake):
    """A registration link for the fake: link("7", exp=0) and so on."""
    return lambda *args, **kwargs: registration_link(fake, *args, **kwargs)


@pytest.fixture
def authy_id(phone, link):
    """The authy_id of user "7", registered by scanning."""
    return phone.scan(link("7"))["authy_id"]


@pytest.fixture
def api(fake):
    """Raw HTTP to the fake's API with the key in the header: api("get", path, **kwargs)."""

    def call(method, path, headers=None, timeout=10, **kwargs):
        headers = {"X-Authy-API-Key": fake.api_key, **(headers or {})}
        return requests.request(method, fake.url + path, headers=headers, timeout=timeout, **kwargs)

    return call


def check_envelope(response, status, error_code):
    """An Authy error: the status, the code, and the envelope's shape; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["success"] is False
    assert body["error_code"] == error_code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


@pytest.fixture
def assert_envelope():
    return check_envelope


@pytest.fixture
def wait_for():
    """wait_for(condition, seconds=10): poll with a deadline, never a fixed sleep."""
    return testing.wait_for


class CallbackReceiver:
    """A tiny real HTTP server that records the callbacks it receives."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass  # keep the test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/authy/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.close()
