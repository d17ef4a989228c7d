"""Adding a model is one catalogue entry: the form, the CLI, the estimate, the request rules,
the adapter and the fake all find it, with no other edit."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from kling_ui import models, pricing
from kling_ui.__main__ import build_parser, main
from kling_ui.errors import InputError
from kling_ui.request import parse_request
from kling_ui.testing import FakeRunComfy
from kling_ui.ui.api_schema import strict_fields
from kling_ui.ui.form import model_choices, model_for
from kling_ui.ui.present import cost_markdown

from .conftest import fakes_on

THROWAWAY = "kling-v3-std"
ENDPOINT = "kling/kling-3.0/standard/image-to-video"


def throwaway_model() -> models.ModelEntry:
    """Kling 3.0 Standard on RunComfy, as a user of the catalogue would add it: its own
    start frame field, its own endpoint and price, its own rules."""
    return models.ModelEntry(
        id=THROWAWAY,
        label="Kling 3.0 Standard",
        resolution="720p",
        durations=(5, 10),
        sound=True,
        end_frame=False,
        segments=False,
        shot_types=("customize",),
        offers={
            "runcomfy": models.Offer(
                endpoint=ENDPOINT,
                fields=models.WireFields(
                    start_frame="start_image_url",
                    prompt="prompt",
                    duration="duration",
                    sound="sound",
                    shot_type="shot_type",
                ),
                price_per_second=(0.07, 0.105),
                currency="USD",
            )
        },
    )


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> models.ModelEntry:
    entry = throwaway_model()
    monkeypatch.setitem(models.CATALOGUE, entry.id, entry)
    return entry


@pytest.fixture
def fake_rc(registered, clock) -> FakeRunComfy:
    # Built once the model is in the catalogue: the fake serves each catalogue model's path.
    # On the jobs' clock, as every fake: a fake on real time never finishes for a manager
    # whose clock jumps over its waits.
    return fakes_on(clock)[0]


def test_the_form_offers_it_where_its_provider_runs_it(registered, settings) -> None:
    from kling_ui.service import Studio
    from kling_ui.services import build_services
    from kling_ui.ui.studio import build_studio

    assert ("Kling 3.0 Standard", THROWAWAY) in model_choices("runcomfy")
    assert ("Kling 3.0 Standard", THROWAWAY) in model_choices("preview")  # renders any model
    assert THROWAWAY not in [m for _, m in model_choices("runninghub")]
    # Switching provider keeps the model where it runs, else falls back to the default.
    assert model_for("runcomfy", THROWAWAY).value == THROWAWAY
    assert model_for("runninghub", THROWAWAY).value == models.DEFAULT_MODEL
    services = build_services(settings)
    demo = build_studio(Studio(services))
    [radio] = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "model"]
    assert (("Kling 3.0 Standard", THROWAWAY)) in [tuple(c) for c in radio.choices]
    services.store.close()


def test_the_cli_lists_it_and_takes_it(registered, capsys: pytest.CaptureFixture) -> None:
    model_action = next(
        action
        for sub in build_parser()._subparsers._group_actions  # argparse keeps them here
        for name, parser in sub.choices.items()
        if name == "generate"
        for action in parser._actions
        if "--model" in action.option_strings
    )
    assert THROWAWAY in model_action.choices
    assert model_action.default == models.DEFAULT_MODEL
    assert main(["models"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["runcomfy", THROWAWAY, "Kling", "3.0", "Standard", "0.07", "0.105", "USD"] in rows
    assert not [row for row in rows if row[:2] == ["runninghub", THROWAWAY]]


def test_the_estimate_and_the_api_use_it(registered) -> None:
    assert pricing.estimate("runcomfy", 10, True, THROWAWAY) == pricing.Estimate(1.05, "USD")
    assert pricing.estimate("preview", 10, True, THROWAWAY).amount == 0
    assert "$0.35" in cost_markdown("runcomfy", 5, False, THROWAWAY)
    assert "Kling 3.0 Standard" in cost_markdown("runcomfy", 5, False, THROWAWAY)
    given = {
        "prompt": "p",
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "multi_prompt": [],
        "provider": "runcomfy",
    }
    assert strict_fields(**given, model=THROWAWAY)["model"] == THROWAWAY
    assert strict_fields(**given, model=None)["model"] == models.DEFAULT_MODEL  # JSON null
    with pytest.raises(InputError) as caught:
        strict_fields(**given, model=3)
    assert caught.value.problems["model"].startswith("model must be one of:")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration": 7}, "duration"),
        ({"end_image": "https://cdn.test/end.jpg"}, "end_image"),
        ({"multi_prompt": [{"prompt": "a", "duration": 5}]}, "multi_prompt"),
        ({"shot_type": "intelligent"}, "shot_type"),
    ],
)
def test_its_own_rules_are_checked(registered, fields, field) -> None:
    base = {"image": "https://cdn.test/a.jpg", "prompt": "p", "duration": 5, "model": THROWAWAY}
    with pytest.raises(InputError) as caught:
        parse_request({**base, **fields})
    assert field in caught.value.problems
    parse_request({**base, **fields, "model": models.DEFAULT_MODEL})  # O3 Pro allows it


async def test_its_body_reaches_its_own_endpoint_in_its_field_names(
    registered, manager, make_image, fake_rc
) -> None:
    request = parse_request(
        {"image": str(make_image()), "prompt": "Slow push in.", "duration": 5, "model": THROWAWAY}
    )
    job = await manager.submit(request, provider="runcomfy")
    job = await asyncio.wait_for(manager.wait(job.id), timeout=30)
    assert job.state == "succeeded", job.error_message
    [call] = fake_rc.calls_to("submit")
    assert call["path"] == f"/v1/models/{ENDPOINT}"
    assert call["json"]["start_image_url"].startswith("data:image/jpeg;base64,")
    assert "image" not in call["json"]
    assert job.model == THROWAWAY and job.cost_estimate == 0.35 and job.cost == 0.35
    with sqlite3.connect(manager.store.path) as db:
        [(recorded,)] = db.execute("SELECT model FROM ledger WHERE job_id = ?", (job.id,))
    assert recorded == THROWAWAY


async def test_a_provider_that_does_not_run_it_refuses_it_before_anything_is_sent(
    registered, manager, make_image, fake_rh
) -> None:
    request = parse_request(
        {"image": str(make_image()), "prompt": "p", "duration": 5, "model": THROWAWAY}
    )
    with pytest.raises(InputError) as caught:
        await manager.submit(request, provider="runninghub")
    assert "RunningHub doesn't offer Kling 3.0 Standard" in caught.value.problems["model"]
    assert fake_rh.calls == [] and manager.store.list() == []
