"""The docs site: MkDocs builds docs/ with --strict, the nav lists every page in stage order,
the chapters show the pictures of the screens their stage brings, and in a real browser at
1280 px code reads without sideways scrolling (docs/stylesheets/extra.css).

`make docs` serves the site; a broken link, a missing picture, an anchor that is not there
or a page left out of the nav fails the build, and so these tests.
"""

import functools
import http.server
import os
import re
import subprocess
import sys
import threading

import pytest
import yaml
from PIL import Image

from tools import stages

ROOT = stages.ROOT
CHAPTERS = stages.load()


def mkdocs_build(config, site):
    """`mkdocs build --strict`; returns the exit status and everything it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # the theme's banner about MkDocs 2.0 on every run
    )
    return done.returncode, done.stdout + done.stderr


def nav_pages():
    """The pages mkdocs.yml's nav names, in order (a page is "file.md" or {"Title": "file.md"})."""

    class Loader(yaml.SafeLoader):
        pass

    # The config names Python functions (the toc's slugify); the nav does not need them.
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)["nav"]
    return [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in nav]


def stage_order(page):
    """index first, then the chapters by number (01..06, 07-final, 08.. 10), then the other pages by name."""
    return (page != "index.md", not re.match(r"\d\d-", page), page)


def test_the_nav_lists_every_page_of_docs_once():
    pages = sorted(path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs").rglob("*.md"))
    named = nav_pages()
    assert sorted(set(named)) == sorted(named), "a page is named twice in the nav of mkdocs.yml"
    # A new chapter goes into the nav; a page in the nav exists.
    assert sorted(set(pages) - set(named)) == [], "pages of docs/ missing from the nav of mkdocs.yml"
    assert sorted(set(named) - set(pages)) == [], "the nav of mkdocs.yml names pages that docs/ does not have"


def test_the_nav_is_in_stage_order():
    assert nav_pages() == sorted(nav_pages(), key=stage_order)


def page_path(page):
    """Where the site has a page of the nav: "04-qr-scan.md" is at "04-qr-scan/"."""
    return "" if page == "index.md" else f"{page[:-3]}/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The repository's site, built once for this module's tests: (exit status, output, folder)."""
    folder = tmp_path_factory.mktemp("site")
    return (*mkdocs_build(ROOT / "mkdocs.yml", folder), folder)


def test_the_site_builds_strictly(site):
    status, output, folder = site
    assert status == 0, output
    # Every page and every picture the chapters show made it into the site.
    for page in nav_pages():
        assert (folder / page_path(page) / "index.html").is_file()
    for picture in (ROOT / "docs" / "images").glob("*.png"):
        assert (folder / "images" / picture.name).is_file()


@pytest.fixture(scope="module")
def served(site):
    """The built site over HTTP (the theme's scripts then run as on any web server): its URL."""
    status, output, folder = site
    assert status == 0, output

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


# In the page, with every fold (<details>) open: each code block or span that scrolls sideways,
# and each character that the copy button of its block covers, named by the line it is on.
MEASURE = """() => {
  for (const fold of document.querySelectorAll("details")) fold.open = true;
  const font = document.createElement("canvas").getContext("2d");
  const found = [];
  const lineWith = (text, offset) => text.slice(text.lastIndexOf("\\n", offset - 1) + 1).split("\\n")[0];
  for (const element of document.querySelectorAll("pre, code")) {
    if (element.scrollWidth <= element.clientWidth + 1) continue;
    const style = getComputedStyle(element);
    font.font = style.font;
    const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const lines = element.textContent.split("\\n");
    const line = lines.find((line) => font.measureText(line).width > room)
      ?? lines.reduce((a, b) => (a.length >= b.length ? a : b));
    found.push(`<${element.localName}> scrolls sideways (${element.scrollWidth} px in ${element.clientWidth}): ${line}`);
  }
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const pre of document.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    const buttons = [...pre.querySelectorAll(".md-code__nav, .md-clipboard")].map((b) => b.getBoundingClientRect());
    if (!code || !buttons.length) continue;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let offset = 0, covered = null;
    for (let node = walker.nextNode(); node && covered === null; node = walker.nextNode()) {
      range.selectNodeContents(node);
      const near = [...range.getClientRects()].some((box) => buttons.some((button) => meets(box, button)));
      for (let i = 0; near && i < node.length && covered === null; i++) {
        if (/\\s/.test(node.data[i])) continue;
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (buttons.some((button) => meets(box, button))) covered = offset + i;
      }
      offset += node.length;
    }
    if (covered !== null) found.push(`the copy button covers text: ${lineWith(code.textContent, covered)}`);
  }
  return {found, width: document.documentElement.scrollWidth};
}"""


def test_code_reads_without_sideways_scrolling(served, browser):
    """At 1280 px, long lines wrap, diffs' too, inside open folds as well, and no copy button
    covers a character: every page of the nav, in one browser window."""
    width = 1280
    context = browser.new_context(viewport={"width": width, "height": 800})
    problems = []
    try:
        page = context.new_page()
        for name in nav_pages():
            # Not waiting for the pictures: the theme's script runs after the stylesheets have
            # loaded, and adds the copy buttons.
            page.goto(served + page_path(name), wait_until="domcontentloaded")
            page.wait_for_function("document.querySelectorAll('pre').length"
                                   " === document.querySelectorAll('pre .md-code__nav, pre .md-clipboard').length")
            measured = page.evaluate(MEASURE)
            if measured["found"]:
                problems.append(f"{name}: {measured['found'][0]}"
                                + (f" (and {len(measured['found']) - 1} more)" if len(measured["found"]) > 1 else ""))
            if measured["width"] > width:
                problems.append(f"{name}: the page is {measured['width']} px wide in a {width} px window")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("stage", CHAPTERS, ids=[stage.id for stage in CHAPTERS])
def test_the_chapter_shows_the_screens_of_its_stage(stage):
    text = (ROOT / stage.chapter).read_text(encoding="utf-8")
    # The stage's own picture of the screen (tests/test_screenshots.py says more).
    missing = [frame for frame in stage.frames if f"](images/{stage.id}/{frame}.png)" not in text]
    assert missing == [], (f"{stage.chapter} shows no picture of {', '.join(missing)}: add "
                           + " ".join(f"![...](images/{stage.id}/{frame}.png)" for frame in missing)
                           + " (`make screenshots` makes them)")


def small_site(tmp_path, repo_url=None):
    """A site of two pages with the repository's settings (mkdocs.yml inherited), in tmp_path."""
    (tmp_path / "docs" / "images").mkdir(parents=True)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "there.py").write_text("")
    Image.new("RGB", (8, 5), "white").save(tmp_path / "docs" / "images" / "there.png")
    (tmp_path / "docs" / "index.md").write_text("# Start\n\n## Heading, with punctuation!\n\nContinue to [two](two.md).\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        "docs_dir: docs\n"
        f"hooks: [{ROOT / 'tools' / 'mkdocs_hooks.py'}]\n"
        "nav: [index.md, two.md]\n"
        + (f"repo_url: {repo_url}\n" if repo_url else "")
    )
    return config


def test_links_to_the_repository_point_at_it(tmp_path):
    config = small_site(tmp_path, repo_url="https://example.org/owner/tutorial/")
    (tmp_path / "docs" / "two.md").write_text(
        "# Two\n\n![A screen](images/there.png)\n\n"
        "See [the tool](../tools/there.py), [the folder](../tools/), "
        "[a heading](index.md#heading-with-punctuation) and `[not a link](../nowhere.py)`.\n\n"
        "```diff\n-[in a code block](../nowhere.py)\n```\n"
    )
    status, output = mkdocs_build(config, tmp_path / "site")
    assert status == 0, output
    html = (tmp_path / "site" / "two" / "index.html").read_text()
    assert 'href="https://example.org/owner/tutorial/blob/main/tools/there.py"' in html
    assert 'href="https://example.org/owner/tutorial/tree/main/tools"' in html
    assert 'href="../#heading-with-punctuation"' in html  # GitHub's anchors work on the site too
    assert "[in a code block](../nowhere.py)" in html  # code is left as it is


def test_without_repo_url_links_to_the_repository_are_words(tmp_path):
    config = small_site(tmp_path)
    (tmp_path / "docs" / "two.md").write_text("# Two\n\nSee [`tools/there.py`](../tools/there.py).\n")
    status, output = mkdocs_build(config, tmp_path / "site")
    assert status == 0, output
    assert "See <code>tools/there.py</code>." in (tmp_path / "site" / "two" / "index.html").read_text()


def test_the_strict_build_fails_on_what_is_broken(tmp_path):
    config = small_site(tmp_path)
    (tmp_path / "docs" / "two.md").write_text(
        "# Two\n\n![A screen](images/missing.png)\n\n"
        "[a chapter](03-missing.md), [an anchor](index.md#no-such-heading), [a tool](../tools/missing.py)\n"
    )
    (tmp_path / "docs" / "left-out.md").write_text("# Not in the nav\n")
    status, output = mkdocs_build(config, tmp_path / "site")
    assert status != 0
    for broken in ("images/missing.png", "03-missing.md", "#no-such-heading", "../tools/missing.py", "left-out.md"):
        assert broken in output
