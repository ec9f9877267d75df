import pytest

from app.auth.redirects import is_safe_next

# Ways to smuggle another site into `next` (browsers read "\" as "/" and drop
# leading spaces, tabs and newlines).
UNSAFE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]
SAFE = ["/", "/some/page", "/some/page?tab=2&x=%2F%2F", "/a//b"]


@pytest.mark.parametrize("target", UNSAFE)
def test_unsafe_next_refused(target):
    assert not is_safe_next(target)


def test_missing_next_refused():
    assert not is_safe_next(None)


@pytest.mark.parametrize("target", SAFE)
def test_safe_next_accepted(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", UNSAFE)
def test_login_ignores_unsafe_next(auth, target):
    # after logging in the user lands on the home page, never on another site
    assert auth.login(next=target).headers["Location"] == "/"


@pytest.mark.parametrize("target", SAFE)
def test_login_follows_safe_next(auth, target):
    assert auth.login(next=target).headers["Location"] == target
