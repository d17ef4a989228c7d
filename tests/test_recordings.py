"""The fakes answer with the fields and JSON types the real providers use.

Every recording in tests/live/recordings is checked, offline: the documented-*.json files are
synthesized from the providers' published examples (so this runs without any key), and
`pytest -m live` adds real captures next to them (see README, "Checking against the real
providers"). For each recorded answer the fake is asked for the same kind of answer.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from kling_ui.testing import FakeRunComfy, FakeRunningHub
from kling_ui.testing.fake_runcomfy import MODEL_PATH
from kling_ui.testing.fake_runninghub import SUBMIT_PATH
from kling_ui.testing.recording import load_recordings, shape_problems

from .conftest import RC_KEY, RH_KEY

RECORDINGS = Path(__file__).parent / "live" / "recordings"
RECORDED = load_recordings(RECORDINGS)


def test_the_documented_recordings_are_there():
    names = {path.name for path, _ in RECORDED}
    assert {"documented-runcomfy.json", "documented-runninghub.json"} <= names


async def runcomfy_answer(label: str):
    fake = FakeRunComfy(api_key=RC_KEY, queue_seconds=0, run_seconds=0)
    auth = {"Authorization": f"Bearer {RC_KEY}"}
    route, _, status = label.partition(":")
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://model-api.runcomfy.test", headers=auth
    ) as http:

        async def submit():
            body = {"image": "https://x.test/a.jpg", "prompt": "p", "duration": 3}
            return await http.post(MODEL_PATH, json=body)

        if route == "balance":
            return await http.get("/prod/v2/balance")
        if route == "cancel" and status in ("cancelled", "canceled"):
            fake.queue_seconds = 60
        elif route == "cancel":
            fake.run_seconds = 60
        answer = await submit()
        if route == "submit":
            return answer
        request_id = answer.json()["request_id"]
        if route == "cancel":
            return await http.post(f"/v1/requests/{request_id}/cancel")
        fake.say_status(status)
        if route == "status":
            return await http.get(f"/v1/requests/{request_id}/status")
        if route == "result":
            return await http.get(f"/v1/requests/{request_id}/result?include_cost=true")
    return None


async def runninghub_answer(label: str):
    fake = FakeRunningHub(api_key=RH_KEY, queue_seconds=0, run_seconds=0)
    auth = {"Authorization": f"Bearer {RH_KEY}"}
    route, _, status = label.partition(":")
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://www.runninghub.test", headers=auth
    ) as http:
        if route == "accountStatus":
            return await http.post("/uc/openapi/accountStatus", json={"apikey": RH_KEY})
        if route == "upload":
            files = {"file": ("frame.jpg", b"\xff\xd8 jpeg", "image/jpeg")}
            return await http.post("/openapi/v2/media/upload/binary", files=files)
        if status == "FAILED":
            fake.fail_next_job("Generation failed")
        elif status == "QUEUED":
            fake.queue_seconds = 60
        elif status == "RUNNING":
            fake.run_seconds = 60
        body = {"prompt": "p", "firstImageUrl": "https://x.test/a.jpg", "duration": 3}
        answer = await http.post(SUBMIT_PATH, json={**body, "sound": False})
        if route == "submit":
            return answer
        task_id = answer.json()["taskId"]
        if status == "CANCEL":
            fake.jobs[task_id].canceled = True
        if status in ("SUCCESS", "FAILED"):  # no queue, no run time: ended as it was made
            assert fake.jobs[task_id].state(fake.clock.now()) in ("done", "failed")
        if route == "query":
            return await http.post("/openapi/v2/query", json={"taskId": task_id})
    return None


ANSWER = {"runcomfy": runcomfy_answer, "runninghub": runninghub_answer}
CASES = [
    pytest.param(record["provider"], exchange, id=f"{path.stem}:{exchange['label']}")
    for path, record in RECORDED
    for exchange in record["exchanges"]
]


@pytest.mark.parametrize(("provider", "exchange"), CASES)
async def test_the_fake_answers_like_the_recording(provider, exchange):
    answer = await ANSWER[provider](exchange["label"])
    assert answer is not None, f"the fake {provider} never answers {exchange['label']}"
    assert answer.status_code == exchange["status"]
    fake_body = answer.json()
    if exchange["label"].partition(":")[2]:  # the same status, not just the same fields
        assert fake_body.get("status") == exchange["response"]["status"]
    assert shape_problems(exchange["response"], fake_body) == []


def test_shape_problems_name_missing_fields_and_other_types():
    recorded = {"a": 1, "b": {"c": "x", "d": None}, "e": [{"f": "g"}]}
    assert shape_problems(recorded, {"a": 2.5, "b": {"c": "y", "d": 3}, "e": [{"f": "h"}]}) == []
    assert shape_problems(recorded, {"a": "1", "b": {}, "e": [{}]}) == [
        "$.a: the recording has number, the fake string",
        "$.b.c: missing in the fake's answer",
        "$.b.d: missing in the fake's answer",
        "$.e[0].f: missing in the fake's answer",
    ]


def test_recordings_keep_no_secret():
    from kling_ui.testing.recording import redact

    key = "sk-live-0123456789"
    answer = {
        "apikey": key,
        "Authorization": f"Bearer {key}",
        "error_message": f"bad token {key}",
        "results": [{"url": "https://cos.example/out.mp4?sign=abc&t=1"}],
        "image": "data:image/jpeg;base64," + "A" * 100,
    }
    cleaned = redact(answer, [key])
    assert key not in str(cleaned)
    assert cleaned["apikey"] == cleaned["Authorization"] == "<redacted>"
    assert cleaned["error_message"] == "bad token <redacted>"
    assert cleaned["results"][0]["url"] == "https://cos.example/out.mp4?<redacted>"
    assert cleaned["image"] == "data:image/jpeg;base64,<123 chars>"
