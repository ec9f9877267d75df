import re

import pytest

from conftest import AuthActions


def policy(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    directives = response.headers["Content-Security-Policy"].split(";")
    return {name: sources for name, *sources in (d.split() for d in directives)}


@pytest.fixture
def every_page(app, client, auth, twofa, with_2fa, app_urls):
    """Every page: signed out, waiting for the phone, and signed in with a QR code to scan."""
    responses = {("out", url): client.get(url) for url in app_urls("GET")}
    with_2fa("other")
    waiting = app.test_client()
    AuthActions(waiting).login("other")
    responses.update({("waiting", url): waiting.get(url) for url in app_urls("GET")})
    auth.login()
    twofa.press_enable()
    responses.update({("in", url): client.get(url) for url in app_urls("GET")})
    # the QR page and the waiting page, the two with a script, are among them
    assert responses[("in", "/2fa/enable/scan")].status_code == 200
    assert responses[("waiting", "/auth/login/push")].status_code == 200
    return responses


def test_headers_on_every_page(every_page):
    for where, response in every_page.items():
        # the policy, no sniffing, no framing, no referrer to other sites, no cache
        assert "Content-Security-Policy" in response.headers, where
        assert response.headers["X-Content-Type-Options"] == "nosniff", where
        assert response.headers["X-Frame-Options"] == "DENY", where
        assert response.headers["Referrer-Policy"] == "same-origin", where
        assert response.headers["Cache-Control"] == "no-store", where


def test_content_security_policy(client):
    found = policy(client.get("/auth/login"))
    # scripts only from this site's own files: no inline script, no eval, nothing else
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]
    assert found["default-src"] == ["'none'"]
    # no other site may show our pages in a frame (clickjacking the Approve flow)
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["base-uri"] == ["'none'"]
    assert not any("unsafe" in source for sources in found.values() for source in sources)


def test_pages_have_no_inline_script_or_style(every_page):
    for where, response in every_page.items():
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        # which the policy would block: a <script> with a body, on...= handlers, style=
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [], where
        assert not re.search(r"\son[a-z]+\s*=", page), where
        assert not re.search(r"\sstyle\s*=", page), where


def test_polls_are_not_stored(client, auth, with_2fa, twofa, push):
    auth.login()
    twofa.press_enable()
    assert twofa.poll().headers["Cache-Control"] == "no-store"
    assert client.get("/2fa/enable/qr.png").headers["Cache-Control"] == "no-store"
    auth.logout()
    with_2fa()
    auth.login()
    assert push.poll().headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/poll.js")
    assert response.status_code == 200
    # the script is the same for everyone: caching it is fine; sniffing it is not
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_error_pages_have_the_headers(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert policy(response)["script-src"] == ["'self'"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("base_url", "hsts"), [("https://localhost", True), ("http://localhost", False)])
def test_hsts_only_over_https(client, base_url, hsts):
    response = client.get("/auth/login", base_url=base_url)
    # over HTTPS the browser is told to use nothing else from now on (over HTTP it means nothing)
    assert ("Strict-Transport-Security" in response.headers) == hsts
    if hsts:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
