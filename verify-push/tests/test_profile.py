def test_own_profile(client, auth):
    auth.login()
    page = client.get("/user/test").get_data(as_text=True)
    # the owner sees their name, their email and the way to two-factor authentication
    assert "User: test" in page
    assert "test@example.com" in page
    assert "Enable two-factor authentication" in page


def test_other_users_profile(client, auth):
    auth.login()
    response = client.get("/user/other")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # someone else's profile shows their name, but not their email or any 2FA control
    assert "User: other" in page
    assert "other@example.com" not in page
    assert "two-factor" not in page


def test_unknown_user(client, auth):
    auth.login()
    assert client.get("/user/nobody").status_code == 404


def test_profile_needs_login(client, auth):
    response = client.get("/user/other")
    # a visitor is sent to log in first, and comes back to the profile afterwards
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fuser%2Fother"
    assert auth.login(next="/user/other").headers["Location"] == "/user/other"


def test_navbar_profile_link(client, auth):
    # signed out: no Profile link
    assert ">Profile</a>" not in client.get("/auth/login").get_data(as_text=True)
    # signed in: Profile leads to the user's own profile
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert '<a class="nav-link" href="/user/test">Profile</a>' in page
