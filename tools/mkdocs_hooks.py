"""MkDocs hooks (mkdocs.yml): the chapters' links to files outside docs/.

On GitHub a chapter's link such as [`tools/run_tests.py`](../tools/run_tests.py) opens the
file; the website has no such page. So before MkDocs reads a page, each such link is checked
(a link to a file the repository does not have fails the strict build, as any broken link
does) and pointed at the file in the repository (`repo_url` in mkdocs.yml), or, while no
`repo_url` is set, shown as its words without a link. Code blocks are left alone.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.plugins import get_plugin_logger

log = get_plugin_logger("repository_links")

BRANCH = "main"
FENCE = re.compile(r"^ *(`{3,}|~{3,})")
# An inline code span (left as it is), or a link that is not a picture.
LINK = re.compile(r"(?P<code>(`+).*?\2)|(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")


def on_page_markdown(markdown, page, config, files):
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    page_folder = posixpath.dirname(page.file.src_uri)

    def replace(match: re.Match) -> str:
        target = match["target"]
        if match["code"] or re.match(r"[a-z][a-z0-9+.-]*:|#|/", target):
            return match[0]  # code, another site, an anchor on this page, or an absolute path
        path = target.split("#")[0]
        resolved = (docs / page_folder / path).resolve()
        if resolved.is_relative_to(docs):
            return match[0]  # a page or picture of the site: MkDocs checks and converts it
        if not resolved.is_relative_to(root):
            log.warning(f"Doc file '{page.file.src_uri}' links to '{target}', outside the repository.")
            return match[0]
        if not resolved.exists():
            log.warning(f"Doc file '{page.file.src_uri}' links to '{target}', which the repository does not have.")
            return match[0]
        if not config.get("repo_url"):
            return match["text"]
        kind = "tree" if resolved.is_dir() else "blob"
        return f"[{match['text']}]({config['repo_url'].rstrip('/')}/{kind}/{BRANCH}/{resolved.relative_to(root).as_posix()})"

    lines, fence = [], None
    for line in markdown.split("\n"):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening[1]
        elif fence is not None and opening and opening[1].startswith(fence) and not line.strip()[len(opening[1]):]:
            fence = None
        elif fence is None:
            line = LINK.sub(replace, line)
        lines.append(line)
    return "\n".join(lines)
