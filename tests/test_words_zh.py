"""A Chinese visitor sees no English: every page state rendered in zh-CN, scanned for words
of the English catalogues (and for catalogue keys shown raw). Brand and format names aside.

The states are made by the real functions (present.py, story_shots.py, request.py's
problems, the adapters' error tables); the browser walk is tests/test_browser.py's
test_a_chinese_visitor_sees_no_english.
"""

from __future__ import annotations

import html
import re

import pytest

from kling_ui.errors import InputError
from kling_ui.providers.errormap import ErrorAnswer
from kling_ui.providers.runcomfy import _ERRORS as RUNCOMFY_ERRORS
from kling_ui.providers.runninghub import _ERRORS as RUNNINGHUB_ERRORS
from kling_ui.records import JobRecord
from kling_ui.request import parse_request
from kling_ui.said import listed, said
from kling_ui.spending import InFlightRefused, SpendingRefused
from kling_ui.state import JobState
from kling_ui.story import Outcome, StoryRun
from kling_ui.ui import words
from kling_ui.ui.form import problem_words
from kling_ui.ui.lang import SAY_EN, ZH_LANG, say_lines, say_text
from kling_ui.ui.present import (
    cost_markdown,
    details_markdown,
    history_headers,
    history_rows,
    prompt_counter,
    segment_total_markdown,
    spend_markdown,
    status_markdown,
    which_provider_markdown,
)
from kling_ui.ui.story_shots import progress_markdown, story_cost
from kling_ui.ui.studio import problems_of
from kling_ui.ui.tray import cards_html

ZH = ZH_LANG
# Names that are the same in every language: brands, models, formats, units of the trade.
BRANDS = {
    "kling", "runcomfy", "runninghub", "mp4", "o3", "pro", "standard", "api", "http", "https",
    "json", "fps", "usd", "cny", "eur", "utc", "jpg", "jpeg", "png", "webp", "bmp", "h264",
    "aac", "multiprompt", "generations", "usage", "gb", "mb", "px", "true", "false", "id",
}  # fmt: skip


def _english_words() -> set[str]:
    texts = [*SAY_EN.values(), *words.EN.values()]
    found = set()
    for text in texts:
        text = re.sub(r"\{[^}]*\}", " ", text)  # fields are not words
        found.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9']*", text))
    return found - BRANDS


ENGLISH = _english_words()
KEYS = {key for key in [*SAY_EN, *words.EN] if "." in key}
# Any catalogue key standing on its own (longest first, so a key isn't read as its prefix).
RAW_KEY = re.compile(
    r"(?<![\w.])(" + "|".join(map(re.escape, sorted(KEYS, key=len, reverse=True))) + r")(?![\w.])"
)


def english_left(text: str) -> list[str]:
    """Words of the English catalogues left in `text` (ids in `code` and links aside)."""
    text = re.sub(r"Kling Video O3( Pro| Standard)?", " ", text)  # the model's own name
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\b[\w-]+\.(?:ai|cn|com)\b", " ", text)  # host names: runninghub.cn
    text = re.sub(r"[\w.]+(?:-[\w.]+)+", " ", text)  # ids such as kling-video-o3-pro
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9']*", text) if w.lower() in ENGLISH]


def assert_chinese(text: str) -> None:
    left = english_left(text)
    assert not left, f"English in zh-CN: {left} in {text!r}"
    raw = sorted(set(RAW_KEY.findall(text)))
    assert not raw, f"catalogue keys shown raw: {raw} in {text!r}"


def test_the_check_itself_finds_english_and_raw_keys():
    with pytest.raises(AssertionError):
        assert_chinese("完成 · Done")
    with pytest.raises(AssertionError):
        assert_chinese("common.complete")
    assert_chinese("完成 · RunComfy · `abc123` · MP4")


# How jobs end, as the code that ends them words it (kept in the store as English).
ENDINGS = [
    "Couldn't reach RunComfy (ConnectError). Nothing was sent or charged.",
    "RunningHub had a server error (HTTP 502) The job may have been created and charged; it "
    "will not be sent again automatically. Check your RunningHub task list (Workspace / API "
    "calls) before trying again.",
    "No result from RunComfy after 30 min (request id rc-1). It may still finish there: "
    "Check again asks later.",
    "The generation failed on RunningHub: 内容违规",
    "Canceled on RunComfy.",
    "Canceled on Offline preview (free).",
    "Canceled before anything was sent: nothing charged.",
    "Interrupted before it was sent: nothing was charged. Generate again.",
    "Still on RunningHub (request id t-1), but this server doesn't keep the key it was started "
    "with: enter that key again to pick it up, or delete the job.",
    "The video link from RunComfy expired before it could be saved (request id rc-1). Check "
    "your RunComfy dashboard (Generations / Usage) before trying again.",
    "Couldn't download the video (HTTP 418). (request id rc-1). Check again tries again.",
    "Something went wrong with job 0123456789ab (ValueError); details are in the server log.",
    "The preview was interrupted and can't restart: This preview is no longer rendering (the "
    "app restarted).",
]
NOTICES = [
    "The video is 9.8 s long, not 10 s.",
    "The video is 9.8 s long, not 10 s. Sound was requested but the video has no audio track.",
    "RunComfy accepted the cancel request; it stops the job shortly.",
    "RunningHub can't stop a job that has already started: it will finish and may be charged. "
    "The video will still be saved here.",
    "Couldn't cancel: RunComfy did not answer in time (ReadTimeout). The job goes on and will "
    "be saved.",
]


def _job(provider: str, state: JobState, **extra) -> JobRecord:
    request = {
        "prompt": "一只猫慢慢转身",
        "duration": 10,
        "sound": True,
        "shot_type": "intelligent",
        "multi_prompt": [{"prompt": "镜头推近", "duration": 5}, {"prompt": "拉远", "duration": 5}],
        "end_image": None,
    }
    fields = {
        "id": "0123456789ab",
        "owner": "o",
        "provider": provider,
        "request": request,
        "state": state,
        "request_id": "rc-1" if provider != "preview" else None,
        "created_at": 1000.0,
        "cost_estimate": 1.2,
        "currency": "USD",
        **extra,
    }
    return JobRecord(**fields)


def _states():
    probe = {
        "width": 1280,
        "height": 720,
        "duration": 10.0,
        "fps": 24.0,
        "video_codec": "h264",
        "has_audio": True,
        "audio_codec": "aac",
    }
    for provider in ("preview", "runcomfy", "runninghub"):
        yield _job(provider, JobState.SUBMITTING)
        yield _job(provider, JobState.QUEUED, queue_position=2, expected_at=1200.0)
        yield _job(provider, JobState.RUNNING, expected_at=1090.0)
        yield _job(provider, JobState.RUNNING, progress=0.4, trouble_since=1020.0)
        yield _job(provider, JobState.SAVING)
        for notice in [None, *NOTICES]:
            yield _job(
                provider,
                JobState.SUCCEEDED,
                cost=0.9,
                probe=probe,
                notice=notice,
                finished_at=1094.0,
            )
        for state in (JobState.NOT_SAVED, JobState.WAITING_FOR_KEY, JobState.UNKNOWN):
            yield _job(provider, state, error_message=ENDINGS[1])
        for ending in ENDINGS:
            for state in (JobState.FAILED, JobState.CANCELED):
                yield _job(provider, state, error_message=ending, finished_at=1050.0)
        yield _job(provider, JobState.CANCELED, queue_position=0, submitted_at=1001.0)


@pytest.mark.parametrize("job", list(_states()), ids=lambda j: f"{j.provider}-{j.state}")
def test_every_job_state_on_every_provider_is_said_in_chinese(job: JobRecord):
    assert_chinese(status_markdown(job, now=1060.0, lang=ZH))
    assert_chinese(details_markdown(job, ZH, now=1060.0))
    assert_chinese(" ".join(" ".join(row) for row in history_rows([job], ZH)))


def card_text(markup: str) -> str:
    """What a card shows and a screen reader says: its text and its buttons' names."""
    names = " ".join(re.findall(r'aria-label="([^"]*)"', markup))
    return html.unescape(re.sub(r"<[^>]+>", " ", markup) + " " + names)


def test_every_card_in_the_tray_and_history_is_said_in_chinese(studio):
    jobs = list(_states())
    film = _job("runcomfy", JobState.SUCCEEDED, kind="film", finished_at=1094.0)
    film.request["prompt"] = str(said("story.film_prompt", shots="3", prompts="猫 / 狗 / 鸟"))
    for compact in (False, True):
        for job in [*jobs, film]:
            text = card_text(cards_html(studio, [job], ZH, None, None, compact=compact))
            assert "一只猫" in text or "猫 / 狗" in text, text  # the card was drawn
            assert_chinese(text)


def test_a_story_film_is_said_in_chinese():
    film = _job("runcomfy", JobState.SUCCEEDED, kind="film", finished_at=1094.0)
    film.request["prompt"] = str(
        said("story.film_prompt", shots=said("count.shots.other", n=3), prompts="猫 / 狗 / 鸟")
    )
    assert_chinese(status_markdown(film, now=1100.0, lang=ZH))
    assert_chinese(details_markdown(film, ZH))
    assert_chinese(" ".join(history_rows([film], ZH)[0]))


BAD_REQUESTS = [
    {"image": "", "prompt": " "},
    {"image": "http://x.test/a.jpg", "prompt": "x" * 3000, "duration": 40},
    {"image": "a.jpg", "prompt": "p", "duration": "ten", "sound": "loud", "shot_type": "wide"},
    {"image": "a.jpg", "prompt": "p", "model": "kling-v9"},
    {"image": "a.jpg", "prompt": "p", "duration": 10, "end_image": "b.jpg",
     "multi_prompt": [{"prompt": "", "duration": 2}, {"prompt": "q" * 600, "duration": 5}]},
    {"image": "a.jpg", "prompt": "p", "duration": 10, "multi_prompt": [{"prompt": "a"}]},
    {"image": "a.jpg", "prompt": "p", "colour": "red"},
]  # fmt: skip


@pytest.mark.parametrize("fields", BAD_REQUESTS)
def test_every_problem_with_a_request_is_said_in_chinese(fields):
    with pytest.raises(InputError) as caught:
        parse_request(fields)
    shown = problem_words(problems_of(caught.value), ZH)
    assert_chinese(shown)
    # ...while scripts (CLI, API) keep the English words, unchanged.
    assert "nothing was sent" in problem_words(problems_of(caught.value))


def test_what_a_model_cant_do_is_said_in_chinese():
    """request._check_model_rules' problems (no shipped model refuses these yet)."""
    name = "Kling O3 Standard"
    problems = {
        "duration": said("problem.model_durations_range", model=name, low=3, high=10, value=12),
        "d2": said("problem.model_durations_list", model=name, choices="5, 10", value=7),
        "sound": said("problem.model_no_sound", model=name),
        "end_image": said("problem.model_no_end", model=name),
        "multi_prompt": said("problem.model_no_segments", model=name),
        "shot_type": said(
            "problem.model_shot_types", model=name, choices=listed([said("shot.customize")])
        ),
    }
    assert_chinese(problem_words(problems_of(InputError(problems)), ZH))


def test_spending_refusals_and_key_words_are_said_in_chinese():
    refusals = [
        SpendingRefused(said("spend.byok_only", provider="RunComfy")),
        SpendingRefused(
            said("spend.rate", count=3, period=said("period.day"), wait=said("wait.hours", hours=2))
        ),
        SpendingRefused(said("spend.cap", cap="5.00", spent="4.80", wanted="0.90")),
        SpendingRefused(said("spend.own_limit", limit="2.00", spent="1.50", wanted="0.90")),
        InFlightRefused(4),
        InFlightRefused(1),
    ]  # fmt: skip
    for refusal in refusals:
        assert_chinese(problem_words(problems_of(refusal), ZH))
    for words_made in [
        "RunningHub needs an API key: paste yours under “Your API keys”.",
        "✓ RunningHub: ready, balance ¥12.00, 2 jobs running.",
        "⚠ RunComfy refused the key: RunComfy rejected the API key (wrong or expired): check "
        "the key.",
        "Type your RunComfy key in the field above, then press Check key (nothing was sent).",
        "Too many key checks from here: wait a minute, then try again.",
        "The offline preview needs no key.",
        "RunComfy doesn't offer Kling O3 Standard; choose RunningHub or Offline preview (free).",
        "Your RunningHub balance is ¥1.00; this clip costs about ¥4.35. Top up, or choose a "
        "shorter clip or no sound.",
        "That was a lot at once: wait a few seconds and try again.",
    ]:
        assert_chinese(say_text(ZH, words_made))


@pytest.mark.parametrize("rules", [RUNCOMFY_ERRORS, RUNNINGHUB_ERRORS], ids=["rc", "rh"])
def test_every_answer_in_the_adapters_error_tables_is_said_in_chinese(rules):
    """The adapters' words and said_jobs.py's templates must stay the same words: a rule
    reworded there without its template here is English on a Chinese page."""
    for rule in rules:
        for message in ("", "内部错误"):
            answer = ErrorAnswer(status=400, code="1234", message=message, body="")
            assert_chinese(say_text(ZH, rule.error_for(answer, None).user_message))


def test_frame_notes_are_said_in_chinese():
    note = (
        "⚠ Start frame is 200x150; each side must be at least 300 px.\n\n"
        "⚠ The end frame is 16:9 but the start frame is 9:16: the video would squash it. Crop "
        "both to one shape (below) or choose frames of the same shape.\n\n"
        "ℹ End frame has transparent areas: they will be filled with white."
    )
    assert_chinese(say_lines(ZH, note))


def test_the_forms_words_are_said_in_chinese():
    for provider in ("preview", "runcomfy", "runninghub"):
        for sound in (False, True):
            assert_chinese(cost_markdown(provider, 10, sound, None, ZH))
    assert_chinese(cost_markdown("runcomfy", 5, False, "kling-video-o3-std", ZH))
    assert_chinese(which_provider_markdown(ZH))
    assert_chinese(spend_markdown({"USD": 1.2, "CNY": 4.0}, 5.0, ZH))
    assert_chinese(spend_markdown({}, 5.0, ZH))
    assert_chinese(prompt_counter("x" * 3000, 2500, ZH))
    for seconds in ([], [5, 5], [3, 3], [9, 9]):
        assert_chinese(segment_total_markdown(10, seconds, ZH))
    assert_chinese(" ".join(history_headers(ZH)))


def test_the_story_tabs_words_are_said_in_chinese():
    from kling_ui.shots import Shot

    shots = [Shot("猫", 5, True), Shot("狗", 4)]
    for provider in ("preview", "runcomfy", "runninghub"):
        assert_chinese(story_cost(provider, shots, ZH))
    assert_chinese(story_cost("preview", shots[:1], ZH))
    run = StoryRun(
        shots=3,
        outcomes=[
            Outcome(1, "succeeded", cost=0.5, currency="USD"),
            Outcome(2, "succeeded", reused=True),
            Outcome(3, "failed", error=ENDINGS[3]),
            Outcome(4, "skipped", error=said("story.skipped")),
        ],
        error=said("story.broken", folder="abc"),
    )
    assert_chinese(progress_markdown(run, "runcomfy", ZH))
    run.error = None
    assert_chinese(progress_markdown(run, "runcomfy", ZH))


def test_counted_words_are_plural_correct_in_english():
    from kling_ui.ui.present import count_words

    assert count_words(None, "shots", 1) == "1 shot"
    assert count_words(None, "shots", 3) == "3 shots"
    assert "shot(s)" not in story_cost("preview", [], None)
    film = said("story.film_prompt", shots=said("count.shots.other", n=3), prompts="a / b / c")
    assert film == "Story of 3 shots: a / b / c"  # no "(nothing in all)"


def test_the_segment_editors_words_are_said_in_chinese():
    from kling_ui.ui.segments import (
        MAX_ROWS,
        add_label,
        add_said,
        clamp_notes,
        row_problems,
        split_evenly,
        total_words,
    )

    assert f"segment.{MAX_ROWS}.prompt" in words.EN  # a label for every row
    notes = row_problems(["", "x" * 600, "好", "好", ""], [3, 30, None, 5, 3], 4, ZH)
    assert_chinese(" ".join(notes))
    for count in (0, 2, MAX_ROWS):
        assert_chinese(add_label(count, ZH).value)
    made = [split_evenly([], 10, ZH), split_evenly([("a", 3)] * 4, 10, ZH)]
    made += [split_evenly([("a", 3)] * 2, 10, ZH), add_said([("a", 8), ("b", 7)], 15, ZH)]
    for rows, note in made:
        assert note and rows is not None
        assert_chinese(say_text(ZH, note))
    for seconds in ([], [5, 5], [9, 9]):
        assert_chinese(total_words(ZH, seconds))
    assert_chinese(clamp_notes(ZH, [2, 30], 2))


def test_details_cut_a_long_segment_prompt_at_a_words_end():
    job = _job("runcomfy", JobState.SUCCEEDED, finished_at=1004.0)
    job.request["multi_prompt"] = [
        {"prompt": "Pan right across the glowing skyline as windows flicker on", "duration": 10}
    ]
    details = details_markdown(job)
    assert "10 s: Pan right across the glowing skyline…" in details
    assert "- **Time to make it:** 4 s" in details  # the making, said as such, in Details
    assert "4 s" not in status_markdown(job, now=1005.0)  # not beside a 10 s clip
