"""The example frames and prompts that ship with the studio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parents[1] / "assets"


def path(name: str) -> Path:
    return FOLDER / name


def examples() -> list[dict[str, Any]]:
    file = FOLDER / "examples.json"
    return json.loads(file.read_text()) if file.exists() else []
