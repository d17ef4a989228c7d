"""Hand a stored file to the page without exposing the data directory.

The data directory is not servable (it holds every visitor's videos and the job store).
To show one of its files, the studio links it into Gradio's upload folder under a name
derived from a server secret: only a viewer who was handed the link can fetch it. One file
gets one link (a history click does not copy the video again), the link's folder is
touched each time it is handed out (so the janitor never removes a link in use), and
deleting the job revokes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
from pathlib import Path

from .owners import load_secret
from .uploads import get_upload_folder

PUBLISH_DIR = "kling-ui"
_secret = {"value": secrets.token_bytes(32)}  # replaced by the data dir's at start-up


def configure(data_dir: Path) -> None:
    """Use the data dir's secret, so links (and their revocation) survive a restart."""
    _secret["value"] = load_secret(Path(data_dir) / ".publish-secret")


def _folder(source: Path) -> Path:
    stat = source.stat()
    tag = f"{source.resolve()}:{stat.st_ino}:{stat.st_size}".encode()
    name = hmac.new(_secret["value"], tag, hashlib.sha256).hexdigest()[:32]
    return Path(get_upload_folder()) / PUBLISH_DIR / name


def publish(path: str | os.PathLike[str] | None) -> str | None:
    """A servable path for `path`: one hard link per file (a copy across file systems)."""
    if not path:
        return None
    source = Path(path)
    if not source.is_file():
        return None
    folder = _folder(source)
    target = folder / source.name
    folder.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        try:
            os.link(source, target)  # instant, and no second copy of a large video
        except FileExistsError:
            pass  # another viewer published it a moment ago
        except OSError:
            shutil.copy2(source, target)
    os.utime(folder)  # handed out now: the janitor judges links by their folder's time
    return str(target)


def revoke(path: str | os.PathLike[str] | None) -> None:
    """Remove the link of `path` (before the file itself is deleted)."""
    if not path or not Path(path).is_file():
        return
    folder = _folder(Path(path))
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(folder)
