"""The design (figma/): its flow and its frames, parsed once for every test here."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FIGMA = Path(__file__).resolve().parents[2] / "figma"


@pytest.fixture(scope="session")
def flow():
    return json.loads((FIGMA / "flow.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def svgs(flow):
    """Each frame's parsed SVG root element, by frame id (frames whose file exists)."""
    files = {frame["id"]: FIGMA / frame["file"] for frame in flow["frames"]}
    return {frame_id: ET.parse(path).getroot() for frame_id, path in files.items() if path.is_file()}


@pytest.fixture(scope="session")
def transition_stage(flow):
    """The stage a transition first works in: the later of its two frames' stages."""
    stage = {frame["id"]: frame["stage"] for frame in flow["frames"]}
    return {t["id"]: max(stage[t["from"]], stage[t["to"]]) for t in flow["transitions"]}
