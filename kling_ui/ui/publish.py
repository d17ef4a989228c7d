"""Hand a stored file to the page without exposing the data directory.

The data directory is not servable (it holds every visitor's videos and the job store).
To show one of its files, the studio links it into Gradio's upload folder under a fresh
random name: that link is a capability only the viewer who asked for it receives.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from gradio.utils import get_upload_folder

PUBLISH_DIR = "kling-ui"


def publish(path: str | os.PathLike[str] | None) -> str | None:
    """A servable path for `path` (a hard link, or a copy across file systems)."""
    if not path:
        return None
    source = Path(path)
    if not source.is_file():
        return None
    folder = Path(get_upload_folder()) / PUBLISH_DIR / secrets.token_urlsafe(16)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    try:
        os.link(source, target)  # instant, and no second copy of a large video
    except OSError:
        shutil.copy2(source, target)
    return str(target)
