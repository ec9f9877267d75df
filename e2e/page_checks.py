"""What every page a scenario visits must be, checked as it loads: no sideways scrolling, and
no accessibility violation that axe-core finds.

conftest.py gives each scenario a PageWatch with both checks. The watch hands every page of
the scenario's browser contexts (the app's pages, the fake's phone) to each check when the
page loads, and every open page once more when the scenario has passed (the last load may
not have been handled yet, and a page may have changed since); the scenario then fails with
what the checks found:

    watch = PageWatch(OverflowCheck(), AxeCheck(scans, "test_profile.py::test_profile_link"))
    watch.watch(context)       # each page the context opens, on every load
    ...                        # the scenario
    watch.check()              # pytest.fail naming each page and what is wrong with it
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page


class PageWatch:
    """Hands each page of the contexts it watches to its checks: on every load, and once more
    in check(), which fails the scenario with what the checks found."""

    def __init__(self, *checks):
        self.checks = checks
        self.pages: list[Page] = []

    def watch(self, context: BrowserContext) -> None:
        context.on("page", self.add)

    def add(self, page: Page) -> None:
        self.pages.append(page)
        page.on("load", self.inspect)

    def inspect(self, page: Page) -> None:
        for check in self.checks:
            if page.is_closed() or not page.url.startswith("http"):
                return
            try:
                check.inspect(page)
            except PlaywrightError:
                return  # closed or navigating away meanwhile: its next page is inspected on load

    def check(self) -> None:
        for page in self.pages:
            self.inspect(page)
        failures = [failure for check in self.checks if (failure := check.failure())]
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)


# Run in a page: None when nothing sticks out to the right, else what does.
_OVERFLOW_JS = """() => {
  const root = document.documentElement;
  if (document.contentType !== "text/html" || root.scrollWidth <= window.innerWidth) return null;
  let widest = null, right = window.innerWidth;
  for (const element of document.body.querySelectorAll("*")) {
    const edge = element.getBoundingClientRect().right;
    if (edge > right) { widest = element; right = edge; }
  }
  const name = !widest ? "?" : widest.tagName.toLowerCase() + (widest.id ? "#" + widest.id : "")
    + [...widest.classList].map(c => "." + c).join("");
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, widest: name,
          right: Math.round(right), text: widest ? widest.textContent.trim().slice(0, 60) : ""};
}"""


class OverflowCheck:
    """Every page of the app and of the fake's phone fits the window's width: no sideways
    scrolling, at the scenario's viewport (1280 px wide unless it says, 390 px in
    test_phone_width.py)."""

    def __init__(self):
        self.found: dict[str, str] = {}  # page URL: what sticks out

    def inspect(self, page: Page) -> None:
        url, overflow = page.url, page.evaluate(_OVERFLOW_JS)
        if overflow:
            self.found.setdefault(url, (
                f"{url} at {overflow['innerWidth']} px wide is {overflow['scrollWidth']} px wide; "
                f"the widest element, {overflow['widest']} ({overflow['text']!r}), ends at {overflow['right']} px"))

    def failure(self) -> str | None:
        if self.found:
            return "pages wider than the window (horizontal scrolling):\n" + "\n".join(self.found.values())
        return None


# axe-core's rules for WCAG 2.1 at levels A and AA; the answer lists only the violations.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
FAILING_IMPACTS = ("serious", "critical")

# Run in a page: its shape, None when it is not HTML. The page as it is now (after its
# scripts), with each text and each attribute value replaced by a mark of whether it is
# blank, except the values that change what axe-core sees (class, role, aria-*, for, style,
# autocomplete...); and the addresses of its style sheets. A page that differs from another
# only in its user's name, its CSRF token or its QR code has the same shape, and axe-core
# finds the same in both. Also whether axe-core is in the page yet, and the page's HTML now.
_SHAPE_JS = """() => {
  if (document.contentType !== "text/html") return null;
  const kept = /^(class|id|role|type|for|name|hidden|disabled|tabindex|lang|rel|style|scope|headers|autocomplete|aria-.*)$/;
  const copy = document.documentElement.cloneNode(true);
  for (const element of copy.querySelectorAll("*")) {
    for (const attribute of [...element.attributes]) {
      if (!kept.test(attribute.name)) element.setAttribute(attribute.name, attribute.value.trim() ? "T" : "");
    }
  }
  const texts = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  for (let text = texts.nextNode(); text; text = texts.nextNode()) {
    if (!["SCRIPT", "STYLE"].includes(text.parentNode.tagName)) text.data = text.data.trim() ? "T" : "";
  }
  return {shape: window.innerWidth + " " + copy.outerHTML, axe: typeof axe !== "undefined",
          html: "<!doctype html>" + document.documentElement.outerHTML,
          styleSheets: [...document.querySelectorAll("link[rel~=stylesheet][href]")].map(link => link.href)};
}"""

# Run in a page: axe-core's answer for the page's shape `key`. The page's load and the end of
# the scenario may both ask while a scan runs, and axe-core runs one scan at a time: a
# second call for the same shape gets the same answer, a call for a new one waits its turn.
_AXE_RUN_JS = """([key, options]) => {
  const runs = window.__pageChecksAxe ??= {last: Promise.resolve(), byShape: {}};
  runs.byShape[key] ??= runs.last = runs.last.catch(() => null).then(() => axe.run(document, options));
  return runs.byShape[key];
}"""


@dataclass
class Finding:
    url: str
    rule: str
    impact: str
    help: str
    nodes: list[tuple[str, str, str]]  # each element at fault: its selector, its HTML, what is wrong
    scenario: str

    @property
    def selectors(self) -> list[str]:
        return [selector for selector, _, _ in self.nodes]

    def __str__(self) -> str:
        return f"{self.url}: {self.rule} ({self.impact}): {self.help}" + "".join(
            f"\n    {selector}  {html}\n      {why}" for selector, html, why in self.nodes)


def _node(node: dict) -> tuple[str, str, str]:
    """An element axe-core names: its selector, the start of its HTML, the first line of what is wrong."""
    why = [line.strip() for line in node.get("failureSummary", "").splitlines()[1:] if line.strip()]
    html = " ".join(node.get("html", "").split())
    return ", ".join(map(str, node["target"])), html[:100] + ("..." if len(html) > 100 else ""), " ".join(why[:1])


class AxeScans:
    """What axe-core has scanned in this run, shared by all its scenarios: each page shape
    (with the same style sheets, at the same window width) is scanned once, by the first
    scenario that shows it, whichever stage's server it comes from. Keeps the findings too
    light to fail a scenario, for the summary at the end of the run."""

    def __init__(self):
        self.axe = Axe()
        self.scanned: set[str] = set()   # hashes of the shapes scanned
        self.lighter: list[Finding] = []  # moderate and minor, once per rule, server and selectors
        self._lighter_keys: set[tuple] = set()
        self.repeats = 0     # loads whose shape was scanned already
        self.cut_short: dict[str, str] = {}  # shapes whose scan the page ended by moving on: their URL
        self.unread: dict[str, str] = {}  # pages left before their shape could be read: the scenario
        self.seconds = 0.0   # spent in axe-core
        self._style_sheets: dict[str, str] = {}  # address: a hash of its text

    def style_sheet(self, page: Page, url: str) -> str:
        """A hash of the style sheet at url, fetched once per run: two stages' pages of the same
        shape look the same only when their style sheets are the same too."""
        if url not in self._style_sheets:
            text = page.evaluate("url => fetch(url).then(answer => answer.ok ? answer.text() : null)", url)
            self._style_sheets[url] = url if text is None else hashlib.sha256(text.encode()).hexdigest()
        return self._style_sheets[url]

    def add_lighter(self, finding: Finding) -> None:
        key = (finding.rule, urlsplit(finding.url).netloc, tuple(finding.selectors))
        if key not in self._lighter_keys:
            self._lighter_keys.add(key)
            self.lighter.append(finding)

    def summary(self) -> list[str]:
        """The lines of the end-of-run summary: what was scanned, and every lighter finding."""
        lines = [f"{len(self.scanned)} page shapes scanned in {self.seconds:.1f} s (rules of WCAG 2.1 A and AA); "
                 f"{self.repeats} loads showed a shape scanned already; {len(self.cut_short)} scans were cut short "
                 "by the page moving on (a copy of the page as it was is scanned when the scenario ends). "
                 "Findings of serious or critical impact fail their scenario."]
        missed = [url for key, url in self.cut_short.items() if key not in self.scanned]
        if missed:
            lines.append(f"Cut short, and not scanned since: {', '.join(missed)}")
        if self.unread:
            lines.append(f"{len(self.unread)} pages were left as soon as they had loaded, before axe-core could "
                         "read them: " + ", ".join(f"{url} ({scenario})" for url, scenario in self.unread.items()))
        if not self.lighter:
            return [*lines, "No finding of moderate or minor impact."]
        lines.append(f"{len(self.lighter)} findings of moderate or minor impact (reported, not failed):")
        for finding in sorted(self.lighter, key=lambda f: (f.rule, f.url)):
            lines += [str(finding), f"    first seen in {finding.scenario}"]
        return lines


class AxeCheck:
    """No page has a violation of WCAG 2.1 A or AA of serious or critical impact that
    axe-core finds; lighter ones go to the run's summary (AxeScans)."""

    def __init__(self, scans: AxeScans, scenario: str):
        self.scans, self.scenario = scans, scenario
        self.found: list[Finding] = []
        self.missed: dict[str, tuple[BrowserContext, str, str]] = {}  # shapes cut short: context, URL, HTML

    def inspect(self, page: Page) -> None:
        url = page.url
        try:
            page_now = page.evaluate(_SHAPE_JS)
        except PlaywrightError:
            self.scans.unread.setdefault(url, self.scenario)
            raise
        if page_now is None:
            return
        style = " ".join(self.scans.style_sheet(page, sheet) for sheet in page_now["styleSheets"])
        key = hashlib.sha256(f"{style} {page_now['shape']}".encode()).hexdigest()
        if key in self.scans.scanned:
            self.scans.repeats += 1
            return
        started = time.monotonic()
        try:
            if not page_now["axe"]:
                page.evaluate(self.scans.axe.axe_script)  # axe-core itself, as Axe().run(page) adds it
            violations = page.evaluate(_AXE_RUN_JS, [key, AXE_OPTIONS])["violations"]
        except PlaywrightError:
            self.scans.cut_short.setdefault(key, url)
            self.missed.setdefault(key, (page.context, url, page_now["html"]))
            raise
        finally:
            self.scans.seconds += time.monotonic() - started
        if key in self.scans.scanned:
            return  # the same scan, asked for twice at once, counts once
        self.scans.scanned.add(key)
        for violation in violations:
            finding = Finding(url, violation["id"], violation["impact"] or "unknown", violation["help"],
                              [_node(node) for node in violation["nodes"]], self.scenario)
            if finding.impact in FAILING_IMPACTS:
                self.found.append(finding)
            else:
                self.scans.add_lighter(finding)

    def scan_copy(self, context: BrowserContext, url: str, html: str) -> None:
        """Scan a copy of a page that moved on before its scan ended: its HTML as it was then,
        at its address, in a new tab of the same browser context, with its scripts off (they
        have run already: the copy is of what they made)."""
        copy = context.new_page()
        try:
            copy.route(lambda address: address == url, lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html,
                headers={"Content-Security-Policy": "script-src 'none'"}))
            copy.goto(url)
            self.inspect(copy)
        finally:
            copy.close()

    def failure(self) -> str | None:
        for key, (context, url, html) in self.missed.items():
            if key not in self.scans.scanned:
                try:
                    self.scan_copy(context, url, html)
                except PlaywrightError:
                    continue  # the context has closed: the summary names the page
                self.scans.scanned.add(key)
        if self.found:
            return ("accessibility violations of serious or critical impact (axe-core, WCAG 2.1 A and AA):\n"
                    + "\n".join(map(str, self.found)))
        return None
