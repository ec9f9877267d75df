"""prototype.html is accessible: axe-core finds no violation of WCAG 2.1 A or AA of serious
or critical impact on its first frame, nor on any frame of the happy path (stepped with →)."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

PROTOTYPE = Path(__file__).resolve().parents[2] / "figma" / "prototype.html"
# axe-core's rules for WCAG 2.1 at levels A and AA, as e2e/page_checks.py runs them on the app's pages.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}


def serious_violations(page, where):
    """axe-core's findings of serious or critical impact on the page as it is, one line each."""
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']}: "
            + "; ".join(", ".join(map(str, node["target"])) for node in v["nodes"])
            for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def prototype(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(PROTOTYPE.as_uri())
    yield page
    page.close()


def test_no_serious_violation_on_the_first_frame_and_along_the_happy_path(prototype, flow):
    found = serious_violations(prototype, flow["start"])
    for step in flow["happy_path"]:
        prototype.keyboard.press("ArrowRight")  # the next step of the happy path
        target = next(t["to"] for t in flow["transitions"] if t["id"] == step)
        prototype.locator(f'#canvas[data-frame="{target}"]').wait_for()
        found += serious_violations(prototype, f"after {step}, frame {target}")
    assert not found, "axe-core, WCAG 2.1 A and AA:\n" + "\n".join(found)
