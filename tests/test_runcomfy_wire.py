"""RunComfyProvider against the fake RunComfy: exact wire, every status path, every fault."""

from __future__ import annotations

import pytest

from kling_ui import media
from kling_ui.errors import (
    AuthError,
    BadResponseError,
    InsufficientFundsError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ServerError,
)
from kling_ui.providers.base import CancelOutcome, Failed, Queued, Running, Succeeded
from kling_ui.providers.runcomfy import RunComfyProvider
from kling_ui.testing import Fault

from .conftest import RC_BASE, RC_FILES, RC_KEY, poll_to_end, wire_inputs

MODEL = "/v1/models/kling/kling-video-o3/pro/image-to-video"


@pytest.fixture
def provider(client, clock):
    provider = RunComfyProvider(client=client, api_key=RC_KEY, base_url=RC_BASE)
    provider.clock = clock  # its pauses between checks skip ahead with the fake's time
    return provider


async def test_submit_sends_the_exact_body_and_headers(provider, fake_rc, make_image):
    inputs = await wire_inputs(make_image, duration=7, sound=True, shot_type="intelligent")
    request_id = await provider.submit(await provider.prepare(inputs))
    call = fake_rc.calls_to("submit")[0]
    assert call["method"] == "POST" and call["path"] == MODEL
    assert call["headers"]["authorization"] == f"Bearer {RC_KEY}"
    assert call["headers"]["content-type"] == "application/json"
    body = call["json"]
    assert set(body) == {"image", "prompt", "duration", "sound", "shot_type"}
    assert body["image"].startswith("data:image/jpeg;base64,")
    assert body["prompt"] == "Slow push in."
    assert body["duration"] == 7 and type(body["duration"]) is int
    assert body["sound"] is True and body["shot_type"] == "intelligent"
    assert request_id in fake_rc.jobs and fake_rc.submits == 1


async def test_end_frame_and_segments_use_runcomfy_field_names(provider, fake_rc, make_image):
    inputs = await wire_inputs(make_image, end_image=str(make_image(seed=2)), duration=5)
    await provider.submit(await provider.prepare(inputs))
    assert fake_rc.calls_to("submit")[-1]["json"]["end_image"].startswith("data:image/jpeg")
    segs = [{"prompt": "first", "duration": 3}, {"prompt": "second", "duration": 4}]
    inputs = await wire_inputs(make_image, duration=7, multi_prompt=segs)
    await provider.submit(await provider.prepare(inputs))
    body = fake_rc.calls_to("submit")[-1]["json"]
    assert body["multi_prompt"] == segs and "end_image" not in body


async def test_a_job_goes_queued_running_succeeded_with_cost(provider, fake_rc, make_image):
    request_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    first = await provider.status(request_id)
    assert first == Queued(0)
    seen = {type(first)}
    status = first
    while not isinstance(status, Succeeded):
        await provider.wait(request_id, 1.0)
        status = await provider.status(request_id)
        seen.add(type(status))
    assert Running in seen
    assert status.video_url == f"{RC_FILES}/files/{request_id}.mp4"  # another host
    assert status.cost == pytest.approx(0.56) and status.currency == "USD"
    result_call = fake_rc.calls_to("result")[-1]
    assert result_call["query"] == {"include_cost": "true"}
    assert result_call["path"] == f"/v1/requests/{request_id}/result"


async def test_queue_position_counts_jobs_ahead(provider, fake_rc, make_image):
    fake_rc.queue_seconds = 5
    payload = await provider.prepare(await wire_inputs(make_image))
    ids = [await provider.submit(payload) for _ in range(3)]
    assert [await provider.status(i) for i in ids] == [Queued(0), Queued(1), Queued(2)]


async def test_the_videos_list_output_shape_is_accepted(provider, fake_rc, make_image):
    fake_rc.output_style = "videos"
    request_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    status = await poll_to_end(provider, request_id)
    assert isinstance(status, Succeeded) and status.video_url.endswith(f"{request_id}.mp4")


async def test_a_failed_job_reports_its_message(provider, fake_rc, make_image):
    fake_rc.fail_next_job("Content policy violation")
    request_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    assert await poll_to_end(provider, request_id) == Failed(
        "Content policy violation",
        "GENERATION_FAILED",
        content=True,  # a content check's words: it names no input
        detail="Content policy violation",
    )


async def test_download_saves_a_real_mp4(provider, fake_rc, make_image, tmp_path):
    inputs = await wire_inputs(make_image, duration=4, sound=True)
    request_id = await provider.submit(await provider.prepare(inputs))
    status = await poll_to_end(provider, request_id)
    await provider.download(status.video_url, tmp_path / "out.mp4")
    info = media.probe(tmp_path / "out.mp4")
    assert info.video_codec == "h264" and info.has_audio and abs(info.duration - 4) < 0.1
    assert "authorization" not in fake_rc.calls_to("download")[0]["headers"]


async def test_expired_result_link_is_not_found(provider, fake_rc, make_image, tmp_path):
    request_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    status = await poll_to_end(provider, request_id)
    fake_rc.expire_results = True
    with pytest.raises(NotFoundError, match="expired"):
        await provider.download(status.video_url, tmp_path / "out.mp4")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.part"))


async def test_cancel_while_queued_and_while_running(provider, fake_rc, make_image):
    fake_rc.queue_seconds = 5
    payload = await provider.prepare(await wire_inputs(make_image))
    queued = await provider.submit(payload)
    assert await provider.cancel(queued) is CancelOutcome.CANCELED
    assert (await provider.status(queued)).__class__.__name__ == "Canceled"
    fake_rc.queue_seconds = 0
    fake_rc.run_seconds = 5
    running = await provider.submit(payload)
    assert await provider.cancel(running) is CancelOutcome.NOT_CANCELLABLE
    assert isinstance(await provider.status(running), Running)


@pytest.mark.parametrize(
    ("fault", "error", "transient"),
    [
        (Fault.server_error(503), ServerError, True),
        (Fault.rate_limited(7), RateLimitError, True),
        (Fault.malformed(), BadResponseError, True),
        (
            Fault(status=200, body={"error_code": "503001", "error_message": "busy"}),
            ServerError,
            True,
        ),
        (
            Fault(status=200, body={"error_code": 400004, "error_message": "bad token"}),
            AuthError,
            False,
        ),
        (
            Fault(status=402, body={"error_code": "400002", "error_message": "Insufficient"}),
            InsufficientFundsError,
            False,
        ),
        (
            Fault(status=403, body={"error_code": "403001", "error_message": "not yours"}),
            AuthError,
            False,
        ),
        (
            Fault(status=422, body={"error_code": "422001", "error_message": "bad field"}),
            ProviderHTTPError,
            False,
        ),
    ],
)
async def test_status_faults_map_to_typed_errors(
    provider, fake_rc, make_image, fault, error, transient
):
    request_id = await provider.submit(await provider.prepare(await wire_inputs(make_image)))
    fake_rc.inject("status", fault)
    with pytest.raises(error) as caught:
        await provider.status(request_id)
    assert type(caught.value).transient is transient
    if isinstance(caught.value, RateLimitError) and fault.headers:
        assert caught.value.retry_after == 7
    # the next call is fine again
    assert isinstance(await provider.status(request_id), (Queued, Running, Succeeded))


async def test_a_wrong_key_is_an_auth_error_without_the_key(client, fake_rc, make_image):
    wrong = RunComfyProvider(client=client, api_key="wrong-key-123", base_url=RC_BASE)
    with pytest.raises(AuthError) as caught:
        await wrong.submit(await wrong.prepare(await wire_inputs(make_image)))
    assert "check the key" in caught.value.user_message  # no setting names in the page
    assert "RUNCOMFY_API_KEY" in caught.value.operator_message  # the CLI names it
    assert "wrong-key-123" not in str(caught.value) and "wrong-key-123" not in caught.value.body
    assert fake_rc.jobs == {}


async def test_unknown_request_is_not_found(provider):
    with pytest.raises(NotFoundError):
        await provider.status("does-not-exist")


async def test_a_request_id_that_could_escape_the_path_is_refused(provider, fake_rc):
    with pytest.raises(BadResponseError):
        await provider.status("../../v1/models")
    assert fake_rc.calls == []


async def test_base_url_with_or_without_v1(client):
    for base in (RC_BASE, RC_BASE + "/", RC_BASE + "/v1"):
        assert RunComfyProvider(client=client, api_key="k", base_url=base).base_url == (
            RC_BASE + "/v1"
        )
    assert "k" not in repr(RunComfyProvider(client=client, api_key="k", base_url=RC_BASE))
