"""Users: new (by phone number), status, and the three delete paths official clients use."""

import pytest


def test_new_user_and_its_status(authy):
    created = authy.users.create("bob@example.com", "111-111-1118", 1)
    assert created.ok()
    assert created.content == {"message": "User created successfully.", "user": {"id": created.id}, "success": True}

    status = authy.users.status(created.id)
    assert status.ok()
    assert status.content == {
        "status": {
            "authy_id": created.id,
            "confirmed": False,  # until a valid code is used (test_fake_codes.py)
            "registered": True,  # the simulated phone holds every account
            "country_code": 1,
            "phone_number": "XXX-XXX-1118",
            "email": "bob@example.com",
            "devices": ["authy"],
            "has_hard_token": False,
            "account_disabled": False,
            "detailed_devices": [],
            "deleted_devices": [],
        },
        "message": "User status.",
        "success": True,
    }


def test_same_phone_number_gives_the_same_user(authy):
    first = authy.users.create("bob@example.com", "111-111-1118", 1).id
    assert authy.users.create("bob@example.com", "(111) 111 1118", 1).id == first
    assert authy.users.create("bob@example.com", "111-111-1118", 44).id != first


def test_invalid_user_is_60027_with_field_errors(authy, assert_envelope):
    created = authy.users.create("bob@example.com", "12", 1)
    assert created.id is None
    body = assert_envelope(created.response, 400, "60027")
    assert body == {
        "cellphone": "is invalid",
        "message": "User was not valid",
        "success": False,
        "errors": {"cellphone": "is invalid", "message": "User was not valid"},
        "error_code": "60027",
    }
    assert created.errors() == {"cellphone": "is invalid", "message": "User was not valid"}


def test_new_user_needs_the_user_parameter(api, assert_envelope):
    body = assert_envelope(api("post", "/protected/json/users/new", json={"send_install_link_via_sms": False}), 400, "60004")
    assert body["message"] == "Invalid parameter: user - Parameter is required"


@pytest.mark.parametrize(
    "path",
    ["/protected/json/users/{}/delete", "/protected/json/users/delete/{}", "/protected/json/users/{}/remove"],
    ids=["python-node-rust", "ruby", "php"],
)
def test_every_delete_path_removes_the_user(api, authy, assert_envelope, path):
    authy_id = authy.users.create("bob@example.com", "111-111-1118", 1).id
    deleted = api("post", path.format(authy_id))
    assert deleted.status_code == 200
    assert deleted.json() == {"message": "User was added to remove.", "success": True}

    # Removed at once: status, a second delete and a push all answer "User not found."
    assert_envelope(authy.users.status(authy_id).response, 404, "60026")
    assert_envelope(api("post", path.format(authy_id)), 404, "60026")
    assert_envelope(authy.one_touch.send_request(authy_id, "Hi").response, 404, "60026")


@pytest.mark.parametrize("authy_id", ["999", "abc", "-1", "1.5", "9" * 30])
def test_unknown_or_non_numeric_user_is_60026(api, assert_envelope, authy_id):
    assert_envelope(api("get", f"/protected/json/users/{authy_id}/status"), 404, "60026")
    assert_envelope(api("post", f"/protected/json/users/{authy_id}/delete"), 404, "60026")


def test_a_user_added_by_phone_number_can_get_pushes(authy, phone):
    authy_id = authy.users.create("bob@example.com", "111-111-1118", 1).id
    assert authy.one_touch.send_request(authy_id, "Login requested").ok()
    assert phone.approve_latest()["authy_id"] == authy_id


def test_status_shows_whether_the_user_has_the_app_and_its_devices(fake, authy, phone, authy_id):
    status = lambda: authy.users.status(authy_id).content["status"]  # noqa: E731
    assert (status()["registered"], status()["devices"], status()["confirmed"]) == (True, ["authy"], False)

    assert fake.set_user(authy_id, registered=False) == {"authy_id": authy_id, "registered": False, "devices": []}
    assert (status()["registered"], status()["devices"]) == (False, [])
    assert phone.code(authy_id) is None  # off the phone: no code to show

    fake.set_user(authy_id, registered=True, devices=["ios", "sms", "ios"])
    assert (status()["registered"], status()["devices"]) == (True, ["ios", "sms"])
    assert authy.tokens.verify(authy_id, phone.code(authy_id)).ok()
    assert status()["confirmed"] is True
