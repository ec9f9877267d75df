"""What cog writes into prototype.html and README.md, taken from flow.json and the frames.

A page opened from disk (file://) cannot fetch flow.json or the SVG files, so prototype.html
carries copies of them; the README's tables are made from the same flow. After changing a
frame or flow.json, regenerate both from the repository root:

    .venv/bin/cog -r -I figma figma/prototype.html figma/README.md

`cog --check` with the same arguments (run by tests/figma) fails while a copy is stale.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = "{http://www.w3.org/2000/svg}"


def load_flow() -> dict:
    return json.loads((HERE / "flow.json").read_text(encoding="utf-8"))


def prototype_data() -> str:
    """flow.json as a JSON script, then each frame's SVG in a template, for prototype.html."""
    flow = load_flow()
    # "</" would end the script element early; "<\/" is the same string to JSON.
    data = json.dumps(flow, indent=2, ensure_ascii=False).replace("</", "<\\/")
    parts = [f'<script type="application/json" id="flow-data">\n{data}\n</script>']
    for frame in flow["frames"]:
        svg = (HERE / frame["file"]).read_text(encoding="utf-8").strip()
        parts.append(f'<template id="frame-{frame["id"]}">\n{svg}\n</template>')
    return "\n".join(parts) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _description(frame: dict) -> str:
    desc = ET.parse(HERE / frame["file"]).getroot().find(f"{SVG}desc")
    return " ".join(desc.text.split()) if desc is not None and desc.text else ""


def _route(frame: dict) -> str:
    return f"`{frame['route']}`" + (" (fake Authy)" if frame["server"] == "fake_authy" else "")


def frames_table() -> str:
    """One row per frame: what it shows, where it lives and which stage brings it."""
    return _table(
        ["Frame", "What it shows", "Route", "Stage"],
        [[f"[`{f['id']}`]({f['file']})", _description(f), _route(f), f["stage"]]
         for f in load_flow()["frames"]],
    )


def _transition_rows(transitions: list[dict], numbered: bool) -> list[list[str]]:
    rows = []
    for n, t in enumerate(transitions, 1):
        when = f" (2FA {t['when_twofa']})" if "when_twofa" in t else ""
        flash = f" with “{t['flash']}”" if "flash" in t else ""
        e2e = f"`{t['e2e']['file']}::{t['e2e']['test']}`"
        row = [f"`{t['from']}`", f"{t['label']}{when}", f"`{t['to']}`{flash}",
               f"`{t['request']}`" if "request" in t else "(on the phone)", e2e]
        rows.append([str(n)] + row if numbered else row)
    return rows


def happy_path_table() -> str:
    """The happy path, step by step, with the request each step makes and its e2e scenario."""
    flow = load_flow()
    by_id = {t["id"]: t for t in flow["transitions"]}
    return _table(
        ["Step", "On frame", "Click", "Goes to", "Request to the app", "End-to-end scenario"],
        _transition_rows([by_id[i] for i in flow["happy_path"]], numbered=True),
    )


def other_transitions_table() -> str:
    """The transitions off the happy path: the phone's Deny and expiry, and Cancel."""
    flow = load_flow()
    others = [t for t in flow["transitions"] if t["id"] not in flow["happy_path"]]
    return _table(
        ["On frame", "Click", "Goes to", "Request to the app", "End-to-end scenario"],
        _transition_rows(others, numbered=False),
    )


def stages_table() -> str:
    """Which frames each stage introduces (stages.toml lists the same ids under `frames`)."""
    frames = load_flow()["frames"]
    stages = sorted({f["stage"] for f in frames})
    return _table(
        ["Stage", "Frames it introduces"],
        [[s, ", ".join(f"`{f['id']}`" for f in frames if f["stage"] == s)] for s in stages],
    )
