"""The files the studio keeps for one job, named in one place.

Beside the video, named after it: the parameters (sidecar), the clean last frame (stories
and "continue"), the History thumbnail. In the inputs folder, named after the job: the
normalised start and end frames, and the frame a "continue" handed to the form. Delete,
trash, restore and the janitor all take their lists from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the type: media and renderers use this module below the store
    from .store import JobRecord

# Beside a video, by suffix: parameters, the clean last frame, the History thumbnail.
SIDECARS = (".json", ".last.png", ".thumb.jpg")


def sidecars(video: Path) -> list[Path]:
    return [video.with_suffix(suffix) for suffix in SIDECARS]


def last_frame_of(video: str | Path) -> Path:
    """Where a renderer keeps a video's clean (unmarked) last frame."""
    return Path(video).with_suffix(".last.png")


def sidecar_of(video: str | Path) -> Path:
    return Path(video).with_suffix(".json")


@dataclass(frozen=True)
class JobFiles:
    job_id: str
    video: Path | None
    inputs_dir: Path

    @classmethod
    def of(cls, job: JobRecord, inputs_dir: Path) -> JobFiles:
        return cls(job.id, Path(job.video_path) if job.video_path else None, inputs_dir)

    @property
    def sidecar(self) -> Path | None:
        return sidecar_of(self.video) if self.video else None

    @property
    def last_frame(self) -> Path | None:
        """The video's clean last frame, when its renderer left one (the preview does)."""
        return last_frame_of(self.video) if self.video else None

    @property
    def thumbnail(self) -> Path | None:
        return self.video.with_suffix(".thumb.jpg") if self.video else None

    @property
    def continue_frame(self) -> Path:
        """The frame "continue from the last frame" hands to the form as a start frame."""
        return self.inputs_dir / f"{self.job_id}-last.png"

    def kept_inputs(self) -> list[Path]:
        """Every file in the inputs folder that belongs to this job (frames, continue)."""
        return sorted(self.inputs_dir.glob(f"{self.job_id}-*"))

    def existing(self) -> list[Path]:
        """All of them that are on disk now, the video first."""
        files = [self.video, *sidecars(self.video)] if self.video else []
        files += self.kept_inputs()
        return [f for f in files if f is not None and f.is_file()]
