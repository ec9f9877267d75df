"""flow.json: a consistent flow that follows the article, the manifest and the e2e suite."""

import ast
import re
from pathlib import Path

import pytest

from tools import stages

ROOT = Path(__file__).resolve().parents[2]
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
STAGE_IDS = {"01", "02", "03", "04", "05", "06", "final"}
# The article's outline: register, enable 2FA from the profile by scanning the QR code, log
# out, log in again with Approve on the phone, then disable 2FA from the profile.
ARTICLE_FLOW = [
    "register", "login", "home", "profile-2fa-off", "enable-confirmation", "qr-code",
    "profile-2fa-on", "login", "waiting-push", "phone", "home", "profile-2fa-on",
    "disable-confirmation", "profile-after-disable",
]


def frames_by_id(flow):
    return {frame["id"]: frame for frame in flow["frames"]}


def applies(transition, frame_id, twofa):
    return transition["from"] == frame_id and transition.get("when_twofa", twofa) == twofa


def test_frames_are_well_described(flow):
    ids = [frame["id"] for frame in flow["frames"]]
    assert len(ids) == len(set(ids))
    for frame in flow["frames"]:
        assert KEBAB.fullmatch(frame["id"]), frame["id"]
        assert frame["title"].strip(), frame["id"]
        assert frame["stage"] in STAGE_IDS, frame["id"]
        assert frame["server"] in {"app", "fake_authy"}, frame["id"]
        assert frame["route"].startswith("/"), frame["id"]
        assert frame.get("twofa", "off") in {"on", "off"}, frame["id"]
    assert flow["start"] in ids and flow["start_twofa"] in {"on", "off"}


def test_transitions_are_well_described(flow, svgs):
    frames = frames_by_id(flow)
    ids = [t["id"] for t in flow["transitions"]]
    assert len(ids) == len(set(ids))
    for t in flow["transitions"]:
        assert t["from"] in frames and t["to"] in frames, t["id"]
        assert t["label"].strip(), t["id"]
        assert t.get("when_twofa", "on") in {"on", "off"}, t["id"]
        # The clicked element is in the frame the click starts from.
        assert any(e.get("id") == t["action"] for e in svgs[t["from"]].iter()), t["id"]
        # The app gets a request for every step, except picking up the phone.
        assert ("request" in t) == (frames[t["to"]]["server"] == "app"), t["id"]
        if "request" in t:
            assert re.fullmatch(r"(GET|POST) /\S*", t["request"]), t["id"]
        assert set(t["e2e"]) == {"file", "test"}, t["id"]
        assert re.fullmatch(r"e2e/test_\w+\.py", t["e2e"]["file"]), t["id"]
        assert re.fullmatch(r"test_\w+", t["e2e"]["test"]), t["id"]


def test_every_click_leads_to_exactly_one_frame(flow):
    # Where a click leads may depend on the user's 2FA, but never on anything else.
    clicks = {(t["from"], t["action"]) for t in flow["transitions"]}
    for frame_id, action in clicks:
        for twofa in ("on", "off"):
            targets = [t["to"] for t in flow["transitions"]
                       if t["action"] == action and applies(t, frame_id, twofa)]
            assert len(targets) == 1, (frame_id, action, twofa, targets)


def test_happy_path_follows_the_article(flow):
    frames = frames_by_id(flow)
    transitions = {t["id"]: t for t in flow["transitions"]}
    assert len(flow["happy_path"]) == len(set(flow["happy_path"]))
    # Walk it as the prototype does, remembering the user's 2FA from the frames passed.
    here, twofa, walked = flow["start"], flow["start_twofa"], [flow["start"]]
    for step in flow["happy_path"]:
        t = transitions[step]
        assert applies(t, here, twofa), f"step {step} does not start from {here} with 2FA {twofa}"
        here = t["to"]
        twofa = frames[here].get("twofa", twofa)
        walked.append(here)
    assert walked == ARTICLE_FLOW


def test_every_frame_is_reachable_and_only_the_last_is_a_dead_end(flow):
    reachable, todo = set(), [flow["start"]]
    while todo:
        frame_id = todo.pop()
        if frame_id not in reachable:
            reachable.add(frame_id)
            todo += [t["to"] for t in flow["transitions"] if t["from"] == frame_id]
    assert reachable == set(frames_by_id(flow))
    dead_ends = set(frames_by_id(flow)) - {t["from"] for t in flow["transitions"]}
    assert dead_ends == {ARTICLE_FLOW[-1]}


def test_stages_toml_lists_the_frames_each_stage_introduces(flow):
    # Compared for the stages the manifest has so far.
    for stage in stages.load(ROOT):
        expected = [f["id"] for f in flow["frames"] if f["stage"] == stage.id]
        assert sorted(stage.frames) == sorted(expected), f"stage {stage.id} in stages/stages.toml"


def since_markers(source):
    """Each test function's `since` stage (its own marker, else its class's, else the module's)."""

    def since(decorators):
        for node in decorators:
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "since" and call.args
                        and isinstance(call.args[0], ast.Constant)):
                    return call.args[0].value
        return None

    tree = ast.parse(source)
    module = since([node.value for node in tree.body if isinstance(node, ast.Assign)
                    and any(getattr(target, "id", None) == "pytestmark" for target in node.targets)])
    found = {}
    for node in tree.body:
        members = [(node, module)]
        if isinstance(node, ast.ClassDef):
            members = [(member, since(node.decorator_list) or module) for member in node.body]
        for function, default in members:
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name.startswith("test_"):
                found[function.name] = since(function.decorator_list) or default
    return found


def test_since_markers_are_read_from_functions_classes_and_modules():
    source = '''
import pytest
pytestmark = [pytest.mark.since("02")]

@pytest.mark.since("05")
def test_own():
    pass

def test_from_module():
    pass

@pytest.mark.since("04")
class TestGroup:
    def test_from_class(self):
        pass

def helper():
    pass
'''
    assert since_markers(source) == {"test_own": "05", "test_from_module": "02", "test_from_class": "04"}


def test_e2e_scenarios_exist_and_start_at_the_stage_of_their_steps(flow, transition_stage):
    # One scenario may walk several steps; it is marked `since` the latest of their stages.
    scenarios = {}
    for t in flow["transitions"]:
        key = (t["e2e"]["file"], t["e2e"]["test"])
        scenarios[key] = max(scenarios.get(key, "00"), transition_stage[t["id"]])
    for (file, test), stage in sorted(scenarios.items()):
        path = ROOT / file
        assert path.is_file(), f"flow.json names {file}, which does not exist"
        markers = since_markers(path.read_text(encoding="utf-8"))
        assert test in markers, f"{file} has no scenario {test}"
        assert markers[test] == stage, f"{file}::{test} is since {markers[test]}, its steps since {stage}"


@pytest.mark.parametrize("stage_id", sorted(STAGE_IDS))
def test_every_stage_brings_a_frame(flow, stage_id):
    assert any(frame["stage"] == stage_id for frame in flow["frames"])
