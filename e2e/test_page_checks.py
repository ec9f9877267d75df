"""The checks that every scenario runs on every page (page_checks.py) find what they look for.

Tiny pages, served by the browser context itself (context.route), each with a known fault:
a check that cannot fail would check nothing. No app is needed, so these run once, not per stage.
"""

from urllib.parse import urlsplit

import pytest

from page_checks import AxeCheck
from page_checks import AxeScans
from page_checks import OverflowCheck
from page_checks import PageWatch

SITE = "http://pages.test"
HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{0}</title></head><body><main>'
PAGES = {
    # Pale grey text on white (contrast 2.8:1; serious), a text field without a label
    # (critical), and a role that ARIA deprecated (minor: reported, not failed).
    "/faults": HEAD.format("Faults") + (
        '<h1>Faults</h1><p id="pale" style="color: #999; background: #fff">Pale</p>'
        '<input type="text" id="unnamed"><div role="directory" id="old-role">Directory</div>'
        "</main></body></html>"),
    "/fine": HEAD.format("Fine") + '<h1>Fine</h1><p>Hello, <b>{name}</b>.</p></main></body></html>',
    # The same page with one style sheet or another (the query string names it).
    "/styled": ('<!doctype html><html lang="en"><head><title>Styled</title><link rel="stylesheet" href="/{name}.css">'
                "</head><body><main><h1>Styled</h1><p>Text</p></main></body></html>"),
    "/plain.css": "p { color: #333 }",
    "/plain-copy.css": "p { color: #333 }",
    "/pale.css": "p { color: #aaa }",
    "/wide": HEAD.format("Wide") + '<h1>Wide</h1><div id="slab" style="width: 3000px">Slab</div></main></body></html>',
}


@pytest.fixture
def site(browser):
    """A browser context in which SITE serves PAGES (any query string shows the page with that name)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def serve(route):
        url = urlsplit(route.request.url)
        kind = "text/css" if url.path.endswith(".css") else "text/html"
        route.fulfill(content_type=kind, body=PAGES[url.path].replace("{name}", url.query or "you"))

    context.route(f"{SITE}/**", serve)
    yield context
    context.close()


def watched(context, *checks):
    watch = PageWatch(*checks)
    watch.watch(context)
    return watch, context.new_page()


def wait_until(page, condition, what):
    """Let the browser's events run (the checks run in them) until condition() is true; 10 s at most."""
    for _ in range(200):
        if condition():
            return
        page.wait_for_timeout(50)
    pytest.fail(f"waited 10 s for {what}")


def test_axe_fails_the_scenario_on_serious_or_critical_violations_and_reports_the_rest(site):
    scans = AxeScans()
    watch, page = watched(site, AxeCheck(scans, "the scenario"))
    page.goto(f"{SITE}/faults")
    with pytest.raises(pytest.fail.Exception) as failed:
        watch.check()
    message = str(failed.value)
    assert message.startswith("accessibility violations of serious or critical impact")
    # the page, the rule, its impact and help text, and each offending node's selector
    assert (f"{SITE}/faults: color-contrast (serious): Elements must meet minimum color contrast ratio "
            "thresholds\n    #pale") in message
    assert f"{SITE}/faults: label (critical): Form elements must have labels\n    #unnamed" in message
    # the minor finding fails nothing, but the run's summary shows it
    assert "aria-deprecated-role" not in message
    assert [(finding.rule, finding.impact) for finding in scans.lighter] == [("aria-deprecated-role", "minor")]
    summary = "\n".join(scans.summary())
    assert f"{SITE}/faults: aria-deprecated-role (minor): Deprecated ARIA roles must not be used\n    #old-role" in summary
    assert "first seen in the scenario" in summary


def test_axe_scans_each_page_as_it_loads(site):
    # The faulty page is left before the scenario ends: its scan on load found the faults.
    check = AxeCheck(AxeScans(), "the scenario")
    watch, page = watched(site, check)
    page.goto(f"{SITE}/faults")
    wait_until(page, lambda: check.found, "the scan of /faults on its load")
    page.goto(f"{SITE}/fine")
    with pytest.raises(pytest.fail.Exception, match=f"{SITE}/faults: label"):
        watch.check()


def test_axe_scans_a_copy_with_its_scripts_off(site):
    check = AxeCheck(AxeScans(), "the scenario")
    # A page no server serves any more; its script would add a label-less field if it ran again.
    script = '<script>document.body.append(document.createElement("input"))</script>'
    check.scan_copy(site, f"{SITE}/gone", PAGES["/faults"].replace("</main>", "</main>" + script))
    assert [(finding.url, finding.rule, finding.selectors) for finding in check.found] == [
        (f"{SITE}/gone", "color-contrast", ["#pale"]), (f"{SITE}/gone", "label", ["#unnamed"])]


def test_axe_scans_a_copy_of_each_page_whose_scan_was_cut_short(site):
    # As inspect() notes a page that moved on during its scan: its context, URL and HTML.
    scans = AxeScans()
    check = AxeCheck(scans, "the scenario")
    check.missed["its shape"] = (site, f"{SITE}/gone", PAGES["/faults"])
    scans.cut_short["its shape"] = f"{SITE}/gone"
    assert f"{SITE}/gone: label (critical)" in check.failure()
    assert "its shape" in scans.scanned and "Cut short" not in "\n".join(scans.summary())


def test_axe_scans_a_page_shape_once_and_passes_a_clean_page(site):
    scans = AxeScans()
    watch, page = watched(site, AxeCheck(scans, "one scenario"))
    page.goto(f"{SITE}/fine?alice")
    watch.check()  # no violation: no failure
    assert len(scans.scanned) == 1
    # Another name on the same page is the same shape, in another scenario too: not scanned again.
    watch, page = watched(site, AxeCheck(scans, "another scenario"))
    page.goto(f"{SITE}/fine?bob")
    watch.check()
    assert len(scans.scanned) == 1 and scans.repeats >= 1
    assert "No finding of moderate or minor impact." in scans.summary()


def test_axe_scans_a_shape_again_only_with_other_style_sheets(site):
    # Two stages' servers serve the same style sheet at two addresses: one scan. Pale text
    # is a fault the markup does not show: another style sheet is another scan.
    scans = AxeScans()
    watch, page = watched(site, AxeCheck(scans, "the scenario"))
    page.goto(f"{SITE}/styled?plain")
    watch.check()  # dark grey text: no violation
    page.goto(f"{SITE}/styled?plain-copy")
    watch.check()
    assert len(scans.scanned) == 1
    page.goto(f"{SITE}/styled?pale")
    with pytest.raises(pytest.fail.Exception, match=rf"{SITE}/styled\?pale: color-contrast \(serious\)"):
        watch.check()
    assert len(scans.scanned) == 2


def test_overflow_fails_the_scenario_naming_what_sticks_out(site):
    watch, page = watched(site, OverflowCheck())
    page.goto(f"{SITE}/wide")
    with pytest.raises(pytest.fail.Exception) as failed:
        watch.check()
    assert (f"{SITE}/wide at 1280 px wide is 3008 px wide; the widest element, div#slab ('Slab'), ends at 3008 px"
            in str(failed.value))
