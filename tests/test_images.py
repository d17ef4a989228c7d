"""Frame checks and normalisation on real generated images."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from kling_ui.errors import InputError
from kling_ui.images import MAX_BYTES, normalise_image, prepare_image

from .conftest import picture, png_bytes


async def prepared(path, **kw):
    return await prepare_image(str(path), **kw)


async def test_a_good_jpeg_passes_through_untouched(make_image):
    path = make_image((1280, 720))
    image = await prepared(path)
    assert image.data == path.read_bytes()
    assert (image.mime, image.width, image.height, image.changes) == ("image/jpeg", 1280, 720, ())


async def test_a_good_png_stays_png(make_image):
    image = await prepared(make_image((600, 600), fmt="PNG"))
    assert image.mime == "image/png" and image.changes == ()
    assert image.data_uri().startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((299, 600), "is 299x600; each side must be at least 300 px."),
        ((120, 80), "is 120x80; each side must be at least 300 px."),
        ((1600, 600), "aspect 2.67:1); the shape must be between 1:2.5 and 2.5:1."),
        ((300, 751), "(aspect 0.40:1); the shape must be between 1:2.5 and 2.5:1."),
    ],
)
async def test_sizes_and_shapes_outside_the_limits_are_refused(make_image, size, message):
    with pytest.raises(InputError) as caught:
        await prepared(make_image(size))
    assert caught.value.problems["image"].startswith("Start frame is")
    assert message in caught.value.problems["image"]


async def test_extreme_but_allowed_aspects_pass(make_image):
    assert (await prepared(make_image((750, 300)))).width == 750
    assert (await prepared(make_image((300, 750)))).height == 750


async def test_png_with_alpha_is_flattened_onto_white(make_image):
    image = await prepared(make_image((640, 480), fmt="PNG", mode="RGBA"))
    assert image.mime == "image/jpeg"
    assert "transparency flattened onto white" in image.changes
    corner = image.to_pil().getpixel((5, 5))
    assert min(corner) > 240  # the transparent border became white, not black


async def test_exif_rotation_is_applied(make_image):
    # Orientation 6: stored landscape, shown rotated 90 degrees clockwise (portrait).
    image = await prepared(make_image((800, 400), orientation=6))
    assert (image.width, image.height) == (400, 800)
    assert "rotated upright (EXIF)" in image.changes
    assert Image.open(io.BytesIO(image.data)).size == (400, 800)


async def test_rotation_is_applied_before_the_aspect_check(make_image):
    # 1000x350 is too wide, but with orientation 8 it is shown as 350x1000: still too tall.
    with pytest.raises(InputError, match="is 350x1000"):
        await prepared(make_image((1000, 350), orientation=8))


@pytest.mark.parametrize("fmt", ["WEBP", "BMP"])
async def test_webp_and_bmp_become_jpeg(make_image, fmt):
    image = await prepared(make_image((640, 480), fmt=fmt))
    assert image.mime == "image/jpeg"
    assert f"converted from {fmt} to JPEG" in image.changes


async def test_gif_is_refused_with_the_allowed_formats(make_image):
    with pytest.raises(InputError) as caught:
        await prepared(make_image((640, 480), fmt="GIF"))
    assert caught.value.problems["image"] == "Start frame is a GIF file; use jpg, png, webp or bmp."


async def test_a_text_file_named_png_is_refused(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are not pixels")
    with pytest.raises(InputError, match="isn't an image we can read; use jpg, png, webp or bmp"):
        await prepared(path)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
async def test_corrupt_bytes_are_refused(make_image, fmt):
    # A JPEG that needs no changes is validated by a scaled decode: truncation must still show.
    path = make_image((800, 600), fmt=fmt)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(InputError, match="looks damaged"):
        await prepared(path)


async def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"no file named nope\.jpg"):
        await prepared(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="is a folder"):
        await prepared(tmp_path)


async def test_end_frame_messages_name_the_end_frame(make_image):
    with pytest.raises(InputError) as caught:
        await prepare_image(str(make_image((100, 100))), field="end_image")
    assert caught.value.problems["end_image"].startswith("End frame is 100x100")


def test_a_huge_frame_is_shrunk_under_the_limit():
    raw = png_bytes(picture((4000, 3000), seed=3))
    assert len(raw) > MAX_BYTES
    image = normalise_image(raw, max_bytes=MAX_BYTES)
    assert len(image.data) <= MAX_BYTES
    assert image.mime == "image/jpeg" and min(image.width, image.height) >= 300
    assert any("re-encoded" in change for change in image.changes)


def test_a_provider_limit_downscales_when_quality_alone_is_not_enough():
    raw = png_bytes(picture((3000, 2000), seed=4))
    image = normalise_image(raw, max_bytes=400_000)
    assert len(image.data) <= 400_000
    assert image.width < 3000 and abs(image.width / image.height - 1.5) < 0.01
    assert any(change.startswith("downscaled to") for change in image.changes)


async def public_dns(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]  # a public address, as real DNS would answer for a CDN


async def _image_server(routes):
    app = Starlette(routes=routes)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


async def test_https_url_is_fetched_checked_and_kept_as_url_when_untouched():
    data = png_bytes(picture((640, 480)))

    async def serve(request):
        return Response(data, media_type="image/png")

    async with await _image_server([Route("/a.png", serve)]) as client:
        image = await prepare_image("https://img.test/a.png", client=client, resolver=public_dns)
    assert image.url == "https://img.test/a.png" and image.data == data


async def test_url_that_needs_changes_loses_its_url():
    buffer = io.BytesIO()
    picture((640, 480)).save(buffer, "WEBP")

    async def serve(request):
        return Response(buffer.getvalue(), media_type="image/webp")

    async with await _image_server([Route("/a.webp", serve)]) as client:
        image = await prepare_image("https://img.test/a.webp", client=client, resolver=public_dns)
    assert image.url is None and image.mime == "image/jpeg"


async def test_url_errors_are_input_errors():
    async def missing(request):
        return Response(b"nope", status_code=404)

    async with await _image_server([Route("/gone.png", missing)]) as client:
        with pytest.raises(InputError, match=r"couldn't download the image \(HTTP 404\)"):
            await prepare_image("https://img.test/gone.png", client=client, resolver=public_dns)
        with pytest.raises(InputError, match="must start with https://"):
            await prepare_image("http://img.test/gone.png", client=client)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb, optimize=True)  # tiny file, huge canvas
    assert bomb.stat().st_size < 200_000
    with pytest.raises(InputError, match=r"12000x12000 \(144 megapixels\); the limit is 60"):
        normalise_image(bomb.read_bytes(), field="image")
