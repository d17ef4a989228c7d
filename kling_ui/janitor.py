"""Clean Gradio's upload folder and visitors' old crops on a schedule; never what history needs."""

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
    # os.walk does not follow links, so every folder it visits really is inside `folder`:
    # resolving `folder` once places them all. A file is protected by the folder it sits in;
    # a symbolic link is only a link (deleting it leaves its target), so it is never followed.
    # Resolving each file instead cost most of a pass over a busy cache.
    real_folder = folder.resolve()
    for root, dirs, files in os.walk(folder, topdown=False):
        real_root = real_folder / os.path.relpath(root, folder)
        if not any(real_root.is_relative_to(p) for p in protected):
            for name in files:
                removed += _remove_if_old(Path(root, name), now=now, max_age=max_age)
        for name in dirs:
            with contextlib.suppress(OSError):
                Path(root, name).rmdir()  # only succeeds when empty
    return removed


def _remove_if_old(path: Path, *, now: float, max_age: float) -> int:
    try:
        # A published link's age is its folder's, touched each time it is handed out; the
        # link itself shares the (often old) video's times.
        judged = path.parent if path.parent.parent.name == "kling-ui" else path
        if now - judged.lstat().st_mtime > max_age:
            path.unlink()
            return 1
    except OSError:
        pass  # in use or already gone: next round
    return 0


def clean_crops(crops: Path, *, max_age: float, now: float | None = None) -> int:
    """Delete visitors' crops (data/inputs/crops/<owner>/) older than `max_age` seconds,
    and the folders that empties; return how many. A crop only stands in the form until
    Generate keeps the frame with its job (frames.keep_inputs), so an old one is unused."""
    return clean_upload_folder(crops, max_age=max_age, now=now)


async def run_janitor(
    folder: Path,
    *,
    every: float,
    max_age: float,
    protect_under: Iterable[Path],
    crops: Path | None = None,
) -> None:
    """Forever: clean the folder (and the crops) every `every` seconds (cancel the task to
    stop)."""
    while True:
        try:
            removed = await asyncio.to_thread(
                clean_upload_folder,
                folder,
                max_age=max_age,
                protect_under=list(protect_under),
            )
            if crops is not None:
                removed += await asyncio.to_thread(clean_crops, crops, max_age=max_age)
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
