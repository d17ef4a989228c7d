"""Adding a provider is one class, one registry line and its offer in the model catalogue:
everything else finds it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from kling_ui import models, pricing
from kling_ui.__main__ import build_parser
from kling_ui.config import Settings
from kling_ui.keys import configured_providers
from kling_ui.logs import setup_logging
from kling_ui.providers.base import HTTPProvider, Inputs, JobStatus, Running
from kling_ui.providers.factory import create_provider
from kling_ui.providers.registry import PROVIDERS
from kling_ui.service import Studio
from kling_ui.services import build_services
from kling_ui.ui.form import form_input_names, provider_choices
from kling_ui.ui.present import cost_markdown
from kling_ui.ui.studio import build_studio


class ThrowawayProvider(HTTPProvider):
    """A provider that exists only in this test: no other module names it."""

    name = "throwaway"
    label = "Throwaway Video"
    key_env = "THROWAWAY_API_KEY"
    base_url_env = "THROWAWAY_BASE_URL"
    default_base_url = "https://api.throwaway.test"
    currency = "EUR"

    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        return {}

    async def submit(self, payload: dict[str, Any]) -> str:
        return "t-1"

    async def status(self, request_id: str) -> JobStatus:
        return Running()


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Settings:
    monkeypatch.setitem(PROVIDERS, "throwaway", ThrowawayProvider)
    offer = models.Offer(
        endpoint="kling-o3-pro",
        fields=models.RUNCOMFY_O3_FIELDS,
        price_per_second=(0.5, 0.75),
        currency="EUR",
    )
    o3_pro = models.with_offer(models.DEFAULT_MODEL, "throwaway", offer)
    monkeypatch.setitem(models.CATALOGUE, models.DEFAULT_MODEL, o3_pro)
    monkeypatch.setenv("THROWAWAY_API_KEY", "throwaway-secret-1234")
    monkeypatch.setenv("THROWAWAY_BASE_URL", "https://eu.throwaway.test/")
    return Settings(_env_file=None, data_dir=tmp_path / "data")


def test_settings_read_the_new_providers_own_variables(registered: Settings) -> None:
    assert registered.server_key("throwaway") == "throwaway-secret-1234"
    assert registered.base_url("throwaway") == "https://eu.throwaway.test"
    assert "throwaway-secret-1234" not in repr(registered)
    assert "throwaway" in configured_providers(registered)


def test_a_dotenv_file_is_read_for_the_new_provider_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setitem(PROVIDERS, "throwaway", ThrowawayProvider)
    env = tmp_path / ".env"
    env.write_text("THROWAWAY_API_KEY=from-dotenv-5678\n")
    settings = Settings(_env_file=env, data_dir=tmp_path / "data")
    assert settings.server_key("throwaway") == "from-dotenv-5678"


def test_the_form_the_cli_and_the_estimate_offer_it(registered: Settings) -> None:
    assert ("Throwaway Video", "throwaway") in provider_choices(registered)
    assert "throwaway_key" in form_input_names()
    provider_action = next(
        action
        for sub in build_parser()._subparsers._group_actions  # argparse keeps them here
        for name, parser in sub.choices.items()
        if name == "generate"
        for action in parser._actions
        if "--provider" in action.option_strings
    )
    assert "throwaway" in provider_action.choices
    assert pricing.estimate("throwaway", 4, sound=True) == pricing.Estimate(3.0, "EUR")
    assert "3.00 EUR" in cost_markdown("throwaway", 4, True)


def test_the_studio_builds_a_key_field_for_it(registered: Settings) -> None:
    services = build_services(registered)
    demo = build_studio(Studio(services))
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert "throwaway-key" in ids
    services.store.close()


async def test_it_is_built_with_its_key_and_url_and_its_key_is_redacted(
    registered: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        provider = create_provider("throwaway", settings=registered, client=client)
    assert isinstance(provider, ThrowawayProvider)
    assert provider.base_url == "https://eu.throwaway.test"
    redactor = setup_logging(registered)
    try:
        assert "***" in redactor.redact("sent throwaway-secret-1234 to the API")
        assert "throwaway-secret-1234" not in redactor.redact("key throwaway-secret-1234")
    finally:
        logging.getLogger().handlers.clear()


@pytest.mark.parametrize("name", [n for n, c in PROVIDERS.items() if c.needs_key])
def test_the_docs_name_every_providers_variables(name: str) -> None:
    from .conftest import ROOT

    cls = PROVIDERS[name]
    for doc in ("README.md", ".env.example"):
        text = (ROOT / doc).read_text()
        assert cls.key_env in text and cls.base_url_env in text, f"{doc} misses {name}"
