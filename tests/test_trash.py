"""Deleted jobs can be restored for a while, by their owner only, and are then gone."""

from __future__ import annotations

import time
from pathlib import Path

from kling_ui.request import parse_request
from kling_ui.trash import RESTORE_SECONDS, Trash


async def finished_job(manager, make_image):
    request = parse_request({"image": str(make_image()), "prompt": "keep me", "duration": 3})
    job = await manager.submit(request, provider="preview")
    return await manager.wait(job.id)


async def test_a_deleted_job_comes_back_whole_for_its_owner(manager, make_image):
    job = await finished_job(manager, make_image)
    video = Path(job.video_path)
    frames = sorted(manager.settings.inputs_dir.glob(f"{job.id}-*"))
    trash = Trash(manager)
    trash.delete(job.id)
    assert manager.store.get(job.id) is None and not video.exists()
    assert not any(f.exists() for f in frames)
    assert trash.restore(job.id, owner="someone-else") is None
    restored = trash.restore(job.id, owner=job.owner)
    assert restored is not None and manager.store.get(job.id).state == "succeeded"
    assert video.exists() and all(f.exists() for f in frames)
    assert not (trash.folder / job.id).exists()


async def test_after_the_restore_window_it_is_gone_for_good(manager, make_image):
    job = await finished_job(manager, make_image)
    trash = Trash(manager)
    trash.delete(job.id)
    assert trash.purge(now=time.time() + RESTORE_SECONDS / 2) == 0
    assert trash.purge(now=time.time() + RESTORE_SECONDS + 1) == 1
    assert trash.restore(job.id, owner=job.owner) is None
    assert not any(trash.folder.iterdir())
