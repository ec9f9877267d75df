# Pages anyone may see; every other page needs a signed-in user.
PUBLIC = ["/auth/login", "/auth/register"]


def test_pages_need_login(client, app_urls):
    for url in app_urls("GET"):
        response = client.get(url)
        if url in PUBLIC:
            assert response.status_code == 200, url
        else:
            # anonymous visitors are sent to the login page
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/auth/login"), url


def test_get_changes_nothing(client, auth, app_urls, db_rows):
    before = db_rows()
    # neither an anonymous visitor nor a signed-in user changes anything by looking
    for url in app_urls("GET"):
        client.get(url)
    auth.login()
    after_login = db_rows()
    for url in app_urls("GET"):
        client.get(url)
    assert db_rows() == after_login == before
