"""Spending safety: bring-your-own-key only, a daily cap on server keys, a per-visitor limit."""

from __future__ import annotations

import asyncio

import pytest

from kling_ui.config import parse_rate_limit
from kling_ui.jobs import JobManager
from kling_ui.request import parse_request
from kling_ui.spending import SpendingRefused
from kling_ui.store import JobStore


@pytest.fixture
async def make_manager(settings, client, clock):
    managers = []

    def make(**changes) -> JobManager:
        custom = settings.model_copy(update=changes)
        manager = JobManager(custom, JobStore(custom.db_path), client, clock=clock)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        await manager.aclose()


def request_for(make_image, **fields):
    return parse_request({"image": str(make_image()), "prompt": "p", **fields})


async def test_byok_only_refuses_server_keys_but_not_a_visitors_own(
    make_manager, make_image, fake_rc
):
    manager = make_manager(byok_only=True)
    with pytest.raises(SpendingRefused) as caught:
        await manager.submit(request_for(make_image), provider="runcomfy", owner="v1", visitor=True)
    assert caught.value.user_message.startswith(
        "This studio doesn't pay for generations: paste your own RunComfy key"
    )
    assert fake_rc.calls == [] and manager.store.list() == []
    assert list(manager.settings.inputs_dir.glob("*")) == []  # its frames were not kept

    fake_rc.api_key = "visitor-own-key"
    job = await manager.submit(
        request_for(make_image),
        provider="runcomfy",
        owner="v1",
        api_key="visitor-own-key",
        visitor=True,
    )
    assert (await manager.wait(job.id)).state == "succeeded"
    preview = await manager.submit(
        request_for(make_image, duration=3), provider="preview", owner="v1", visitor=True
    )
    assert (await manager.wait(preview.id)).state == "succeeded"
    # The operator's own CLI is not a visitor.
    fake_rc.api_key = manager.settings.server_key("runcomfy")
    operator = await manager.submit(request_for(make_image), provider="runcomfy")
    assert (await manager.wait(operator.id)).state == "succeeded"


async def test_the_daily_cap_counts_todays_server_spend(make_manager, make_image, fake_rc):
    manager = make_manager(daily_cap_usd=1.0)  # a 5 s RunComfy clip is about $0.56
    first = await manager.submit(
        request_for(make_image), provider="runcomfy", owner="a", visitor=True
    )
    assert (await manager.wait(first.id)).state == "succeeded"
    with pytest.raises(SpendingRefused) as caught:
        await manager.submit(request_for(make_image), provider="runcomfy", owner="b", visitor=True)
    message = caught.value.user_message
    assert "Today's spending limit for this studio ($1.00) is reached" in message
    assert "$0.56 used" in message and "resets at midnight UTC" in message
    assert fake_rc.submits == 1
    # A visitor's own key is not capped, nor is the free preview.
    fake_rc.api_key = "own"
    own = await manager.submit(
        request_for(make_image), provider="runcomfy", owner="b", api_key="own", visitor=True
    )
    assert (await manager.wait(own.id)).state == "succeeded"


async def test_the_rate_limit_counts_each_visitor_separately(make_manager, make_image):
    manager = make_manager(rate_limit="2/hour")
    for take in range(2):
        await manager.submit(
            request_for(make_image, duration=3, prompt=f"take {take}"),
            provider="preview",
            owner="busy",
            visitor=True,
        )
    with pytest.raises(SpendingRefused) as caught:
        await manager.submit(
            request_for(make_image, duration=3, prompt="take 3"),
            provider="preview",
            owner="busy",
            visitor=True,
        )
    assert caught.value.user_message.startswith(
        "You've started 2 generations in the last hour, the limit here. Try again in"
    )
    other = await manager.submit(
        request_for(make_image, duration=3), provider="preview", owner="someone-else", visitor=True
    )
    assert other.owner == "someone-else"
    assert len(manager.store.list(owner="busy")) == 2


async def test_simultaneous_requests_cannot_slip_past_the_limit(make_manager, make_image):
    manager = make_manager(rate_limit="3/hour")
    outcomes = await asyncio.gather(
        *(
            manager.submit(
                request_for(make_image, duration=3, prompt=f"take {take}"),
                provider="preview",
                owner="racer",
                visitor=True,
            )
            for take in range(8)
        ),
        return_exceptions=True,
    )
    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(accepted) == 3
    assert all(isinstance(o, SpendingRefused) for o in outcomes if o not in accepted)


def test_rate_limit_setting_shapes():
    assert parse_rate_limit("5/hour") == (5, 3600.0)
    assert parse_rate_limit(" 10/day ") == (10, 86400.0)
    for bad in ("5", "five/hour", "0/hour", "5/week"):
        with pytest.raises(ValueError, match="must look like 5/hour"):
            parse_rate_limit(bad)


def test_a_bad_rate_limit_is_a_config_error(monkeypatch):
    from kling_ui.config import load_settings
    from kling_ui.errors import ConfigError

    monkeypatch.setenv("KLING_UI_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="KLING_UI_RATE_LIMIT"):
        load_settings(_env_file=None)


async def test_a_fresh_browser_id_does_not_reset_the_rate_limit(make_manager, make_image):
    # Visitors can always clear their cookies; the limit follows their network address.
    manager = make_manager(rate_limit="2/hour")
    for take in range(2):
        await manager.submit(
            request_for(make_image, duration=3, prompt=f"take {take}"),
            provider="preview",
            owner=f"b-fresh-{take}",
            caller="same-address",
            visitor=True,
        )
    with pytest.raises(SpendingRefused):
        await manager.submit(
            request_for(make_image, duration=3, prompt="take 3"),
            provider="preview",
            owner="b-fresh-3",
            caller="same-address",
            visitor=True,
        )


async def test_a_refused_visitor_costs_no_decode(make_manager, make_image, tmp_path):
    """The spending rules run before the frames are decoded: this frame can't be decoded
    at all, and a refused visitor hears the refusal, not the damage (its frame was never
    opened). An admitted visitor's frame is still checked before anything is stored."""
    from kling_ui.errors import InputError
    from kling_ui.testing.pictures import blank_png

    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(blank_png(4000, 3000, rows=20)[:-30])  # cut off mid-data
    manager = make_manager(rate_limit="1/hour", byok_only=True)
    fields = {"image": str(damaged), "prompt": "again", "duration": 3}
    with pytest.raises(InputError, match="looks damaged"):  # admitted: the frame is judged
        await manager.submit(parse_request(fields), provider="preview", owner="v", visitor=True)
    await manager.submit(
        request_for(make_image, duration=3), provider="preview", owner="v", visitor=True
    )
    for provider in ("preview", "runcomfy"):  # over the rate limit; a server key (BYOK only)
        owner = "v" if provider == "preview" else "w"
        with pytest.raises(SpendingRefused):
            await manager.submit(
                parse_request(fields), provider=provider, owner=owner, visitor=True
            )
    assert len(manager.store.list()) == 1
