"""Clean Gradio's upload folder on a schedule, never touching what history points to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def clean_upload_folder(
    folder: Path,
    *,
    max_age: float,
    protect_under: Iterable[Path] = (),
    now: float | None = None,
) -> int:
    """Delete files in `folder` older than `max_age` seconds; return how many.

    Files inside `protect_under` folders are never deleted: history's videos all live in the
    data directory, and if it was set inside the upload folder they would otherwise go with
    the cache. Published links of history videos are only links: deleting one leaves the
    video in the data directory.
    """
    now = time.time() if now is None else now
    protected = [Path(p).resolve() for p in protect_under]
    removed = 0
    if not folder.is_dir():
        return 0
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(root, name)
            try:
                resolved = path.resolve()
                if any(resolved.is_relative_to(p) for p in protected):
                    continue
                # A published link's age is its folder's, touched each time it is handed
                # out; the link itself shares the (often old) video's times.
                judged = path.parent if path.parent.parent.name == "kling-ui" else path
                if now - judged.lstat().st_mtime > max_age:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # in use or already gone: next round
        for name in dirs:
            with contextlib.suppress(OSError):
                Path(root, name).rmdir()  # only succeeds when empty
    return removed


async def run_janitor(
    folder: Path, *, every: float, max_age: float, protect_under: Iterable[Path]
) -> None:
    """Forever: clean the folder every `every` seconds (cancel the task to stop)."""
    while True:
        try:
            removed = await asyncio.to_thread(
                clean_upload_folder,
                folder,
                max_age=max_age,
                protect_under=list(protect_under),
            )
            if removed:
                log.info("janitor: removed %d old file(s) from %s", removed, folder)
        except Exception:
            log.exception("janitor: cleaning failed")
        await asyncio.sleep(every)


# What a killed process leaves behind: half-written downloads, renders, stitches, sidecars.
LEFTOVERS = (".download-*.part", ".render-*", ".stitch-*", "*.json.part")


def clean_leftovers(data_dir: Path) -> int:
    """Remove temp files a killed process left in the data dir (run at start, before any job
    of this process writes one); return how many."""
    removed = 0
    for folder in (data_dir / "videos", data_dir / "renders"):
        if not folder.is_dir():
            continue
        for pattern in LEFTOVERS:
            for leftover in folder.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()
                    removed += 1
    if removed:
        log.info("removed %d leftover temp file(s) from %s", removed, data_dir)
    return removed
