"""The frames: well-formed SVG drawn in one style, with exactly the texts users see."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FIGMA = Path(__file__).resolve().parents[2] / "figma"
FRAMES = json.loads((FIGMA / "flow.json").read_text(encoding="utf-8"))["frames"]
SVG = "{http://www.w3.org/2000/svg}"
VIEWBOX = {"app": "0 0 1280 800", "fake_authy": "0 0 390 844"}
GREYS = {"#ffffff", "#f9fafb", "#f3f4f6", "#e5e7eb", "#d1d5db", "#9ca3af", "#6b7280",
         "#4b5563", "#374151", "#1f2937", "#111827"}
# The one accent colour, its tint (flash background) and its shade (flash text).
ACCENTS = {"#2563eb", "#eff6ff", "#1e3a8a"}
# Bootstrap's red, for the buttons that lower your protection or stop logins (Disable, This
# wasn't me), as the app draws them.
DANGER = {"#dc3545"}

SIGNED_OUT_NAV = ["Login", "Register"]
SIGNED_IN_NAV = ["Home", "Profile", "Logout"]
# The texts of each frame, as the stages' templates show them (figma/README.md lists the
# frames): each must be the whole text of one <text> element (so "Repeat Password" does
# not pass for "Password").
REQUIRED_TEXTS = {
    "register": SIGNED_OUT_NAV + ["Username", "Email", "Password", "Repeat Password", "Register"],
    "login": SIGNED_OUT_NAV + ["Username", "Password", "Remember Me", "Login"],
    "home": SIGNED_IN_NAV,
    "profile-2fa-off": SIGNED_IN_NAV + ["Enable two-factor authentication"],
    "enable-confirmation": SIGNED_IN_NAV + ["Enable 2FA"],
    "qr-code": SIGNED_IN_NAV,
    "profile-2fa-on": SIGNED_IN_NAV + [
        "Disable two-factor authentication", "Two-factor authentication is now enabled."],
    # with final's code, Send again and This wasn't me (figma/README.md)
    "waiting-push": SIGNED_OUT_NAV + ["Check your Authy app", "Send again", "This wasn't me",
                                      "Stops every login that is waiting for your phone."],
    "phone": ["Approve", "Deny", "Scan"],
    "disable-confirmation": SIGNED_IN_NAV + ["Disable"],
    "profile-after-disable": SIGNED_IN_NAV + [
        "Enable two-factor authentication", "Two-factor authentication is now disabled."],
    "login-code": SIGNED_OUT_NAV + [
        "Enter the code from your Authy app", "Code", "Log in", "Back to the request on your phone"],
    # Recovery codes (final, docs/12-recovery-codes.md)
    "recovery-codes": SIGNED_IN_NAV + ["Recovery codes", "Download as text", "Print", "I have saved them"],
    "recovery-login": SIGNED_OUT_NAV + ["Use a recovery code", "Recovery code", "Sign in"],
    "recovered": SIGNED_IN_NAV + ["Signed in with a recovery code", "Disable two-factor authentication"],
}
# Texts that would say the wrong thing on a frame (the other state of 2FA, the other navbar).
FORBIDDEN_TEXTS = {
    "profile-2fa-off": ["Disable two-factor authentication"],
    "profile-2fa-on": ["Enable two-factor authentication"],
    "profile-after-disable": ["Disable two-factor authentication"],
    "waiting-push": ["Logout"],
    "recovery-login": ["Logout"],
    "register": ["Logout"],
    "login": ["Logout"],
    "login-code": ["Logout"],
}
# Whatever frame an element id appears in, its text is always this one.
ELEMENT_TEXTS = {
    "action-register-button": "Register",
    "action-login-button": "Login",
    "action-enable-link": "Enable two-factor authentication",
    "action-enable-button": "Enable 2FA",
    "action-disable-link": "Disable two-factor authentication",
    "action-disable-button": "Disable",
    "action-approve-button": "Approve",
    "action-deny-button": "Deny",
    "action-scan-button": "Scan",
    "action-app-code-link": "No notification? Enter the code from your Authy app",
    "action-code-button": "Log in",
    "nav-home-link": "Home",
    "nav-profile-link": "Profile",
    "nav-logout-button": "Logout",
    "nav-login-link": "Login",
    "nav-register-link": "Register",
    "action-show-codes-button": "Show my recovery codes",
    "action-codes-saved-link": "I have saved them",
    "action-recovery-link": "Lost your phone? Use a recovery code",
    "action-recovery-sign-in-button": "Sign in",
}
FLASHES = {
    "Two-factor authentication is now enabled.",
    "Two-factor authentication is now disabled.",
    "Login request denied.",
    "Login request expired.",
}


def text_of(element):
    return " ".join("".join(element.itertext()).split())


def texts(root):
    """The whole text of every <text> element of a frame."""
    return [text_of(t) for t in root.iter(f"{SVG}text")]


def by_id(root, element_id):
    return next((e for e in root.iter() if e.get("id") == element_id), None)


def test_every_frame_file_exists_and_every_svg_is_a_frame():
    # flow.json and frames/ list the same files, each named after its frame id.
    listed = {frame["file"] for frame in FRAMES}
    on_disk = {f"frames/{path.name}" for path in (FIGMA / "frames").glob("*.svg")}
    assert listed == on_disk
    assert all(frame["file"] == f"frames/{frame['id']}.svg" for frame in FRAMES)


@pytest.mark.parametrize("frame", FRAMES, ids=[frame["id"] for frame in FRAMES])
def test_frame_is_well_formed_svg(frame):
    root = ET.parse(FIGMA / frame["file"]).getroot()
    # An SVG root whose size is the style's: a browser window, or a phone.
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == VIEWBOX[frame["server"]]
    assert [root.get("width"), root.get("height")] == VIEWBOX[frame["server"]].split()[2:]
    # A title first, then a description (the README's table shows it).
    assert root[0].tag == f"{SVG}title" and text_of(root[0])
    assert root[1].tag == f"{SVG}desc" and text_of(root[1])
    # Drawn, self-contained, static: no pictures, no links out, no scripts.
    tags = {element.tag for element in root.iter()}
    assert not tags & {f"{SVG}image", f"{SVG}script", f"{SVG}foreignObject", f"{SVG}a"}
    assert not [a for e in root.iter() for a in e.attrib if a.endswith("href")]
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "an id appears twice in the frame"


def test_frames_cover_the_design(svgs):
    # Every frame of the flow has its texts checked below, and nothing else.
    assert set(svgs) == set(REQUIRED_TEXTS)


def test_frames_share_one_style(svgs):
    # One font stack and one accent colour everywhere.
    def font(root):
        style = root.find(f"{SVG}style").text
        return re.search(r"text \{ font-family: ([^;]+);", style).group(1)

    fonts = {frame_id: font(root) for frame_id, root in svgs.items()}
    assert set(fonts.values()) == {
        'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'}
    for frame_id, root in svgs.items():
        colours = set(re.findall(r"#[0-9a-fA-F]{3,8}\b", ET.tostring(root, encoding="unicode"))) - GREYS
        assert colours <= ACCENTS | DANGER, f"{frame_id} uses colours outside the palette: {colours - ACCENTS - DANGER}"


@pytest.mark.parametrize("frame_id", list(REQUIRED_TEXTS))
def test_frame_has_the_texts_users_see(svgs, frame_id):
    shown = texts(svgs[frame_id])
    missing = [text for text in REQUIRED_TEXTS[frame_id] if text not in shown]
    assert not missing, f"{frame_id} lacks {missing}"
    wrong = [text for text in FORBIDDEN_TEXTS.get(frame_id, []) if text in shown]
    assert not wrong, f"{frame_id} shows {wrong}"


def test_named_elements_say_what_section_5_says(svgs):
    for frame_id, root in svgs.items():
        for element_id, text in ELEMENT_TEXTS.items():
            element = by_id(root, element_id)
            if element is not None:
                assert text_of(element) == text, f"{frame_id}: #{element_id}"


def test_qr_page_has_the_code_its_alt_text_steps_and_the_link(svgs):
    root = svgs["qr-code"]
    qr = by_id(root, "action-qr-code")
    # The QR code is a picture named "QR code", like the app's <img alt="QR code">.
    assert qr.get("role") == "img" and qr.get("aria-label") == "QR code"
    assert text_of(qr.find(f"{SVG}title")) == "QR code"
    assert qr.find(f"{SVG}path") is not None
    shown = texts(root)
    # Steps for both phones, and the "can't scan it?" line with the link as text.
    assert {"On iOS", "On Android"} <= set(shown)
    assert any(re.match(r"Can[’']t scan it\?", text) for text in shown)
    assert any(text.startswith("authy://account?token=") for text in shown)


def test_waiting_page_has_a_spinner(svgs):
    classes = {e.get("class", "") for e in svgs["waiting-push"].iter()}
    assert {"wf-spinner-track", "wf-spinner-arc"} <= classes


def test_flash_messages_are_section_5s_and_land_in_a_flash_slot(flow, svgs):
    flashes = {t["flash"] for t in flow["transitions"] if "flash" in t}
    assert flashes == FLASHES
    for t in flow["transitions"]:
        if "flash" in t:
            # The prototype writes the message into the target frame's slot.
            slot = by_id(svgs[t["to"]], "flash")
            assert slot is not None and by_id(slot, "flash-text") is not None, t["id"]
    for frame_id, root in svgs.items():
        slot = by_id(root, "flash")
        # A slot the frame shows holds one of the messages; a hidden one is empty.
        if slot is not None and slot.get("display") != "none":
            assert text_of(slot) in FLASHES, frame_id
        elif slot is not None:
            assert text_of(slot) == "", frame_id
