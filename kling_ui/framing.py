"""Frame problems said when a frame is chosen, and a centre crop to fix the shape.

The same rules as the request (images.normalise_image) run on each upload: size, shape,
format; a note says what will be changed (transparency filled with white, a large frame
sent smaller). With both frames, a different shape is flagged (the provider would squash
the end frame), as is an end frame with segments.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PIL import Image, ImageOps

from .errors import InputError
from .images import check_pixels, normalise_image
from .uploads import LABELS

SHAPES = {
    "16:9": 16 / 9,
    "9:16": 9 / 16,
    "1:1": 1.0,
    "4:3": 4 / 3,
    "3:4": 3 / 4,
    "3:2": 1.5,
    "2:3": 2 / 3,
}
SAME_SHAPE = 0.03  # relative difference in aspect that still counts as the same shape


def shape_name(width: int, height: int) -> str:
    aspect = width / height
    for name, value in SHAPES.items():
        if abs(aspect / value - 1) <= SAME_SHAPE:
            return name
    return f"{width}×{height}"


def frame_report(start: str | None, end: str | None, segments: int) -> str:
    """Markdown: problems (⚠) and notes (ℹ) about the chosen frames; empty when all is well."""
    problems: list[str] = []
    notes: list[str] = []
    sizes: dict[str, tuple[int, int]] = {}
    for field, source in (("image", start), ("end_image", end)):
        if not source:
            continue
        label = LABELS[field]
        try:
            prepared = normalise_image(Path(source).read_bytes(), field=field)
        except InputError as exc:
            problems.extend(exc.problems.values())
            continue
        except OSError:
            problems.append(f"{label} can't be read any more: upload it again.")
            continue
        sizes[field] = (prepared.width, prepared.height)
        for change in prepared.changes:
            if "transparency" in change:
                notes.append(f"{label} has transparent areas: they will be filled with white.")
            elif change.startswith("downscaled"):
                notes.append(
                    f"{label} is large: it will be sent {change.removeprefix('downscaled ')}."
                )
    if len(sizes) == 2:
        (sw, sh), (ew, eh) = sizes["image"], sizes["end_image"]
        if abs((sw / sh) / (ew / eh) - 1) > SAME_SHAPE:
            problems.append(
                f"The end frame is {shape_name(ew, eh)} but the start frame is "
                f"{shape_name(sw, sh)}: the video would squash it. Crop both to one shape "
                "(below) or choose frames of the same shape."
            )
    if end and segments:
        problems.append(
            "An end frame can't be combined with segments: remove the end frame or the segments."
        )
    lines = [f"⚠ {p}" for p in problems] + [f"ℹ {n}" for n in notes]
    return "\n\n".join(lines)


def crop_to(source: str, aspect: float, folder: Path, *, field: str = "image") -> str:
    """A centre crop of `source` to `aspect`, saved once per source and shape. A frame over
    images.MAX_PIXELS is refused from its header (InputError), before anything is decoded."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16]
    target = folder / f"crop-{digest}-{aspect:.4f}.png"
    if target.exists():
        os.utime(target)  # used again: the newest, last to go when the owner's quota is full
        return str(target)
    with Image.open(source) as opened:
        check_pixels(opened, field)
        image = ImageOps.exif_transpose(opened)
        width, height = image.size
        if width / height > aspect:  # too wide: trim the sides
            new_w = round(height * aspect)
            box = ((width - new_w) // 2, 0, (width - new_w) // 2 + new_w, height)
        else:  # too tall: trim top and bottom
            new_h = round(width / aspect)
            box = (0, (height - new_h) // 2, width, (height - new_h) // 2 + new_h)
        # Lossless, so the crop loses nothing before the upload's own encode; level 1 makes
        # the wait after the click a fifth (it is a working file, not an archive).
        image.crop(box).save(target, compress_level=1)
    return str(target)


def owner_folder(crops: Path, owner: str) -> Path:
    """Where `owner`'s crops are kept: each visitor's apart, under a digest of its id."""
    return crops / hashlib.sha256(owner.encode()).hexdigest()[:16]


def over_quota(folder: Path, *, count: int, max_bytes: int, newest: Path) -> list[Path]:
    """The crops in `folder` past `count` files or `max_bytes` in all, oldest first to go;
    never `newest` (the one just handed out)."""
    crops = []
    for path in folder.glob("crop-*.png"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        crops.append((path == newest, stat.st_mtime, stat.st_size, path))
    crops.sort(reverse=True)  # the newest, then the most recently used
    kept, size, over = 0, 0, []
    for is_newest, _, bytes_, path in crops:
        if is_newest or (kept < count and size + bytes_ <= max_bytes):
            kept, size = kept + 1, size + bytes_
        else:
            over.append(path)
    return over
