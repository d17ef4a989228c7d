"""Live tests read the real keys: the suite-wide fixture that hides a developer's keys from
every other test is replaced here by one that keeps them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_keys() -> None:
    """Overrides tests/conftest.py's fixture of the same name: live tests need the keys."""
