"""Load, check and normalise start/end frames (Pillow) so providers never reject them."""

from __future__ import annotations

import asyncio
import base64
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError
from .netsafety import Resolver, UnsafeURL, check_public_https, system_resolver
from .request import FIELD_LABELS

MIN_SIDE = 300
MAX_ASPECT = 2.5
MAX_BYTES = 10 * 1000 * 1000  # Kling's 10 MB, read as decimal megabytes to stay on the safe side
MAX_DOWNLOAD_BYTES = 50 * 1000 * 1000
MAX_PIXELS = 60_000_000  # above any phone camera's photo (50 MP), far below a bomb
MAX_REDIRECTS = 3
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "BMP": "image/bmp"}
# Every provider takes JPEG and PNG; WebP and BMP are not universal, so they are re-encoded.
PASS_THROUGH = {"JPEG", "PNG"}
FORMAT_NAMES = "jpg, png, webp or bmp"


@dataclass(frozen=True)
class PreparedImage:
    """A frame ready to send: checked, upright, opaque and within the size limit."""

    data: bytes
    mime: str
    width: int
    height: int
    source: str  # the file name or URL the user gave (for messages and sidecars)
    url: str | None = None  # the original https URL when the bytes were not changed
    changes: tuple[str, ...] = ()  # what normalisation did, for the job's details

    @property
    def extension(self) -> str:
        return ".png" if self.mime == "image/png" else ".jpg"

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def to_pil(self) -> Image.Image:
        return Image.open(io.BytesIO(self.data)).convert("RGB")


def is_url(source: str) -> bool:
    """Anything shaped like scheme://... is an address (and only https ones are fetched)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source) is not None


async def prepare_image(
    source: str,
    *,
    field: str = "image",
    client: httpx.AsyncClient | None = None,
    max_bytes: int = MAX_BYTES,
    resolver: Resolver = system_resolver,
    run: Callable[..., Awaitable[PreparedImage]] | None = None,
) -> PreparedImage:
    """Read `source` (a path or https URL), check every rule and normalise it.

    Decoding and re-encoding run in a worker thread: a 10 MB frame must not stall the event
    loop. `run` picks the thread (the app's: gate.ImageWork, a few at a time); by default
    asyncio's.
    """
    work = run or asyncio.to_thread
    label = FIELD_LABELS.get(field, field)
    if is_url(source):
        if client is None:
            raise InputError({field: f"{label}: web addresses can't be fetched here."})
        raw = await fetch_image_bytes(source, client=client, field=field, resolver=resolver)
        return await work(
            normalise_image, raw, field=field, source=source, max_bytes=max_bytes, url=source
        )
    raw = await asyncio.to_thread(_read_file, Path(source), field)
    return await work(
        normalise_image, raw, field=field, source=Path(source).name, max_bytes=max_bytes
    )


def _read_file(path: Path, field: str) -> bytes:
    label = FIELD_LABELS.get(field, field)
    try:
        size = path.stat().st_size
        if size > MAX_DOWNLOAD_BYTES:
            raise InputError(
                {field: f"{label} is {size / 1e6:.0f} MB; files over 50 MB are not accepted."}
            )
        return path.read_bytes()
    # A visitor is told the file's name only (the folder is the server's); the CLI, which
    # is the operator's, shows where it looked.
    except FileNotFoundError as exc:
        raise _unreadable(field, f"no file named {path.name}", f"no file at {path}") from exc
    except IsADirectoryError as exc:
        raise _unreadable(field, "that is a folder, not an image", f"{path} is a folder") from exc
    except OSError as exc:
        raise _unreadable(
            field, f"can't read {path.name} ({exc.strerror})", f"can't read {path} ({exc.strerror})"
        ) from exc


def _unreadable(field: str, visitor: str, operator: str) -> InputError:
    label = FIELD_LABELS.get(field, field)
    error = InputError({field: f"{label}: {visitor}."})
    error.for_operator(f"{label}: {operator}.")
    return error


async def fetch_image_bytes(
    url: str,
    *,
    client: httpx.AsyncClient,
    field: str,
    resolver: Resolver = system_resolver,
) -> bytes:
    """Download an image from a public https address (50 MB at most).

    Every hop of a redirect is checked, so a public address can't bounce the request to a
    private one.
    """
    label = FIELD_LABELS.get(field, field)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            await check_public_https(url, resolver)
        except UnsafeURL as exc:
            raise InputError({field: f"{label}: {exc}."}) from exc
        try:
            async with client.stream("GET", url, follow_redirects=False) as response:
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code != 200:
                    raise InputError(
                        {
                            field: f"{label}: couldn't download the image "
                            f"(HTTP {response.status_code})."
                        }
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise InputError(
                            {field: f"{label}: the image at that address is over 50 MB."}
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except UnsafeURL as exc:  # the connection itself refused the address
            raise InputError({field: f"{label}: {exc}."}) from exc
        except httpx.HTTPError as exc:
            raise InputError(
                {field: f"{label}: couldn't download the image ({type(exc).__name__})."}
            ) from exc
    raise InputError({field: f"{label}: that address redirects too many times."})


def normalise_image(
    raw: bytes,
    *,
    field: str = "image",
    source: str = "",
    max_bytes: int = MAX_BYTES,
    url: str | None = None,
) -> PreparedImage:
    """Check `raw` against Kling's rules and return it upright, opaque and small enough."""
    frame = _decode(raw, field, max_bytes)
    _check_shape(frame.width, frame.height, field)
    if frame.untouched:
        return PreparedImage(
            data=raw,
            mime=FORMATS[frame.fmt],
            width=frame.width,
            height=frame.height,
            source=source,
            url=url,
        )
    image, changes = _sendable(frame, len(raw), max_bytes)
    return _encode(image, changes, field=field, source=source, max_bytes=max_bytes)


@dataclass(frozen=True)
class _Frame:
    """A frame read far enough to judge it: what its header says, and the opened image."""

    image: Image.Image
    fmt: str
    orientation: int  # EXIF orientation, 1 = upright
    width: int  # as shown, after any EXIF quarter turn
    height: int
    untouched: bool  # fine as it came: send the original bytes


def _refusal(field: str, message: str) -> InputError:
    return InputError({field: f"{FIELD_LABELS.get(field, field)} {message}"})


def _decode(raw: bytes, field: str, max_bytes: int) -> _Frame:
    """Open `raw`, judge it from its header, and decode it; a frame that can't be read is
    the user's InputError, saying why."""
    try:
        image = Image.open(io.BytesIO(raw))
        frame = _judge(image, len(raw), field, max_bytes)
        if frame.untouched and frame.fmt == "JPEG":
            # Only validity is left to check: a 1/8-scale decode still reads every byte of
            # the compressed data (so truncation and corruption surface) at a fraction of
            # the cost of decoding every pixel.
            image.draft("RGB", (max(1, frame.width // 8), max(1, frame.height // 8)))
        image.load()
    except UnidentifiedImageError as exc:
        raise _refusal(field, f"isn't an image we can read; use {FORMAT_NAMES}.") from exc
    except Image.DecompressionBombError as exc:
        raise _refusal(field, "has far too many pixels to process.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _refusal(field, "looks damaged: the file is incomplete or corrupt.") from exc
    return frame


def _judge(image: Image.Image, size: int, field: str, max_bytes: int) -> _Frame:
    """Everything that decides whether the frame needs changing is in its header."""
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise _refusal(field, f"is a {fmt or 'unknown'} file; use {FORMAT_NAMES}.")
    orientation = image.getexif().get(0x0112, 1)
    check_pixels(image, field)
    width, height = image.size
    if orientation in (5, 6, 7, 8):  # rotated a quarter turn: shown the other way up
        width, height = height, width
    untouched = (
        fmt in PASS_THROUGH
        and orientation == 1
        and image.mode in ("RGB", "L")
        and "transparency" not in image.info
        and size <= max_bytes
    )
    return _Frame(image, fmt, orientation, width, height, untouched)


def check_pixels(image: Image.Image, field: str) -> None:
    """Refuse an opened (not yet decoded) image over MAX_PIXELS, from its header.

    Every path that decodes a visitor's frame calls this first: a small file can declare a
    huge canvas (a 140 KB PNG of 12000x12000 decodes to 430 MB), and Pillow only refuses
    past ~179 MP."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _refusal(
            field,
            f"is {width}x{height} ({width * height / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels.",
        )


def _check_shape(width: int, height: int, field: str) -> None:
    if min(width, height) < MIN_SIDE:
        raise _refusal(field, f"is {width}x{height}; each side must be at least {MIN_SIDE} px.")
    aspect = width / height
    if not 1 / MAX_ASPECT <= aspect <= MAX_ASPECT:
        raise _refusal(
            field,
            f"is {width}x{height} (aspect {aspect:.2f}:1); "
            f"the shape must be between 1:{MAX_ASPECT} and {MAX_ASPECT}:1.",
        )


def _sendable(frame: _Frame, size: int, max_bytes: int) -> tuple[Image.Image, list[str]]:
    """The frame upright, opaque and in RGB (or grey), with what that changed, in words."""
    image, changes = frame.image, []
    if frame.orientation != 1:
        image = ImageOps.exif_transpose(image)
        changes.append("rotated upright (EXIF)")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        image = _flatten(image)
        changes.append("transparency flattened onto white")
    if frame.fmt not in PASS_THROUGH:
        changes.append(f"converted from {frame.fmt} to JPEG")
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
        if not changes:
            changes.append("colours converted to RGB")
    if size > max_bytes:
        changes.append(f"re-encoded to fit {max_bytes / 1e6:.0f} MB")
    if not changes:  # e.g. a palette PNG without transparency
        changes.append("re-encoded as JPEG")
    return image, changes


def _encode(
    image: Image.Image, changes: list[str], *, field: str, source: str, max_bytes: int
) -> PreparedImage:
    """The changed frame as a JPEG within `max_bytes`, downscaled only when it must be."""
    data, (width, height), scaled = _encode_within(image, max_bytes)
    if scaled:
        changes.append(f"downscaled to {width}x{height}")
    if min(width, height) < MIN_SIDE or len(data) > max_bytes:
        raise _refusal(
            field, f"can't be made smaller than {max_bytes / 1e6:.0f} MB and stay sharp."
        )
    return PreparedImage(
        data=data,
        mime="image/jpeg",
        width=width,
        height=height,
        source=source,
        changes=tuple(changes),
    )


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode_within(image: Image.Image, max_bytes: int) -> tuple[bytes, tuple[int, int], bool]:
    """Encode as JPEG under `max_bytes`: lower the quality a little first, then downscale."""
    rgb = image if image.mode in ("RGB", "L") else image.convert("RGB")
    scaled = False
    for _ in range(8):
        for quality in (92, 85):
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=quality, optimize=False)
            if buffer.tell() <= max_bytes:
                return buffer.getvalue(), rgb.size, scaled
        # JPEG size scales roughly with pixel count: shrink by the square root of the excess.
        factor = min(0.9, (max_bytes / buffer.tell()) ** 0.5 * 0.95)
        new_size = (max(1, int(rgb.width * factor)), max(1, int(rgb.height * factor)))
        rgb = rgb.resize(new_size, Image.Resampling.LANCZOS)
        scaled = True
    return buffer.getvalue(), rgb.size, scaled
