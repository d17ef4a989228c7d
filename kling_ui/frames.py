"""A job's frames: load and normalise them once, keep them with the job, drop them with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from .images import prepare_image
from .netsafety import Resolver, system_resolver
from .providers.base import Inputs, Provider
from .request import GenerationRequest


async def prepare_inputs(
    request: GenerationRequest,
    provider: Provider,
    *,
    client: httpx.AsyncClient,
    resolver: Resolver = system_resolver,
    run: Callable[..., Awaitable[Any]] | None = None,
) -> Inputs:
    """Load and normalise the frames (in `run`'s threads, see images.prepare_image);
    InputError here means nothing is stored or sent."""
    images = {}
    for field in ("image", "end_image"):
        source = getattr(request, field)
        images[field] = source and await prepare_image(
            source,
            field=field,
            client=client,
            max_bytes=provider.max_image_bytes,
            resolver=resolver,
            run=run,
        )
    return Inputs(request, images["image"], images["end_image"] or None)


def keep_inputs(
    folder: Path, job_id: str, request: GenerationRequest, inputs: Inputs
) -> GenerationRequest:
    """Keep the normalised frames with the job: uploads in a temp dir vanish, and history's
    "re-use" and a preview's restart both need them. URLs are kept as given."""
    folder.mkdir(parents=True, exist_ok=True)
    changes = {}
    for field, image in (("image", inputs.image), ("end_image", inputs.end_image)):
        if image is None or image.url:
            continue
        path = folder / f"{job_id}-{'start' if field == 'image' else 'end'}{image.extension}"
        path.write_bytes(image.data)
        changes[field] = str(path)
    return request.model_copy(update=changes)


def discard_inputs(folder: Path, job_id: str) -> None:
    for kept in folder.glob(f"{job_id}-*"):
        kept.unlink(missing_ok=True)
