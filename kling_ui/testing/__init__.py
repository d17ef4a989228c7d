"""Fake provider servers speaking the real wire protocols, for tests, benchmarks and demos."""

import os

from .fake import FakeProvider, Fault
from .fake_runcomfy import FakeRunComfy
from .fake_runninghub import FakeRunningHub
from .server import serve_on_loopback

FAKES: dict[str, type[FakeProvider]] = {"runcomfy": FakeRunComfy, "runninghub": FakeRunningHub}


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any provider keys or kling-ui settings, plus
    `extra`: what a subprocess under test (CLI, app) should start from, so a developer's real
    keys never reach a fake server."""
    from ..providers.registry import PROVIDERS

    provider_vars = {v for c in PROVIDERS.values() for v in (c.key_env, c.base_url_env) if v}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in provider_vars and not k.startswith(("RUNCOMFY_", "RUNNINGHUB_", "KLING_UI_"))
    }
    env.update(extra)
    return env


__all__ = [
    "FAKES",
    "FakeProvider",
    "FakeRunComfy",
    "FakeRunningHub",
    "Fault",
    "clean_environment",
    "serve_on_loopback",
]
