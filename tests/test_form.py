"""The form agrees with itself (issue #28): a refused key never becomes a job, the clip's
length follows its segments, a fixed problem leaves at once."""

from __future__ import annotations

import pytest

from kling_ui.errors import InputError
from kling_ui.service import Caller

from .conftest import RC_KEY


def _fields(settings, make_image) -> dict:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    frame = make_image((1280, 720))
    inside = settings.data_dir / "start.png"  # a visitor may hand in files under data_dir
    inside.write_bytes(frame.read_bytes())
    return {"image": str(inside), "prompt": "slow push in", "duration": 5}


async def test_a_refused_key_never_becomes_a_job_and_says_not_charged(
    studio, settings, make_image, fake_rc
):
    visitor = Caller("b-visitor", address="addr-1")
    with pytest.raises(InputError) as refused:
        await studio.generate(
            visitor, _fields(settings, make_image), provider="runcomfy", api_key="wrong-key-1"
        )
    said = refused.value.problems
    assert "provider" in said and "refused the key" in said["provider"]
    assert "not charged" in said["provider"].lower()
    assert "wrong-key-1" not in repr(said)
    assert studio.jobs(visitor) == []
    assert fake_rc.submits == 0


async def test_an_accepted_key_is_checked_once_then_trusted(studio, settings, make_image, fake_rc):
    visitor = Caller("b-visitor", address="addr-2")
    fields = _fields(settings, make_image)
    first = await studio.generate(visitor, fields, provider="runcomfy", api_key=RC_KEY)
    checks = len(fake_rc.calls_to("account"))
    again = {**fields, "prompt": "a second clip"}
    second = await studio.generate(visitor, again, provider="runcomfy", api_key=RC_KEY)
    assert first.id != second.id
    assert len(fake_rc.calls_to("account")) == checks  # trusted; the balance read is kept
