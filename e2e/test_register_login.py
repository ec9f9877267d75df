"""Register, then log in and out, through the pages as a person would (stage 01 on)."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.since("01")
def test_register_then_login(page, live_app, user):
    username = user.register(page, live_app)
    # registering leads to the login page, which says so
    expect(page.get_by_role("alert")).to_contain_text("you are now registered")

    user.submit_login(page, username)
    # signed in: the home page, with Home and Logout in the navigation bar
    expect(page).to_have_url(f"{live_app.url}/")
    expect(page.get_by_role("heading", name=f"Hi, {username}!")).to_be_visible()
    expect(page.get_by_role("link", name="Home")).to_be_visible()
    expect(page.get_by_role("link", name="Login")).to_have_count(0)

    page.get_by_role("button", name="Logout").click()
    # logged out: back on the login page, with Login and Register offered again
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("alert")).to_contain_text("You have been logged out.")
    expect(page.get_by_role("link", name="Login")).to_be_visible()
    expect(page.get_by_role("link", name="Register")).to_be_visible()
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("01")
def test_register_validation(page, live_app, user):
    page.goto("/auth/register")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill(user.password)
    page.get_by_label("Repeat Password").fill("something else")
    page.get_by_role("button", name="Register").click()
    # the form comes back and says what to fix
    expect(page.get_by_text("Invalid email address.")).to_be_visible()
    expect(page.get_by_text("Passwords must match.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/auth/register$"))


@pytest.mark.since("01")
def test_wrong_password(page, live_app, user):
    username = user.register(page, live_app)
    user.login(page, live_app, username + "x")
    # an unknown user and a wrong password get the same message
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    with page.expect_navigation():  # the alert says the same until the answer comes
        user.submit_login(page, username, "wrong password")
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    expect(page.get_by_role("button", name="Logout")).to_have_count(0)


@pytest.mark.since("01")
def test_login_returns_to_the_page_asked_for(page, live_app, user):
    username = user.register(page, live_app)
    page.goto("/")
    # the home page needs a login, and comes back after it
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2F$"))
    expect(page.get_by_role("alert")).to_have_text("Please log in to access this page.")
    user.submit_login(page, username)
    expect(page).to_have_url(f"{live_app.url}/")


@pytest.mark.since("01")
def test_login_ignores_next_to_another_site(page, live_app, user):
    username = user.register(page, live_app)
    page.goto("/auth/login?next=/%5Cevil.example/")
    user.submit_login(page, username)
    # the browser stays on this site, on the home page
    expect(page).to_have_url(f"{live_app.url}/")


@pytest.mark.since("01")
def test_remember_me(page, live_app, user):
    username = user.register(page, live_app)
    user.login(page, live_app, username, remember=True)
    expect(page.get_by_role("button", name="Logout")).to_be_visible()
    # Remember Me leaves a long-lived cookie that scripts cannot read
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["remember_token"]["httpOnly"]
    assert cookies["remember_token"]["sameSite"] == "Lax"
    assert cookies["remember_token"]["expires"] > 0
    # the session cookie ends with the browser
    assert cookies["session"]["httpOnly"]
    assert cookies["session"]["expires"] == -1
