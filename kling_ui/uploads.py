"""Which files a web visitor or API caller may hand the server as a frame.

Events that read frames skip Gradio's preprocessing (it would re-encode the original), so
a payload's FileData `path` reaches us as typed: any file on the server, /etc/passwd or
/dev/zero included. Gradio's own check does not run for a mounted app. Only these pass:
files in Gradio's upload cache (it received them), files in the app's data directory (it
wrote them: re-used frames), https URLs (checked for public addresses when fetched) and
data: URLs. Anything else gets one message, whether or not the file exists, and nothing
is opened. The operator's CLI is not a visitor and may use any local file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import InputError

LABELS = {"image": "Start frame", "end_image": "End frame"}


def raw_source(value: Any) -> str | None:
    """The path or URL in a FileData dict (or a plain string)."""
    if isinstance(value, dict):
        value = value.get("path") or value.get("url")
    return str(value) if value else None


def allowed_source(value: Any, *, field: str, data_dir: Path) -> str | None:
    """`value`'s source if a visitor may use it, else InputError naming the field."""
    source = raw_source(value)
    if source is None:
        return None
    if source.startswith(("https://", "data:image/")):
        return source
    label = LABELS.get(field, field)
    refusal = InputError(
        {field: f"{label}: upload the image here (a file on the server can't be used)."}
    )
    path = Path(source)
    if not path.is_absolute() or "\x00" in source:
        raise refusal
    # resolve() follows symlinks (a link in the cache to /etc is still /etc) without
    # opening anything.
    resolved = path.resolve()
    if not _inside(resolved, [Path(get_upload_folder()), data_dir]):
        raise refusal
    return str(resolved)


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path.is_relative_to(folder.resolve()) for folder in folders)


def get_upload_folder() -> str:
    """Gradio's upload folder, by Gradio's own rule (gradio.utils.get_upload_folder; a test
    holds the two equal). Not imported from it: the service layer runs without Gradio (the
    CLI, scripts, the tests' racing processes), and importing Gradio to learn a folder name
    costs such a process about 2 s of CPU at start-up and 0.5 s at exit."""
    return os.environ.get("GRADIO_TEMP_DIR") or str(
        (Path(tempfile.gettempdir()) / "gradio").resolve()
    )
