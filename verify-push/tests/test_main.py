def test_index(client, auth):
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "Hi, test!" in page


def test_navbar_signed_out(client):
    page = client.get("/auth/login").get_data(as_text=True)
    # Login and Register, no Logout
    assert ">Login</a>" in page
    assert ">Register</a>" in page
    assert ">Logout</button>" not in page
    assert ">Home</a>" not in page


def test_navbar_signed_in(client, auth):
    auth.login()
    page = client.get("/").get_data(as_text=True)
    # Home and a Logout button that posts with a CSRF token, no Login or Register
    assert ">Home</a>" in page
    assert '<form action="/auth/logout" method="post">' in page
    assert 'name="csrf_token"' in page
    assert ">Logout</button>" in page
    assert ">Login</a>" not in page
    assert ">Register</a>" not in page
