"""Deleted jobs wait in the trash for a while, so a slip of the finger can be undone.

Delete moves a finished job's files (video, sidecars, kept frames) into `trash/<job id>/`
with a manifest holding the job record and where each file came from, and takes the job out
of the store; restore puts both back. After RESTORE_SECONDS a trashed job is gone for good
(purged on the next delete or restore, and at start). The manifest never holds a key: the
job record never does.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from .errors import KlingUIError
from .jobfiles import JobFiles
from .jobs import JobManager
from .store import JobRecord

log = logging.getLogger(__name__)

RESTORE_SECONDS = 600.0
MANIFEST = "job.json"


class Trash:
    def __init__(self, jobs: JobManager, *, keep_for: float = RESTORE_SECONDS) -> None:
        self.jobs = jobs
        self.keep_for = keep_for
        self.folder = jobs.settings.data_dir / "trash"

    def delete(self, job_id: str) -> JobRecord:
        """Move a finished job to the trash; KlingUIError while it still runs."""
        job = self.jobs.store.get(job_id)
        if job is None:
            raise KlingUIError("That job is not available.")
        if job.is_active:
            raise KlingUIError("This job is still running: cancel it first.")
        self.purge()
        bin_ = self.folder / job_id
        bin_.mkdir(parents=True, exist_ok=True)
        moved: dict[str, str] = {}
        for i, path in enumerate(self._files(job)):
            target = bin_ / f"{i}-{path.name}"
            shutil.move(path, target)
            moved[target.name] = str(path)
        record = asdict(job)
        record["state"] = str(job.state)
        manifest = {"record": record, "files": moved, "deleted_at": time.time()}
        (bin_ / MANIFEST).write_text(json.dumps(manifest))
        self.jobs.forget(job_id)
        return job

    def restore(self, job_id: str, *, owner: str) -> JobRecord | None:
        """Put a trashed job of `owner` back; None when it isn't there (or too old)."""
        self.purge()
        bin_ = self.folder / job_id
        manifest = self._manifest(bin_)
        if manifest is None or manifest["record"].get("owner") != owner:
            return None
        for name, original in manifest["files"].items():
            Path(original).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(bin_ / name, original)
        job = JobRecord(**manifest["record"])
        self.jobs.store.insert(job)
        shutil.rmtree(bin_, ignore_errors=True)
        return job

    def purge(self, now: float | None = None) -> int:
        """Remove what has been in the trash longer than `keep_for`; return how many jobs."""
        now = time.time() if now is None else now
        if not self.folder.is_dir():
            return 0
        removed = 0
        for bin_ in self.folder.iterdir():
            manifest = self._manifest(bin_)
            if manifest is None or now - manifest["deleted_at"] > self.keep_for:
                shutil.rmtree(bin_, ignore_errors=True)
                removed += 1
        if removed:
            log.info("trash: removed %d job(s) for good", removed)
        return removed

    def _files(self, job: JobRecord) -> list[Path]:
        return JobFiles.of(job, self.jobs.settings.inputs_dir).existing()

    @staticmethod
    def _manifest(bin_: Path) -> dict | None:
        try:
            return json.loads((bin_ / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
