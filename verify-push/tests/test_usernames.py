import pytest
import sqlalchemy as sa

from app import db
from app import usernames
from app.models import User

INVISIBLE = "Usernames cannot contain invisible or control characters."
MIXED = "Usernames cannot mix scripts, such as Latin and Cyrillic letters."
TAKEN = "Please use a different username."


def stored(app):
    with app.app_context():
        return db.session.execute(sa.select(User.username, User.username_key)).all()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("TEST", TAKEN),  # another case
        ("Test", TAKEN),
        ("ｔｅｓｔ", TAKEN),  # fullwidth letters
        ("te\u0301st", TAKEN),  # e and a combining acute accent
        ("tést", TAKEN),  # the same, as one letter
        ("test\u0323", TAKEN),  # a combining dot below the last letter
        ("te\u200bst", INVISIBLE),  # a zero-width space
        ("test\u200d", INVISIBLE),  # a zero-width joiner
        ("\u202etset", INVISIBLE),  # right-to-left override: shows as "test"
        ("te\x07st", INVISIBLE),  # a control character
        ("t\u0435st", MIXED),  # a Cyrillic е among Latin letters
        ("t\u03b5st", MIXED),  # a Greek ε among Latin letters
        ("p\u0430ypal", MIXED),
    ],
)
def test_look_alike_usernames_refused(auth, app, db_rows, username, message):
    before = db_rows()
    response = auth.register(username=username)
    # the form comes back with the message, and nobody is added
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db_rows() == before


def test_spaces_in_a_name_count_once(auth, db_rows):
    assert auth.register(username="Mary Ann", email="mary@example.com").status_code == 302
    before = db_rows()
    # a browser shows "Mary  Ann" as "Mary Ann" too
    response = auth.register(username="Mary  Ann")
    assert TAKEN in response.get_data(as_text=True)
    assert db_rows() == before


@pytest.mark.parametrize(
    ("username", "kept"),
    [
        ("Alice", "Alice"),  # shown as typed
        ("  ＡＬＩＣＥ  ", "ALICE"),  # fullwidth becomes plain, stray spaces go
        ("Jose\u0301", "José"),  # a letter and its accent become one letter
        ("Mary  Ann", "Mary Ann"),
        ("Дмитрий", "Дмитрий"),  # one script, any script
        ("田中さん", "田中さん"),  # Japanese: kanji and hiragana together
        ("user_1", "user_1"),
    ],
)
def test_usernames_stored_normalized(auth, app, username, kept):
    assert auth.register(username=username).status_code == 302
    # stored in NFKC with single spaces, and with its key beside it
    assert (kept, usernames.key(kept)) in stored(app)


@pytest.mark.parametrize("typed", ["test", "TEST", " Test ", "ｔｅｓｔ", "tést", "te\u0301st"])
def test_login_with_any_form_of_the_name(client, auth, typed):
    # the login page looks the user up by the same key that registration compares
    assert auth.login(username=typed).headers["Location"] == "/"
    assert "Hi, test!" in client.get("/").get_data(as_text=True)


def test_look_alike_does_not_log_in(auth):
    # a name in other letters is another name: unknown, so the usual message
    response = auth.login(username="t\u0435st")
    assert "Invalid username or password." in response.get_data(as_text=True)


def test_keys():
    assert usernames.key("ＡＬＩＣＥ") == usernames.key("Alicé") == "alice"
    assert usernames.key("Straße") == "strasse"
    assert usernames.key(None) is None  # a form field that was not sent
    # a script's own vowel signs are not accents: they stay
    assert usernames.key("हिन्दी") == "हिन्दी"
