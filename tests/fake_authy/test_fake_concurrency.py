"""The app's polls and the phone's clicks arrive at once: nothing is lost, nothing answered twice."""

from concurrent.futures import ThreadPoolExecutor

import requests

REQUESTS = 10
CLICKS_PER_REQUEST = 6
POLLS_PER_REQUEST = 4


def test_concurrent_creates_lose_nothing(authy, phone, authy_id):
    with ThreadPoolExecutor(max_workers=16) as pool:
        uuids = list(pool.map(lambda n: authy.one_touch.send_request(authy_id, f"Login {n}").get_uuid(), range(30)))
    assert len(set(uuids)) == 30
    assert sorted(request["uuid"] for request in phone.requests("pending")) == sorted(uuids)


def test_each_request_is_answered_exactly_once(fake, authy, phone, authy_id):
    uuids = [authy.one_touch.send_request(authy_id, f"Login {n}").get_uuid() for n in range(REQUESTS)]

    def click(job):
        uuid, action = job
        response = requests.post(f"{fake.url}/phone/requests/{uuid}/{action}", timeout=10)
        return uuid, action, response.status_code

    def poll(uuid):
        return authy.one_touch.get_approval_status(uuid)["approval_request"]["status"]

    clicks = [(uuid, ("approve", "deny")[n % 2]) for uuid in uuids for n in range(CLICKS_PER_REQUEST)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        polled = pool.map(poll, uuids * POLLS_PER_REQUEST)
        clicked = list(pool.map(click, clicks))
        polled = list(polled)

    # Every poll saw a real status; each request got one 200 and only 409s after it.
    assert set(polled) <= {"pending", "approved", "denied"}
    for uuid in uuids:
        answers = [(action, status) for clicked_uuid, action, status in clicked if clicked_uuid == uuid]
        winners = [action for action, status in answers if status == 200]
        assert len(winners) == 1, answers
        assert sorted(status for _, status in answers) == [200] + [409] * (CLICKS_PER_REQUEST - 1)
        # The status kept is the winner's.
        assert poll(uuid) == {"approve": "approved", "deny": "denied"}[winners[0]]
