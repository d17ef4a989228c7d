"""RunningHubProvider against the fake RunningHub: uploads, exact wire, statuses, faults."""

from __future__ import annotations

import pytest

from kling_ui import media
from kling_ui.errors import (
    AuthError,
    BadResponseError,
    ConcurrencyLimitError,
    ContentRejectedError,
    InsufficientFundsError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ServerError,
)
from kling_ui.images import PreparedImage
from kling_ui.providers.base import CancelOutcome, Failed, Inputs, Queued, Running, Succeeded
from kling_ui.providers.runninghub import RunningHubProvider
from kling_ui.request import parse_request
from kling_ui.testing import Fault

from .conftest import RH_BASE, RH_FILES, RH_KEY, poll_to_end, wire_inputs

SUBMIT = "/openapi/v2/kling-video-o3-pro/image-to-video"


@pytest.fixture
def provider(client, clock):
    provider = RunningHubProvider(client=client, api_key=RH_KEY, base_url=RH_BASE)
    provider.clock = clock  # its pauses between checks skip ahead with the fake's time
    return provider


async def test_local_frames_are_uploaded_then_referenced(provider, fake_rh, make_image):
    inputs = await wire_inputs(make_image, end_image=str(make_image(seed=5)))
    payload = await provider.prepare(inputs)
    uploads = fake_rh.calls_to("upload")
    assert len(uploads) == 2
    assert uploads[0]["path"] == "/openapi/v2/media/upload/binary"
    assert uploads[0]["headers"]["authorization"] == f"Bearer {RH_KEY}"
    assert uploads[0]["headers"]["content-type"].startswith("multipart/form-data")
    assert uploads[0]["upload"]["content_type"] == "image/jpeg"
    assert uploads[0]["upload"]["size"] == len(inputs.image.data)
    await provider.submit(payload)
    body = fake_rh.calls_to("submit")[0]["json"]
    assert body["firstImageUrl"].startswith(f"{RH_BASE}/media/")
    assert body["lastImageUrl"].startswith(f"{RH_BASE}/media/")
    assert body["firstImageUrl"] != body["lastImageUrl"]


async def test_submit_body_uses_runninghub_names_types_and_spelling(provider, fake_rh, make_image):
    inputs = await wire_inputs(make_image, duration=6, shot_type="intelligent")
    await provider.submit(await provider.prepare(inputs))
    call = fake_rh.calls_to("submit")[0]
    assert call["path"] == SUBMIT and call["headers"]["content-type"] == "application/json"
    assert call["headers"]["authorization"] == f"Bearer {RH_KEY}"
    body = call["json"]
    assert set(body) == {"prompt", "firstImageUrl", "duration", "sound", "multiShot", "shotType"}
    assert body["shotType"] == "intelligence"  # RunningHub's spelling
    assert body["sound"] is False  # said explicitly: RunningHub defaults to true
    assert body["multiShot"] is True and body["duration"] == 6  # intelligence needs it


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"prompt": "Slow push in.", "multiShot": False}),
        (
            {"shot_type": "intelligent"},
            {"prompt": "Slow push in.", "multiShot": True, "shotType": "intelligence"},
        ),
        (
            {
                "multi_prompt": [
                    {"prompt": "wide", "duration": 3},
                    {"prompt": "tight", "duration": 3},
                ]
            },
            {
                "prompt": "Slow push in.",
                "multiShot": True,
                "shotType": "customize",
                "multiPrompt": [
                    {"index": 1, "prompt": "wide", "duration": 3},
                    {"index": 2, "prompt": "tight", "duration": 3},
                ],
            },
        ),
        ({"end_image": "END"}, {"prompt": "Slow push in.", "multiShot": False, "lastImageUrl": 1}),
    ],
    ids=["single-prompt", "intelligent", "segments", "end-frame"],
)
async def test_each_case_sends_its_exact_body(provider, fake_rh, make_image, fields, expected):
    if fields.get("end_image") == "END":
        fields = {"end_image": str(make_image(seed=3))}
    duration = 6 if "multi_prompt" in fields else 5
    inputs = await wire_inputs(make_image, duration=duration, **fields)
    await provider.submit(await provider.prepare(inputs))
    body = dict(fake_rh.calls_to("submit")[-1]["json"])
    assert body.pop("firstImageUrl").startswith(RH_BASE)
    assert (body.pop("duration"), body.pop("sound")) == (duration, False)
    if "lastImageUrl" in expected:
        assert body.pop("lastImageUrl").startswith(RH_BASE)
        expected = {k: v for k, v in expected.items() if k != "lastImageUrl"}
    assert body == expected


async def test_an_end_frame_with_intelligent_is_refused_before_anything_is_sent(
    manager, fake_rh, make_image
):
    from kling_ui.errors import InputError
    from kling_ui.request import parse_request

    request = parse_request(
        {
            "image": str(make_image()),
            "end_image": str(make_image(seed=2)),
            "prompt": "p",
            "shot_type": "intelligent",
        }
    )
    with pytest.raises(InputError, match="end frame can't be combined with the intelligent"):
        await manager.submit(request, provider="runninghub")
    assert fake_rh.calls == [] and manager.store.list() == []


async def test_segments_become_multishot_with_indexes(provider, fake_rh, make_image):
    segs = [{"prompt": "wide", "duration": 4}, {"prompt": "close", "duration": 3}]
    inputs = await wire_inputs(make_image, duration=7, multi_prompt=segs)
    await provider.submit(await provider.prepare(inputs))
    body = fake_rh.calls_to("submit")[0]["json"]
    assert body["multiShot"] is True
    assert body["multiPrompt"] == [
        {"index": 1, "prompt": "wide", "duration": 4},
        {"index": 2, "prompt": "close", "duration": 3},
    ]


async def test_an_https_frame_is_sent_as_its_url_without_upload(provider, fake_rh):
    request = parse_request({"image": "https://cdn.test/a.jpg", "prompt": "p"})
    image = PreparedImage(b"x", "image/jpeg", 800, 600, "a.jpg", url="https://cdn.test/a.jpg")
    await provider.submit(await provider.prepare(Inputs(request, image)))
    assert fake_rh.calls_to("upload") == []
    assert fake_rh.calls_to("submit")[0]["json"]["firstImageUrl"] == "https://cdn.test/a.jpg"


@pytest.mark.parametrize("snake", [False, True])
@pytest.mark.parametrize("url_field", ["url", "outputUrl"])
async def test_a_task_runs_to_success_with_either_spelling(
    provider, fake_rh, make_image, snake, url_field, tmp_path
):
    fake_rh.use_snake_case_id = snake
    fake_rh.url_field = url_field
    task_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    assert task_id in fake_rh.jobs
    first = await provider.status(task_id)
    assert first == Queued()
    status = await poll_to_end(provider, task_id)
    assert isinstance(status, Succeeded)
    assert status.video_url == f"{RH_FILES}/files/{task_id}.mp4"  # a COS-style host
    assert status.cost == pytest.approx(3.45)
    query = fake_rh.calls_to("query")[0]
    assert query["json"] == {"taskId": task_id} and query["path"] == "/openapi/v2/query"
    await provider.download(status.video_url, tmp_path / "v.mp4")
    assert media.probe(tmp_path / "v.mp4").duration == pytest.approx(5, abs=0.1)


async def test_a_failed_task_keeps_its_code(provider, fake_rh, make_image):
    fake_rh.fail_next_job("Real-person content is not allowed")
    task_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    failed = await poll_to_end(provider, task_id)
    assert isinstance(failed, Failed) and failed.provider_code == "1505"
    assert "content check refused" in failed.message and "[code 1505]" in failed.message
    # errorMessage and failedReason are both shown.
    assert "Real-person content is not allowed" in failed.message
    assert "ContentRejected" in failed.message


async def test_business_codes_meaning_still_running_are_not_errors(provider, fake_rh, make_image):
    task_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    fake_rh.inject(
        "query", Fault(status=200, body={"errorCode": "804", "errorMessage": "task running"})
    )
    fake_rh.inject("query", Fault(status=200, body={"errorCode": 813, "errorMessage": "queued"}))
    assert await provider.status(task_id) == Running()
    assert await provider.status(task_id) == Queued()


async def test_cancel_is_unsupported_and_sends_nothing(provider, fake_rh):
    assert await provider.cancel("123") is CancelOutcome.UNSUPPORTED
    assert fake_rh.calls == []


@pytest.mark.parametrize(
    ("fault", "error", "transient"),
    [
        (Fault.server_error(502), ServerError, True),
        (Fault.rate_limited(3), RateLimitError, True),
        (Fault.malformed(), BadResponseError, True),
        (
            Fault(status=200, body={"errorCode": "1003", "errorMessage": "rate"}),
            RateLimitError,
            True,
        ),
        (Fault(status=200, body={"errorCode": "1010", "errorMessage": "busy"}), ServerError, True),
        (
            Fault(status=200, body={"errorCode": "802", "errorMessage": "expired key"}),
            AuthError,
            False,
        ),
        (
            Fault(status=200, body={"errorCode": "807", "errorMessage": "no task"}),
            NotFoundError,
            False,
        ),
    ],
)
async def test_query_faults_map_to_typed_errors(
    provider, fake_rh, make_image, fault, error, transient
):
    task_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    fake_rh.inject("query", fault)
    with pytest.raises(error) as caught:
        await provider.status(task_id)
    assert type(caught.value).transient is transient


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"errorCode": "1520", "errorMessage": "concurrency"}, ConcurrencyLimitError),
        ({"errorCode": "421", "errorMessage": "queue limit"}, ConcurrencyLimitError),
        ({"errorCode": "812", "errorMessage": "funds"}, InsufficientFundsError),
        ({"errorCode": "416", "errorMessage": "wallet"}, InsufficientFundsError),
        ({"errorCode": "1505", "errorMessage": "real person"}, ContentRejectedError),
        ({"errorCode": "301", "errorMessage": "Invalid parameters"}, ProviderHTTPError),
        ({"errorCode": "1601", "errorMessage": "verification"}, AuthError),
    ],
)
async def test_submit_business_errors_arrive_with_http_200(
    provider, fake_rh, make_image, body, error
):
    fake_rh.inject("submit", Fault(status=200, body={"taskId": "", "status": "FAILED", **body}))
    with pytest.raises(error) as caught:
        await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    assert caught.value.provider_code == body["errorCode"]
    assert caught.value.status_code == 200
    assert fake_rh.jobs == {}


async def test_wrong_key_on_upload_and_submit(client, fake_rh, make_image):
    wrong = RunningHubProvider(client=client, api_key="nope-987", base_url=RH_BASE)
    with pytest.raises(AuthError) as caught:
        await wrong.prepare(await wire_inputs(make_image))
    assert "check the key" in caught.value.user_message  # no setting names in the page
    assert "RUNNINGHUB_API_KEY" in caught.value.operator_message  # the CLI names it
    assert "nope-987" not in caught.value.user_message + caught.value.body


async def test_the_fake_validates_like_the_real_api(provider, fake_rh):
    # Sanity of the fake itself: a string duration is a 301 business error, as upstream.
    with pytest.raises(ProviderHTTPError, match="duration must be an integer"):
        await provider.submit(
            {
                "prompt": "p",
                "firstImageUrl": "https://x.test/a.jpg",
                "duration": "5",
                "sound": False,
            }
        )
    with pytest.raises(ProviderHTTPError, match="never uploaded"):
        await provider.submit(
            {
                "prompt": "p",
                "firstImageUrl": f"{RH_BASE}/media/openapi_x.jpg",
                "duration": 5,
                "sound": False,
            }
        )
