"""Fixtures for the fake's Verify Push tests: one real server (as tests/fake_authy/ starts
it), the official `twilio` library pointed at it, and devices with real ES256 keys."""

import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
import requests

from fake_authy.testing import wait_for as wait_until

IDENTITY = "user-0001"


@pytest.fixture
def client(fake):
    """twilio.rest.Client with the fake's account, its Verify domain on the fake."""
    return fake.twilio_client()


@pytest.fixture
def service(client, fake):
    """The Verify Service of the settings: client.verify.v2.services(sid)."""
    return client.verify.v2.services(fake.verify_service_sid)


@pytest.fixture
def device(fake):
    return fake.device()


@pytest.fixture
def enrol(service, device, fake):
    """enrol(identity=IDENTITY, verify=True): a factor made as an app and a device make it."""

    def make(identity=IDENTITY, verify=True):
        token = service.access_tokens.create(identity=identity, factor_type="push", factor_friendly_name="Alice")
        factor = device.create_factor(token.token, fake.verify_service_sid, identity, "Alice's phone")
        if verify:
            device.verify_factor(factor)
        return factor

    return make


@pytest.fixture
def factor(enrol):
    """A verified factor of IDENTITY."""
    return enrol()


@pytest.fixture
def challenge(service, factor):
    """A pending challenge for `factor`, with details and hidden details."""
    return service.entities(factor.identity).challenges.create(
        factor_sid=factor.sid,
        details_message="Log in as alice?",
        details_fields=[{"label": "Code", "value": "4271"}, {"label": "Browser", "value": "Firefox on Linux"}],
        hidden_details={"ip": "203.0.113.7"},
    )


@pytest.fixture
def api(fake):
    """Raw HTTP to the fake's /v2 with the account's credentials: api("post", "/Services", data=...)."""

    def call(method, path, auth=(fake.account_sid, fake.auth_token), **kwargs):
        return requests.request(method, fake.verify_url + path, auth=auth, timeout=10, **kwargs)

    return call


def check_twilio_error(response, status, code):
    """Twilio's error envelope: {code, message, more_info, status}; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    return body


@pytest.fixture
def assert_error():
    return check_twilio_error


@pytest.fixture
def wait_for():
    return wait_until


class WebhookReceiver:
    """A tiny real HTTP server that records the form POSTs (webhooks) it receives."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers), "form": dict(parse_qsl(body, True))}
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/verify/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def types(self):
        return [hook["form"]["type"] for hook in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
