"""prototype.html: its copies are current, and a real Chromium clicks through it."""

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
FIGMA = ROOT / "figma"
PROTOTYPE = FIGMA / "prototype.html"
REGENERATE = ["-I", "figma", "figma/prototype.html", "figma/README.md"]


def test_embedded_flow_and_frames_are_copies_of_the_files(flow):
    html = PROTOTYPE.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="flow-data">\n(.*?)\n</script>', html, re.S)
    assert json.loads(data.group(1)) == flow
    templates = dict(re.findall(r'<template id="frame-([a-z0-9-]+)">\n(.*?)\n</template>', html, re.S))
    assert list(templates) == [frame["id"] for frame in flow["frames"]]
    for frame in flow["frames"]:
        assert templates[frame["id"]] == (FIGMA / frame["file"]).read_text(encoding="utf-8").strip()


def test_cog_copies_are_current():
    # The documented regeneration, in check mode: fails while prototype.html or the
    # README's tables lag behind flow.json or a frame.
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", *REGENERATE], cwd=ROOT,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


class Visit:
    """A page of the prototype that records every request and every script error."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.requests, self.errors = [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)
        self.canvas = self.page.locator("#canvas")

    def click(self, action):
        self.canvas.locator(f"#{action}").click()

    def expect_frame(self, frame_id, titles):
        expect(self.canvas).to_have_attribute("data-frame", frame_id)
        # The frame drawn is that frame's SVG, not only a label saying so.
        expect(self.canvas.locator("svg > title")).to_have_text(titles[frame_id])

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def titles(flow):
    return {frame["id"]: frame["title"] for frame in flow["frames"]}


@pytest.fixture
def visit(browser):
    visits = []

    def open_page(url):
        visits.append(Visit(browser, url))
        return visits[-1]

    yield open_page
    for page in visits:
        page.close()


def test_happy_path_clicks_through_from_disk(flow, svgs, titles, visit):
    transitions = {t["id"]: t for t in flow["transitions"]}
    proto = visit(PROTOTYPE.as_uri())
    proto.expect_frame(flow["start"], titles)
    expect(proto.page.locator("#hint")).to_contain_text(f"Step 1 of {len(flow['happy_path'])}")
    for step in flow["happy_path"]:
        t = transitions[step]
        # The hint ring marks the element to click; clicking it shows the next frame.
        expect(proto.canvas.locator(".proto-ring.is-hint")).to_have_count(1)
        proto.click(t["action"])
        proto.expect_frame(t["to"], titles)
        if "flash" in t:
            expect(proto.canvas.locator("#flash-text")).to_have_text(t["flash"])
            expect(proto.canvas.locator("#flash-text")).to_be_visible()
        elif proto.canvas.locator("#flash").count():
            expect(proto.canvas.locator("#flash")).to_be_hidden()
    expect(proto.page.locator("#hint")).to_contain_text("End of the happy path")
    assert proto.errors == []
    # Nothing but the file itself: no network, not even a fetch of flow.json.
    assert proto.requests == [PROTOTYPE.as_uri()]


def test_back_restart_keys_frame_list_and_hotspots(flow, titles, visit):
    proto = visit(PROTOTYPE.as_uri())
    page = proto.page
    expect(page.locator("#back")).to_be_disabled()
    # Arrow keys walk the happy path forwards and back.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    proto.expect_frame("home", titles)
    page.keyboard.press("ArrowLeft")
    proto.expect_frame("login", titles)
    page.locator("#back").click()
    proto.expect_frame("register", titles)
    expect(page.locator("#back")).to_be_disabled()
    # The frame list jumps anywhere; that frame's button says it is the current one.
    page.get_by_role("button", name="Phone: approve or deny").click()
    proto.expect_frame("phone", titles)
    expect(page.get_by_role("button", name="Phone: approve or deny")).to_have_attribute("aria-current", "true")
    # Hotspots are buttons named by their step; hovering one lights its ring.
    hotspots = proto.canvas.get_by_role("button")
    expect(hotspots).to_have_count(len({t["action"] for t in flow["transitions"] if t["from"] == "phone"}))
    proto.canvas.locator("#action-deny-button").hover()
    expect(proto.canvas.locator(".proto-ring.is-hover")).to_have_count(1)
    # From the keyboard: Tab to a hotspot and press Enter. Deny brings the login page's flash.
    proto.canvas.get_by_role("button", name="Deny").focus()
    page.keyboard.press("Enter")
    proto.expect_frame("login", titles)
    expect(proto.canvas.locator("#flash-text")).to_have_text("Login request denied.")
    # With 2FA on (the phone said so), Login now waits for the push.
    proto.click("action-login-button")
    proto.expect_frame("waiting-push", titles)
    # Hints can be turned off; Restart (or Home) starts over with no history.
    page.locator("#hints").click()
    expect(proto.canvas.locator(".proto-ring.is-hint")).to_have_count(0)
    page.locator("#restart").click()
    proto.expect_frame(flow["start"], titles)
    expect(page.locator("#back")).to_be_disabled()
    assert proto.errors == []


def test_link_to_a_frame_opens_it(titles, visit):
    proto = visit(PROTOTYPE.as_uri() + "#qr-code")
    proto.expect_frame("qr-code", titles)
    proto.click("action-qr-code")
    proto.expect_frame("profile-2fa-on", titles)
    expect(proto.canvas.locator("#flash-text")).to_have_text("Two-factor authentication is now enabled.")


@pytest.fixture
def served_figma():
    """The figma/ folder on a local HTTP server, as `python -m http.server -d figma` would."""
    handler = functools.partial(QuietHandler, directory=str(FIGMA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_prototype_works_when_served(flow, titles, visit, served_figma):
    proto = visit(f"{served_figma}/prototype.html")
    proto.expect_frame(flow["start"], titles)
    first = next(t for t in flow["transitions"] if t["id"] == flow["happy_path"][0])
    proto.click(first["action"])
    proto.expect_frame(first["to"], titles)
    assert proto.errors == []
    assert proto.requests == [f"{served_figma}/prototype.html"]
