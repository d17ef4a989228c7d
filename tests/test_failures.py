"""The failures users of these providers report (issue #29, items 3, 4 and 7), against the
fakes in the providers' wire shapes: a content refusal names the input and is never sent
again; "completed" without a video is a failure; a failing result fetch is asked again, never
the job; a "too many tasks" answer keeps the job in our queue until a slot frees."""

from __future__ import annotations

import asyncio

import pytest

from kling_ui.request import parse_request
from kling_ui.testing import Fault
from kling_ui.ui.lang import ZH_LANG
from kling_ui.ui.present import details_markdown, status_markdown

from .conftest import until
from .test_jobs import assert_saved, fake_for

# Each provider's wire names for the inputs a content check may name (models.py).
FIELDS = {
    "runcomfy": {"start": "image", "end": "end_image", "prompt": "prompt"},
    "runninghub": {"start": "firstImageUrl", "end": "lastImageUrl", "prompt": "prompt"},
}
CODES = {"start": "refused_start_frame", "end": "refused_end_frame", "prompt": "refused_prompt"}
WORDS = {
    "start": ("start frame", "首帧"),
    "end": ("end frame", "尾帧"),
    "prompt": ("prompt", "提示词"),
}


def in_our_queue(job) -> bool:
    return job.error_code == "waiting_for_slot"


async def soon(awaitable):
    """What the test waits for, within real seconds (a staging step that never comes fails)."""
    return await asyncio.wait_for(awaitable, timeout=10)


async def generate(manager, make_image, provider, **fields):
    job = await start(manager, make_image, provider, **fields)
    return await asyncio.wait_for(manager.wait(job.id), timeout=30)


async def start(manager, make_image, provider, **fields):
    fields.setdefault("prompt", "Slow push in.")  # jobs alike would share one (dedupe.py)
    request = parse_request({"image": str(make_image()), **fields})
    return await manager.submit(request, provider=provider)


# --- 3. content refusals, by input ---------------------------------------------------------


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
@pytest.mark.parametrize("which", ["start", "end", "prompt"])
async def test_a_content_refusal_at_submit_names_the_input_and_is_not_sent_again(
    manager, make_image, fake_rc, fake_rh, provider, which
):
    fake = fake_for(provider, fake_rc, fake_rh)
    field = FIELDS[provider][which]
    fake.refuse_next_submit(field, "flagged by a content checker")
    job = await generate(manager, make_image, provider, end_image=str(make_image(seed=3)))
    assert (job.state, job.error_code) == ("failed", CODES[which])
    assert fake.submits == 1 and fake.jobs == {}  # refused once, never sent again
    english, chinese = WORDS[which]
    status = status_markdown(job, now=job.finished_at)
    assert f"refused the {english}" in status and "you were not charged" in status
    assert "not sent again automatically" in status
    zh = status_markdown(job, now=job.finished_at, lang=ZH_LANG)
    assert chinese in zh and "没有扣费" in zh
    assert "flagged by a content checker" in details_markdown(job)  # the provider's words


async def test_an_image_refusal_is_the_start_frame_without_an_end_frame(
    manager, make_image, fake_rh
):
    # RunningHub's 1505 (a photorealistic real person) names no field: it is about an image.
    fake_rh.inject("submit", Fault(status=200, body={"errorCode": "1505", "errorMessage": "x"}))
    job = await generate(manager, make_image, "runninghub")
    assert job.error_code == "refused_start_frame" and fake_rh.submits == 1


async def test_an_image_refusal_with_both_frames_says_it_cannot_tell_which(
    manager, make_image, fake_rh
):
    fake_rh.inject("submit", Fault(status=200, body={"errorCode": "1505", "errorMessage": "x"}))
    job = await generate(manager, make_image, "runninghub", end_image=str(make_image(seed=3)))
    assert job.error_code == "refused_frames"
    assert "a frame (start or end" in status_markdown(job, now=job.finished_at)


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_a_refusal_after_the_render_says_it_may_have_been_charged(
    manager, make_image, fake_rc, fake_rh, provider
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.fail_next_job("The generated audio was flagged by the safety system")
    job = await generate(manager, make_image, provider, sound=True)
    assert (job.state, job.error_code) == ("failed", "refused_audio")
    assert fake.submits == 1
    status = status_markdown(job, now=job.finished_at)
    assert "refused the audio it generated" in status and "may have been charged" in status
    assert "音频" in status_markdown(job, now=job.finished_at, lang=ZH_LANG)


# --- 4. "completed" that is not a success; a failing result fetch ---------------------------


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_completed_without_a_video_fails_with_the_providers_reason(
    manager, make_image, fake_rc, fake_rh, provider
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.hollow_next_job("Output upload failed on node 12")
    job = await generate(manager, make_image, provider)
    # The store keeps the provider's own code when it gave one (RunComfy's error.code).
    code = "GENERATION_FAILED" if provider == "runcomfy" else "generation_failed"
    assert (job.state, job.error_code) == ("failed", code)
    assert "Output upload failed on node 12" in job.error_message
    assert fake.submits == 1
    zh = status_markdown(job, now=job.finished_at, lang=ZH_LANG)
    assert "失败" in zh and "Output upload failed on node 12" in zh  # its words, kept as said


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_completed_without_a_video_or_a_reason_says_so(
    manager, make_image, fake_rc, fake_rh, provider
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.hollow_next_job("")
    job = await generate(manager, make_image, provider)
    assert job.state == "failed" and "sent no video" in job.error_message
    assert fake.submits == 1
    zh = status_markdown(job, now=job.finished_at, lang=ZH_LANG)
    assert "没有发来视频" in zh and "sent no video" not in zh  # stored English, said in Chinese


@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        ("runcomfy", Fault.server_error(504)),
        # Just after "completed", the result may not be there yet.
        ("runcomfy", Fault(status=404, body={"error_code": "404001", "error_message": "nf"})),
        ("runninghub", Fault.server_error(502)),
        ("runninghub", Fault(status=200, body={"errorCode": "1011", "errorMessage": "busy"})),
    ],
    ids=["rc-504", "rc-404", "rh-502", "rh-1011"],
)
async def test_a_result_fetch_that_fails_twice_is_asked_again_never_the_job(
    manager, make_image, fake_rc, fake_rh, provider, fault
):
    fake = fake_for(provider, fake_rc, fake_rh)
    fake.fail_finished_fetches(fault, times=2)
    job = await generate(manager, make_image, provider)
    assert_saved(job)
    assert fake.submits == 1
    assert fake._finished_faults == type(fake._finished_faults)()  # both failures were met


# --- 7. limits per account ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["1520", "421", "415"])
async def test_too_many_tasks_keeps_the_job_in_our_queue_until_a_slot_frees(
    manager, make_image, fake_rh, clock, code
):
    fake_rh.max_concurrent, fake_rh.limit_code = 1, code
    fake_rh.run_seconds = 300  # long enough for a timer to re-send many times
    with clock.frozen():  # no jumps while the line forms: the first job stays running
        first = await start(manager, make_image, "runninghub", prompt="One.")
        await soon(until(manager, first.id, lambda j: j.request_id))
        second = await start(manager, make_image, "runninghub", prompt="Two.")
        waiting = await soon(until(manager, second.id, in_our_queue))
        assert waiting.state == "submitting" and waiting.request_id is None
        assert "not charged" in waiting.notice
        card = status_markdown(waiting)
        assert "**Waiting in our queue**" in card and "Sending" not in card
        assert "already running as many of your jobs" in card
        assert "未扣费" in status_markdown(waiting, lang=ZH_LANG)
        # A third job of the same key waits without asking at all: the limit is learned.
        third = await start(manager, make_image, "runninghub", prompt="Three.")
        await soon(until(manager, third.id, in_our_queue))
        assert fake_rh.submits == 2

    ends = [await asyncio.wait_for(manager.wait(j.id), 30) for j in (first, second, third)]
    for job in ends:
        assert_saved(job)
    # A, B refused once, B, C: four submits in all over 15 minutes of the account's time.
    submits = fake_rh.calls_to("submit")
    assert len(submits) == 4 and len(fake_rh.jobs) == 3
    first_done = fake_rh.jobs[ends[0].request_id].done_at()
    second_done = fake_rh.jobs[ends[1].request_id].done_at()
    assert submits[1]["time"] < first_done <= submits[2]["time"]  # B waited for A
    assert second_done <= submits[3]["time"]  # C waited for B
    assert all(job.error_code is None and job.notice is None for job in ends)


async def test_a_job_waiting_in_our_queue_cancels_at_once_and_free(
    manager, make_image, fake_rh, clock
):
    fake_rh.max_concurrent, fake_rh.run_seconds = 1, 300
    with clock.frozen():
        first = await start(manager, make_image, "runninghub", prompt="One.")
        await soon(until(manager, first.id, lambda j: j.request_id))
        second = await start(manager, make_image, "runninghub", prompt="Two.")
        await soon(until(manager, second.id, in_our_queue))
    said = await manager.cancel(second.id)
    assert "nothing was charged" in said
    job = await asyncio.wait_for(manager.wait(second.id), 30)
    assert job.state == "canceled" and job.request_id is None
    assert fake_rh.submits == 2  # the first, and the second's refused try


# --- reading the provider's words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("end_image: flagged by a content checker", "end_frame"),
        ("lastImageUrl: 图片内容审核未通过", "end_frame"),
        ("image_url: flagged", "start_frame"),
        ("首帧图片包含敏感内容", "start_frame"),
        ("prompt: contains prohibited words", "prompt"),
        ("提示词包含违规内容", "prompt"),
        ("multi_prompt: flagged", "prompt"),
        ("The generated audio was flagged", "audio"),
        ("Real-person content is not allowed in the image", "image"),
        ("The prompt or the image was flagged", None),  # two inputs: it can't tell
        ("Request moderated", None),
    ],
)
def test_the_refused_input_is_read_only_when_the_words_name_one(words, expected):
    from kling_ui.refusals import refused_input

    assert refused_input(words) == expected


@pytest.mark.parametrize(
    ("words", "refusal"),
    [
        ("flagged by a content checker", True),
        ("内容审核未通过", True),
        ("Output upload failed on node 12", False),
        ("CUDA out of memory", False),
    ],
)
def test_a_content_refusal_is_told_from_another_failure(words, refusal):
    from kling_ui.refusals import is_content_refusal

    assert is_content_refusal(words) is refusal


def test_a_learned_limit_holds_while_the_slots_are_taken_and_is_forgotten_after_an_hour(clock):
    from kling_ui.slots import LIMIT_MEMORY, Slots

    slots, key = Slots(clock), ("runninghub", "print")
    assert slots.learn(key) is None  # nothing of ours runs: nothing to learn
    slots.hold(key, "a")
    assert slots.full(key, "b") is None  # nothing learned yet: send
    assert slots.learn(key) == 1 and slots.full(key, "b") == 1
    slots.release(key, "a")
    assert slots.full(key, "b") is None  # a slot is free
    slots.hold(key, "c")
    assert slots.full(key, "b") == 1
    clock.advance(LIMIT_MEMORY + 1)
    assert slots.full(key, "b") is None  # a plan may have grown
