"""What the phone page says about an account and a request, as the fake's JSON gives it to
the page: the username (from what the apps send), "Log in as alice?", the code apart, and a
browser by its short name, never a raw User-Agent."""

import pytest

from fake_authy.phone import browser_name

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/120.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("user_agent", "name"), [
    (CHROME_LINUX, "Chrome on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Mobile/15E148 Safari/604.1", "Safari on iOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome on iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
    ("Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera on Windows"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
    ("curl/8.5.0", "curl"),
    ("python-requests/2.31.0", "Python requests"),
    # Nothing it knows: it says so, with the system when it finds one.
    ("Mozilla/5.0 (X11; Linux x86_64) SomeNewBrowser/1.0", "Unknown browser on Linux"),
    ("Googlebot/2.1 (+http://www.google.com/bot.html)", "Unknown browser"),
    ("", "Unknown browser"),
])
def test_browser_name(user_agent, name):
    assert browser_name(user_agent) == name


def test_a_login_request_is_a_question_with_its_code_and_short_browser(authy, phone, authy_id):
    authy.one_touch.send_request(authy_id, "Log in to Push 2FA Tutorial", details={
        "Code": "6994", "Username": "alice", "IP address": "127.0.0.1", "User-Agent": CHROME_LINUX})
    shown = phone.latest()
    assert (shown["title"], shown["username"], shown["code"]) == ("Log in as alice?", "alice", "6994")
    # The code stands apart; the raw header becomes the browser's name, what was sent stays.
    assert shown["shown_details"] == [
        {"name": "Username", "value": "alice", "full": "alice"},
        {"name": "IP address", "value": "127.0.0.1", "full": "127.0.0.1"},
        {"name": "Browser", "value": "Chrome on Linux", "full": CHROME_LINUX},
    ]
    assert shown["details"]["User-Agent"] == CHROME_LINUX  # the request as the app sent it


def test_a_short_browser_name_and_other_details_are_shown_as_sent(authy, phone, authy_id):
    authy.one_touch.send_request(authy_id, "Change your email", details={"Browser": "Chrome on Linux", "Location": "Berlin"})
    shown = phone.latest()
    # No username: the app's message is the question.
    assert (shown["title"], shown["username"], shown["code"]) == ("Change your email", None, None)
    assert [(d["name"], d["value"]) for d in shown["shown_details"]] == [("Browser", "Chrome on Linux"), ("Location", "Berlin")]


def test_an_account_is_named_by_its_newest_login_request(authy, phone, authy_id):
    # The registration token names no user: a scanned account has no username at first.
    assert [a["username"] for a in phone.accounts()] == [None]
    authy.one_touch.send_request(authy_id, "Log in", details={"Username": "alice"})
    authy.one_touch.send_request(authy_id, "Something else")  # no Username: the name stays
    assert [a["username"] for a in phone.accounts()] == ["alice"]
    authy.one_touch.send_request(authy_id, "Log in", details={"username": "alice2"})
    assert [a["username"] for a in phone.accounts()] == ["alice2"]


def test_an_account_made_with_an_email_is_named_by_it(authy, phone):
    authy.users.create("bob@example.com", "111-111-1118", 1)
    assert [a["username"] for a in phone.accounts()] == ["bob"]
