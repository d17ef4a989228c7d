"""What a finished job leaves beside its video: the checks of the file and the sidecar."""

from __future__ import annotations

import json
import os
from pathlib import Path

from . import media
from .jobfiles import sidecar_of
from .request import GenerationRequest
from .store import JobRecord


def probe_warnings(info: media.VideoInfo, request: GenerationRequest) -> list[str]:
    warnings = []
    if abs(info.duration - request.duration) > max(0.5, 0.1 * request.duration):
        warnings.append(f"The video is {info.duration:.1f} s long, not {request.duration} s.")
    if request.sound and not info.has_audio:
        warnings.append("Sound was requested but the video has no audio track.")
    return warnings


def write_sidecar(
    video: Path,
    job: JobRecord,
    provider_label: str,
    info: media.VideoInfo,
    cost: float | None,
    currency: str | None,
    finished: float,
    reported_cost: float | None,
) -> None:
    """The video's parameters, provider, request id, cost and times, never a key."""
    sidecar = {
        "job_id": job.id,
        "provider": job.provider,
        "provider_label": provider_label,
        "request_id": job.request_id,
        "parameters": job.request,
        "cost": cost,
        "currency": currency,
        "cost_is_estimate": reported_cost is None,
        "created_at": job.created_at,
        "submitted_at": job.submitted_at,
        "finished_at": finished,
        "video": info.as_dict(),
    }
    target = sidecar_of(video)
    tmp = target.with_suffix(".json.part")
    tmp.write_text(json.dumps(sidecar, indent=2))
    os.replace(tmp, target)
