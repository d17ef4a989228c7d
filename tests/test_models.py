"""The model catalogue: every fact sourced, O3 Pro's wire bodies unchanged byte for byte,
and O3 Standard on each provider at its own endpoint, in its own field names, at its own
price (against the fakes)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest

from kling_ui import models, pricing
from kling_ui.errors import InputError
from kling_ui.identity import request_identity
from kling_ui.images import PreparedImage
from kling_ui.providers.base import Inputs
from kling_ui.providers.runcomfy import RunComfyProvider
from kling_ui.providers.runninghub import RunningHubProvider
from kling_ui.request import parse_request

STD = "kling-video-o3-std"


@pytest.mark.parametrize("model", list(models.CATALOGUE))
def test_every_fact_in_the_catalogue_says_where_it_comes_from(model: str) -> None:
    entry = models.CATALOGUE[model]
    sourced = [(name, entry.facts.get(name)) for name in models.fact_names(models.ModelEntry)]
    for provider, offer in entry.offers.items():
        sourced += [
            (f"{provider}.{name}", offer.facts.get(name))
            for name in models.fact_names(models.Offer)
        ]
    missing = [name for name, source in sourced if source is None or not source.source]
    assert not missing, f"{model}: facts without a source: {missing}"


def test_the_default_model_is_o3_pro_everywhere() -> None:
    assert models.DEFAULT_MODEL == "kling-video-o3-pro"
    assert parse_request({"image": "https://cdn.test/a.jpg", "prompt": "p"}).model == (
        models.DEFAULT_MODEL
    )
    assert models.offer("runcomfy").endpoint == "kling/kling-video-o3/pro/image-to-video"
    assert models.offer("runninghub").endpoint == "kling-video-o3-pro/image-to-video"


# --- O3 Pro: the bodies sent before the catalogue, pinned byte for byte ---------------------

_START = PreparedImage(b"", "image/jpeg", 800, 600, "s", url="https://cdn.test/start.jpg")
_END = PreparedImage(b"", "image/jpeg", 800, 600, "e", url="https://cdn.test/end.jpg")
_CASES = {
    "single": {"duration": 7, "sound": True},
    "intelligent": {"shot_type": "intelligent"},
    "segments": {
        "duration": 7,
        "multi_prompt": [{"prompt": "a", "duration": 3}, {"prompt": "b", "duration": 4}],
    },
    "end_frame": {"end_image": "https://cdn.test/end.jpg"},
}
# What the adapters sent before the catalogue (printed by that code): O3 Pro must not change.
PINNED = {
    ("runcomfy", "single"): (
        '{"image": "https://cdn.test/start.jpg", "prompt": "Slow push in.", '
        '"duration": 7, "sound": true, "shot_type": "customize"}'
    ),
    ("runcomfy", "intelligent"): (
        '{"image": "https://cdn.test/start.jpg", "prompt": "Slow push in.", '
        '"duration": 5, "sound": false, "shot_type": "intelligent"}'
    ),
    ("runcomfy", "segments"): (
        '{"image": "https://cdn.test/start.jpg", "prompt": "Slow push in.", '
        '"duration": 7, "sound": false, "shot_type": "customize", '
        '"multi_prompt": [{"prompt": "a", "duration": 3}, {"prompt": "b", '
        '"duration": 4}]}'
    ),
    ("runcomfy", "end_frame"): (
        '{"image": "https://cdn.test/start.jpg", "prompt": "Slow push in.", '
        '"duration": 5, "sound": false, "shot_type": "customize", '
        '"end_image": "https://cdn.test/end.jpg"}'
    ),
    ("runninghub", "single"): (
        '{"prompt": "Slow push in.", "firstImageUrl": "https://cdn.test/start.jpg", '
        '"duration": 7, "sound": true, "multiShot": false, '
        '"webhookUrl": "https://app.test/bell"}'
    ),
    ("runninghub", "intelligent"): (
        '{"prompt": "Slow push in.", "firstImageUrl": "https://cdn.test/start.jpg", '
        '"duration": 5, "sound": false, "multiShot": true, "shotType": "intelligence", '
        '"webhookUrl": "https://app.test/bell"}'
    ),
    ("runninghub", "segments"): (
        '{"prompt": "Slow push in.", "firstImageUrl": "https://cdn.test/start.jpg", '
        '"duration": 7, "sound": false, "multiShot": true, "shotType": "customize", '
        '"multiPrompt": [{"index": 1, "prompt": "a", "duration": 3}, {"index": 2, '
        '"prompt": "b", "duration": 4}], "webhookUrl": "https://app.test/bell"}'
    ),
    ("runninghub", "end_frame"): (
        '{"prompt": "Slow push in.", "firstImageUrl": "https://cdn.test/start.jpg", '
        '"duration": 5, "sound": false, "multiShot": false, '
        '"lastImageUrl": "https://cdn.test/end.jpg", '
        '"webhookUrl": "https://app.test/bell"}'
    ),
}


@pytest.mark.parametrize(("provider", "case"), list(PINNED))
async def test_o3_pro_bodies_are_byte_for_byte_what_they_were(provider: str, case: str) -> None:
    cls = RunComfyProvider if provider == "runcomfy" else RunningHubProvider
    request = parse_request(
        {"image": "https://cdn.test/start.jpg", "prompt": "Slow push in.", **_CASES[case]}
    )
    bell = "https://app.test/bell" if provider == "runninghub" else None
    inputs = Inputs(request, _START, _END if request.end_image else None, callback_url=bell)
    async with httpx.AsyncClient() as client:
        adapter = cls(client=client, api_key="k", base_url="https://x.test")
        assert json.dumps(await adapter.prepare(inputs)) == PINNED[(provider, case)]


def test_a_default_model_request_keeps_the_identity_it_had() -> None:
    """Stories and batches find clips made before the catalogue by this identity."""
    fields = {"image": "https://cdn.test/a.jpg", "prompt": "p", "duration": 5}
    before = request_identity("runcomfy", fields)
    assert request_identity("runcomfy", {**fields, "model": models.DEFAULT_MODEL}) == before
    assert request_identity("runcomfy", {**fields, "model": STD}) != before


# --- O3 Standard against the fakes ------------------------------------------------------------

STD_PATHS = {
    "runcomfy": "/v1/models/kling/kling-video-o3/standard/image-to-video",
    "runninghub": "/openapi/v2/kling-video-o3-std/image-to-video",
}
PRO_PATHS = {
    "runcomfy": "/v1/models/kling/kling-video-o3/pro/image-to-video",
    "runninghub": "/openapi/v2/kling-video-o3-pro/image-to-video",
}
STD_PRICES = {"runcomfy": (0.084, 0.112, "USD"), "runninghub": (0.52, 0.69, "CNY")}
START_FIELD = {"runcomfy": "image", "runninghub": "firstImageUrl"}


@pytest.mark.parametrize("provider", ["runcomfy", "runninghub"])
async def test_o3_standard_goes_to_its_own_endpoint_at_its_own_price(
    provider, manager, make_image, fake_rc, fake_rh
) -> None:
    fake = fake_rc if provider == "runcomfy" else fake_rh
    request = parse_request(
        {
            "image": str(make_image()),
            "prompt": "Slow push in.",
            "duration": 5,
            "sound": True,
            "model": STD,
        }
    )
    job = await manager.submit(request, provider=provider)
    job = await asyncio.wait_for(manager.wait(job.id), timeout=30)
    assert job.state == "succeeded", job.error_message
    [call] = fake.calls_to("submit")
    assert call["path"] == STD_PATHS[provider]
    assert call["json"][START_FIELD[provider]] and call["json"]["sound"] is True
    silent, with_sound, currency = STD_PRICES[provider]
    assert pricing.price(provider, STD) == (silent, with_sound, currency)
    assert (job.model, job.cost_estimate, job.currency) == (STD, round(5 * with_sound, 2), currency)
    assert job.cost == pytest.approx(5 * with_sound)  # the fake bills the model's own price
    assert manager.store.get(job.id).model == STD
    with sqlite3.connect(manager.store.path) as db:
        [(recorded,)] = db.execute("SELECT model FROM ledger WHERE job_id = ?", (job.id,))
    assert recorded == STD


async def test_o3_pro_still_goes_where_it_went(manager, make_image, fake_rc, fake_rh) -> None:
    for provider, fake in (("runcomfy", fake_rc), ("runninghub", fake_rh)):
        request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
        job = await manager.submit(request, provider=provider)
        job = await asyncio.wait_for(manager.wait(job.id), timeout=30)
        assert job.model == models.DEFAULT_MODEL and job.state == "succeeded"
        assert fake.calls_to("submit")[0]["path"] == PRO_PATHS[provider]


async def test_the_preview_renders_o3_standard_for_free(manager, make_image) -> None:
    request = parse_request(
        {"image": str(make_image()), "prompt": "p", "duration": 3, "model": STD}
    )
    job = await manager.submit(request, provider="preview")
    job = await asyncio.wait_for(manager.wait(job.id), timeout=60)
    assert job.state == "succeeded" and job.model == STD and not job.cost_estimate


@pytest.mark.parametrize("model", list(models.CATALOGUE))
def test_the_docs_list_every_model_with_its_endpoints_and_prices(model: str) -> None:
    from .conftest import ROOT

    docs = (ROOT / "docs" / "providers.md").read_text()
    models_section = docs.split("## Models", 1)[1].split("\n## ", 1)[0]
    entry = models.CATALOGUE[model]
    assert f"`{model}`" in models_section and entry.label in models_section
    for provider, offer in entry.offers.items():
        assert f"`{offer.endpoint}`" in models_section, (provider, offer.endpoint)
        symbol = pricing.SYMBOLS[offer.currency]
        for amount in offer.price_per_second:
            assert f"{symbol}{amount:g}" in models_section, (provider, amount)


def test_the_job_card_and_details_name_the_model() -> None:
    from kling_ui.records import JobRecord
    from kling_ui.ui.present import details_markdown, job_label

    pro = JobRecord(id="a", owner="o", provider="runcomfy", request={"duration": 5})
    std = JobRecord(id="b", owner="o", provider="runcomfy", request={"duration": 5}, model=STD)
    assert job_label(pro) == "RunComfy"  # as before the catalogue
    assert job_label(std) == "RunComfy, Kling O3 Standard"
    assert "Kling O3 Pro" in details_markdown(pro) and "Kling O3 Standard" in details_markdown(std)


def test_a_batch_line_may_name_a_model(tmp_path) -> None:
    from kling_ui import assets
    from kling_ui.lines import load_lines

    image = assets.path("sunset_lake.jpg")
    file = tmp_path / "clips.jsonl"
    file.write_text(
        json.dumps({"image": str(image), "prompt": "p", "duration": 5, "provider": "runninghub"})
        + "\n"
        + json.dumps(
            {
                "image": str(image),
                "prompt": "p",
                "duration": 5,
                "provider": "runninghub",
                "model": STD,
            }
        )
        + "\n"
        + json.dumps({"image": str(image), "prompt": "p", "model": "kling-v9"})
        + "\n"
    )
    with pytest.raises(InputError) as caught:
        load_lines(file)
    assert "Unknown model 'kling-v9'" in caught.value.problems["line 3"]
    file.write_text("\n".join(file.read_text().splitlines()[:2]) + "\n")
    pro, std = load_lines(file)
    assert pro.estimate() == pricing.Estimate(3.45, "CNY")
    assert std.estimate() == pricing.Estimate(2.6, "CNY") and std.request().model == STD
