"""Where to go after logging in: the ``next`` page, if it is safe."""

from flask import request
from flask import url_for


def is_safe_next(target):
    """True if ``target`` is a path on this site, such as ``/user/alice?tab=2``.

    Browsers are forgiving: they read ``\\`` as ``/``, skip tabs and newlines, and
    read ``//evil.example`` as another site. So only a path that starts with a
    single ``/`` and has no backslash and no control characters is accepted.
    """
    return (
        bool(target)
        and target.isprintable()
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


def safe_next():
    """The ``next`` query argument if it is safe, else the home page."""
    target = request.args.get("next")
    return target if is_safe_next(target) else url_for("main.index")
