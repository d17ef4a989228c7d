"""Addresses the server refuses to fetch: private networks for images, foreign hosts for
results. DNS is the one dependency replaced here (tests can't own real DNS names)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kling_ui.errors import InputError
from kling_ui.images import prepare_image
from kling_ui.netsafety import is_public_address

from .conftest import picture, png_bytes

DNS = {
    "cdn.example.test": ["93.184.216.34"],
    "internal.example.test": ["10.0.0.5"],
    "mixed.example.test": ["93.184.216.34", "192.168.1.20"],
    "metadata.example.test": ["169.254.169.254"],
    "v6local.example.test": ["::1"],
    "mapped.example.test": ["::ffff:127.0.0.1"],
}


async def dns(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise OSError("no such host")
    return DNS[host]


@pytest.fixture
async def image_client():
    data = png_bytes(picture((640, 480)))

    async def image(request):
        return Response(data, media_type="image/png")

    async def bounce(request):
        return RedirectResponse(request.query_params["to"], status_code=302)

    app = Starlette(routes=[Route("/a.png", image), Route("/bounce", bounce)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        yield client


async def fetch(url, client):
    return await prepare_image(url, client=client, resolver=dns)


async def test_a_public_https_image_is_fetched(image_client):
    assert (await fetch("https://cdn.example.test/a.png", image_client)).width == 640


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://cdn.example.test/a.png", "must start with https://"),
        ("https://127.0.0.1/a.png", "127.0.0.1 points to a private or local network address"),
        ("https://10.1.2.3/a.png", "points to a private or local network address"),
        ("https://192.168.0.7/a.png", "points to a private or local network address"),
        ("https://169.254.169.254/latest/meta-data", "private or local network address"),
        ("https://[::1]/a.png", "private or local network address"),
        ("https://internal.example.test/a.png", "internal.example.test points to a private"),
        ("https://mixed.example.test/a.png", "mixed.example.test points to a private"),
        ("https://metadata.example.test/a.png", "private or local network address"),
        ("https://v6local.example.test/a.png", "private or local network address"),
        ("https://mapped.example.test/a.png", "private or local network address"),
        ("https://nowhere.example.test/a.png", "the host nowhere.example.test can't be found"),
        ("ftp://cdn.example.test/a.png", "must start with https://"),
    ],
)
async def test_refused_image_addresses_name_the_reason(image_client, url, message):
    with pytest.raises(InputError) as caught:
        await fetch(url, image_client)
    assert message in caught.value.problems["image"]
    assert caught.value.problems["image"].startswith("Start frame: ")


async def test_a_redirect_to_a_private_address_is_refused(image_client):
    url = "https://cdn.example.test/bounce?to=https://10.0.0.9/a.png"
    with pytest.raises(InputError, match="private or local network address"):
        await fetch(url, image_client)
    ok = "https://cdn.example.test/bounce?to=https://cdn.example.test/a.png"
    assert (await fetch(ok, image_client)).height == 480


def test_address_classes():
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1111")
    for private in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
        "not-an-ip",
    ):
        assert not is_public_address(private), private


async def test_an_image_url_is_fetched_from_the_address_that_was_checked(settings):
    """DNS rebinding: the name answers public when checked, private when connected to. The
    fetch must connect through the same check (and refuse), not resolve the name again."""
    from kling_ui.jobs import JobManager
    from kling_ui.providers.factory import create_provider
    from kling_ui.request import parse_request
    from kling_ui.store import JobStore

    answers = []

    async def rebinding(host: str, port: int) -> list[str]:
        answers.append(host)
        return ["93.184.216.34"] if len(answers) == 1 else ["127.0.0.1"]

    data = png_bytes(picture((640, 480)))

    async def image(request):  # what the private address would serve
        return Response(data, media_type="image/png")

    inside = Starlette(routes=[Route("/a.png", image)])
    store = JobStore(settings.db_path)
    # The general client reaches the "private" server, as a second real lookup would.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=inside)) as client:
        manager = JobManager(settings, store, client, resolver=rebinding)
        request = parse_request({"image": "https://rebind.example.test/a.png", "prompt": "p"})
        provider = create_provider("preview", settings=settings, client=client)
        with pytest.raises(InputError, match="private or local network address"):
            await manager.prepare_inputs(request, provider)
        await manager.aclose()
    assert answers == ["rebind.example.test", "rebind.example.test"]
    store.close()
