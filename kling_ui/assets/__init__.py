"""The example frames and prompts shipped inside the package (make_assets.py draws them).

Read through importlib.resources, so they are found wherever kling_ui is installed. Gradio
takes icons and images as file paths: `path` gives a real file. From a normal install the
package is a folder and that is the file itself; from a zip, as_file extracts a copy, kept
until the process ends.
"""

from __future__ import annotations

import atexit
import json
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

_extracted = ExitStack()  # copies made from a zipped install; none from a folder
atexit.register(_extracted.close)


def path(name: str) -> Path:
    """A real file for the shipped asset `name` (e.g. "sunset_lake.jpg")."""
    return _extracted.enter_context(as_file(files(__name__) / name))


def examples() -> list[dict[str, Any]]:
    """The studio's example buttons: name, frame file names, prompt and settings."""
    file = files(__name__) / "examples.json"
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else []
