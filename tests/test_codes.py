"""Every status and code the providers are documented to use, and what each means here:
keep polling, or end the job with words that say what happened. Unknown ones never fail a
paid job outright. (Sources in docs/providers.md.)"""

from __future__ import annotations

import pytest

from kling_ui import errors
from kling_ui.pricing import format_money
from kling_ui.providers.base import Canceled, Failed, Queued, Running, Succeeded
from kling_ui.providers.runcomfy import RunComfyProvider
from kling_ui.providers.runninghub import RunningHubProvider
from kling_ui.request import parse_request
from kling_ui.testing import Fault

from .conftest import RC_BASE, RC_KEY, RH_BASE, RH_KEY, wire_inputs

KEEP_POLLING = "keep polling"

# RunningHub business codes while polling: (code, outcome, words the message must have).
RUNNINGHUB_CODES = [
    ("804", Running, None),
    ("813", Queued, None),
    ("814", Queued, None),
    ("1003", errors.RateLimitError, KEEP_POLLING),
    *[(c, errors.ServerError, KEEP_POLLING) for c in ("500", "1005", "1006", "1010", "1011")],
    *[(c, errors.ServerError, KEEP_POLLING) for c in ("1012", "1504")],
    ("9999", errors.UnknownCodeError, KEEP_POLLING),
    ("1014", errors.AuthError, "Enterprise-Shared"),
    ("1015", errors.ProviderHTTPError, "generation failed"),
    ("1501", errors.ContentRejectedError, "content check"),
    ("1505", errors.ContentRejectedError, "content check"),
    ("416", errors.InsufficientFundsError, "balance"),
    ("812", errors.InsufficientFundsError, "balance"),
    *[(c, errors.AuthError, "key") for c in ("801", "802", "811", "1002", "1601")],
    *[(c, errors.ProviderHTTPError, "refused") for c in ("301", "1001", "1007", "1009")],
    *[(c, errors.NotFoundError, "doesn't know") for c in ("423", "807", "1004")],
    *[(c, errors.ConcurrencyLimitError, KEEP_POLLING) for c in ("415", "421", "1520")],
]


@pytest.fixture
def rh(client):
    return RunningHubProvider(client=client, api_key=RH_KEY, base_url=RH_BASE)


@pytest.fixture
def rc(client):
    return RunComfyProvider(client=client, api_key=RC_KEY, base_url=RC_BASE)


@pytest.mark.parametrize(("code", "outcome", "words"), RUNNINGHUB_CODES)
async def test_each_runninghub_code_while_polling(rh, fake_rh, make_image, code, outcome, words):
    task_id = await rh.submit(await rh.prepare(await wire_inputs(make_image)))
    answer = {"taskId": task_id, "status": "", "errorCode": code, "errorMessage": "said so"}
    fake_rh.inject("query", Fault(status=200, body=answer))
    if outcome in (Running, Queued):
        assert isinstance(await rh.status(task_id), outcome)
        return
    with pytest.raises(outcome) as caught:
        await rh.status(task_id)
    error = caught.value
    if words == KEEP_POLLING:
        assert error.transient, code
    else:
        assert not error.transient, code
        assert words.lower() in error.user_message.lower(), error.user_message
    assert RH_KEY not in error.user_message


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("CREATE", Queued),
        ("QUEUED", Queued),
        ("RUNNING", Running),
        ("SUCCESS", Succeeded),
        ("FAILED", Failed),
        ("CANCEL", Canceled),
        ("PAUSED", Running),  # unknown: still running, with a note
    ],
)
async def test_each_runninghub_status(rh, fake_rh, make_image, status, outcome):
    task_id = await rh.submit(await rh.prepare(await wire_inputs(make_image)))
    body = {"taskId": task_id, "status": status, "errorCode": "", "errorMessage": ""}
    if status == "SUCCESS":
        body["results"] = [{"url": "https://rh-images-1.cos.ap-beijing.myqcloud.com/o.mp4"}]
    fake_rh.inject("query", Fault(status=200, body=body))
    got = await rh.status(task_id)
    assert isinstance(got, outcome)
    if status == "PAUSED":
        assert "PAUSED" in got.note


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("in_queue", Queued),
        ("pending", Queued),
        ("waiting", Queued),
        ("in_progress", Running),
        ("starting", Running),
        ("processing", Running),
        ("warming_up", Running),  # unknown: still running, with a note
    ],
)
async def test_each_runcomfy_status(rc, fake_rc, make_image, status, outcome):
    fake_rc.status_word = status
    fake_rc.queue_seconds = 5
    request_id = await rc.submit(await rc.prepare(await wire_inputs(make_image)))
    got = await rc.status(request_id)
    assert isinstance(got, outcome)
    if status == "warming_up":
        assert "warming_up" in got.note


@pytest.mark.parametrize(
    ("http", "code", "outcome"),
    [
        (400, "400001", errors.ProviderHTTPError),
        (402, "400002", errors.InsufficientFundsError),
        (401, "400004", errors.AuthError),
        (403, "403001", errors.AuthError),
        (404, "404001", errors.NotFoundError),
        (200, "404001", errors.NotFoundError),  # some RunComfy APIs answer 200 with a code
        (429, None, errors.RateLimitError),
        (503, None, errors.ServerError),
    ],
)
async def test_each_runcomfy_error(rc, fake_rc, make_image, http, code, outcome):
    request_id = await rc.submit(await rc.prepare(await wire_inputs(make_image)))
    body = {"error_code": code, "error_message": "said so"} if code else {"error": "x"}
    fake_rc.inject("status", Fault(status=http, body=body))
    with pytest.raises(outcome):
        await rc.status(request_id)


async def test_an_unknown_status_never_fails_a_paid_job(manager, make_image, fake_rc):
    fake_rc.status_word = "warming_up"
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    job = await manager.submit(request, provider="runcomfy")
    notes = set()
    async for update in manager.watch(job.id):
        notes.add(update.notice)
    assert manager.store.get(job.id).state == "succeeded"
    assert any(n and "warming_up" in n for n in notes)


async def test_an_unknown_code_keeps_polling_up_to_a_limit(manager, make_image, fake_rh):
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    odd = {"taskId": "", "status": "", "errorCode": "7777", "errorMessage": "new code"}
    fake_rh.inject("query", Fault(status=200, body=odd), times=3)
    job = await manager.wait((await manager.submit(request, provider="runninghub")).id)
    assert job.state == "succeeded" and fake_rh.submits == 1
    fake_rh.inject("query", Fault(status=200, body=odd), times=100)
    again = parse_request({"image": str(make_image()), "prompt": "q", "duration": 3})
    job = await manager.wait((await manager.submit(again, provider="runninghub")).id)
    assert job.state == "failed" and job.error_code == "7777"
    assert "code 7777" in job.error_message and "new code" in job.error_message


async def test_runninghub_cost_is_read_from_third_party_money(manager, make_image, fake_rh):
    fake_rh.usage = {"consumeMoney": "0.00", "thirdPartyConsumeMoney": "3.17"}
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    job = await manager.wait((await manager.submit(request, provider="runninghub")).id)
    assert job.state == "succeeded" and job.cost == pytest.approx(3.17)
    assert job.currency == "CNY" and format_money(job.cost, job.currency) == "¥3.17"


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"consumeMoney": "1.20", "thirdPartyConsumeMoney": "0.00"}, (1.2, "CNY")),
        ({"consumeMoney": "0.00", "consumeCoins": "40"}, (40.0, "RH coins")),
        ({"consumeMoney": "0.00", "thirdPartyConsumeMoney": "0.000"}, (0.0, "CNY")),
        (None, (None, None)),
    ],
)
def test_runninghub_usage_fields_in_order(usage, expected):
    from kling_ui.providers.runninghub import _cost

    assert _cost(usage, "CNY") == expected


# Written to the job store (and shown by the API) before ErrorCode existed: old databases
# hold these strings, so they are never renamed.
STORED_BEFORE = {
    *("timeout", "download", "internal", "untrusted_host", "key_needed", "interrupted"),
    *("submit_unknown", "prepare", "connect", "status", "limit", "expired", "disk"),
    "bad_video",
}


def test_stored_codes_keep_their_strings():
    assert {str(code) for code in errors.ErrorCode} >= STORED_BEFORE
    assert all(errors.ErrorCode(value) == value for value in STORED_BEFORE)


@pytest.mark.parametrize(
    ("error", "may_have_charged"),
    [
        (errors.ProviderConnectionError("x", request_sent=False), False),
        (errors.ProviderConnectionError("x"), True),  # sent, the answer lost
        (errors.ServerError("x", status_code=502), True),
        (errors.BadResponseError("x"), True),
        (errors.UnknownCodeError("x", status_code=200, provider_code="9999"), True),
        (errors.RateLimitError("x", status_code=429), False),  # refused: nothing created
        (errors.ConcurrencyLimitError("x", status_code=200), False),
        (errors.AuthError("x", status_code=401), False),
        (errors.InsufficientFundsError("x", status_code=402), False),
        (errors.ContentRejectedError("x", status_code=200), False),
    ],
)
def test_which_errors_may_leave_a_paid_job_behind(error, may_have_charged):
    assert error.may_have_charged is may_have_charged
    assert isinstance(error.code, errors.ErrorCode)


async def test_a_refusal_keeps_the_providers_code_or_else_says_its_kind(
    manager, make_image, fake_rc, fake_rh
):
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    fake_rh.inject("submit", Fault(status=200, body={"errorCode": "416", "errorMessage": "$"}))
    job = await manager.wait((await manager.submit(request, provider="runninghub")).id)
    assert (job.state, job.error_code) == ("failed", "416")  # the wire fact, for Details
    fake_rc.inject("submit", Fault(status=401, body={"detail": "who are you"}))
    job = await manager.wait((await manager.submit(request, provider="runcomfy")).id)
    assert (job.state, job.error_code) == ("failed", errors.ErrorCode.AUTH)
    assert fake_rc.submits == 1


def test_a_submit_that_never_connected_says_nothing_was_charged():
    from kling_ui.store import JobRecord
    from kling_ui.ui.present import money_words

    base = {"owner": "o", "provider": "runcomfy", "request": {}, "state": "failed"}
    # Sent at was recorded before the attempt: only the code tells it never left.
    never_left = JobRecord(id="a" * 12, submitted_at=1.0, error_code="connect", **base)
    assert "you were not charged" in money_words(never_left)
    refused = JobRecord(id="b" * 12, submitted_at=1.0, error_code="auth", **base)
    assert "not charged" not in money_words(refused)
