from app.models import User


def test_password_hashing():
    user = User(username="susan", email="susan@example.com")
    user.set_password("cat")
    # stored as a scrypt hash, never as the password
    assert user.password_hash.startswith("scrypt:")
    assert "cat" not in user.password_hash.split("$", 1)[1]
    assert user.check_password("cat")
    assert not user.check_password("dog")


def test_password_hashes_are_salted():
    first = User(username="a", email="a@example.com")
    second = User(username="b", email="b@example.com")
    first.set_password("cat")
    second.set_password("cat")
    assert first.password_hash != second.password_hash


def test_repr():
    assert repr(User(username="susan")) == "<User susan>"
