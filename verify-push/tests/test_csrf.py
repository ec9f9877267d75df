# Verify's webhook cannot carry a CSRF token: its signature is checked instead
# (tests/test_webhooks.py).
SIGNED_INSTEAD = ["/verify/webhook"]


def forms(app_urls):
    """Every URL a browser POSTs to."""
    return [url for url in app_urls("POST") if url not in SIGNED_INSTEAD]


def test_post_without_token_refused(client, auth, app_urls, db_rows):
    auth.login()
    before = db_rows()
    for url in forms(app_urls):
        # no token, or a made-up one: refused before the view runs
        assert client.post(url).status_code == 400, url
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400, url
        assert client.post(url, headers={"X-CSRFToken": "forged"}).status_code == 400, url
    assert db_rows() == before
    # and the user is still signed in
    assert client.get("/").status_code == 200


def test_anonymous_post_without_token_refused(client, app_urls, db_rows):
    before = db_rows()
    for url in forms(app_urls):
        data = {"username": "test", "password": "x", "email": "x@example.com"}
        assert client.post(url, data=data).status_code == 400, url
    assert db_rows() == before


def test_csrf_error_page(client):
    page = client.post("/auth/login").get_data(as_text=True)
    # the error says what went wrong, inside the site's layout
    assert "The CSRF token is missing." in page
    assert "Push 2FA Tutorial" in page
