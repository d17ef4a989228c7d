"""No text a user types can make a paid video's file name fail."""

from __future__ import annotations

import re

import pytest

from kling_ui.names import video_file_name
from kling_ui.request import parse_request
from kling_ui.store import JobRecord

NAME = re.compile(r"^(kling|preview)-\d{8}-\d{4}-[a-z0-9-]+-[0-9a-f]{12}\.mp4$")


@pytest.mark.parametrize(
    "prompt",
    [
        "a" * 2500,
        "slow push in " + "x" * 300 + " then pan",
        "镜头缓缓推进，她转身微笑",
        "🎬🌅✨ sunrise 🌄",
        "../../etc/passwd and \\windows\\system32",
        "nul\x00byte\x00inside",
        "",
        "   ",
        "Ünïcödé wörds Ōnly",
    ],
)
def test_every_prompt_gives_a_short_safe_name(prompt: str, tmp_path) -> None:
    job = JobRecord(
        id="0123456789ab", owner="local", provider="preview", request={"prompt": prompt}
    )
    name = video_file_name(job)
    assert NAME.match(name), name
    assert len(name.encode()) <= 120
    (tmp_path / name).write_bytes(b"ok")  # the file system takes it


async def test_a_paid_job_with_one_huge_word_saves_its_video(manager, make_image, fake_rc):
    request = parse_request({"image": str(make_image()), "prompt": "w" * 2500, "duration": 3})
    job = await manager.wait((await manager.submit(request, provider="runcomfy")).id)
    assert job.state == "succeeded", job.error_message
    assert len(job.video_path.rsplit("/", 1)[-1].encode()) < 255


def test_a_preview_is_never_named_like_klings_output() -> None:
    """A downloaded animatic must not pass for a real Kling clip (issue #28)."""
    preview = JobRecord(id="0123456789ab", owner="o", provider="preview", request={"prompt": "a"})
    paid = JobRecord(id="0123456789ab", owner="o", provider="runcomfy", request={"prompt": "a"})
    assert video_file_name(preview).startswith("preview-")
    assert video_file_name(paid).startswith("kling-")
