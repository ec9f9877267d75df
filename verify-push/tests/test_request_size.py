import http.client
from urllib.parse import urlsplit

PASSWORD = "correct horse battery staple"


def test_large_form_refused(auth, db_rows):
    before = db_rows()
    # a real registration, but with a password of 100 kB: far more than any form needs
    response = auth.register(username="big", password="x" * 100_000)
    # refused with a small page of its own, and nobody is added
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Request too large" in page
    assert len(page) < 10_000
    assert db_rows() == before


def test_large_body_refused_before_it_is_read(live_url):
    # Only the headers are sent: they announce 40 MB. The answer comes at once, so the app
    # did not wait to read the body (before the limit, it waited for all 40 MB).
    url = urlsplit(live_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    connection.putrequest("POST", "/auth/login")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(40 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert b"Request too large" in response.read()
    connection.close()
