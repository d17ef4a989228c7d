"""Addresses the server refuses to fetch: private networks for images, foreign hosts for
results. DNS is the one dependency replaced here (tests can't own real DNS names)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kling_ui.errors import InputError, UntrustedResultURL
from kling_ui.images import prepare_image
from kling_ui.netsafety import host_allowed, is_public_address
from kling_ui.providers.runcomfy import RunComfyProvider
from kling_ui.providers.runninghub import RunningHubProvider

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


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://cdn.runcomfy.net/out/v.mp4", True),
        ("https://runcomfy.com/v.mp4", True),
        ("http://cdn.runcomfy.net/v.mp4", False),  # https only, off the base host
        ("https://runcomfy.net.evil.test/v.mp4", False),
        ("https://evilruncomfy.net/v.mp4", False),
        ("https://169.254.169.254/latest", False),
        ("http://127.0.0.1:9999/files/v.mp4", True),  # the configured base URL's own host
        ("http://127.0.0.1:9999/../../etc", True),
        ("https://127.0.0.1:9999/files/v.mp4", False),  # same host, another scheme
    ],
)
def test_result_hosts(url, allowed):
    assert host_allowed(url, RunComfyProvider.result_hosts, "http://127.0.0.1:9999") is allowed


def test_runninghub_cdn_hosts_are_trusted():
    for url in (
        "https://rh-images.xiaoyaoyou.com/x/output/a.mp4",
        "https://www.runninghub.cn/view?filename=a.mp4",
    ):
        assert host_allowed(url, RunningHubProvider.result_hosts, "https://www.runninghub.ai")


async def test_an_untrusted_result_link_is_not_fetched(tmp_path):
    calls = []

    def handler(request):
        calls.append(request.url)
        return httpx.Response(200, content=b"video")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        provider = RunComfyProvider(
            client=client, api_key="k", base_url="https://model-api.runcomfy.net"
        )
        with pytest.raises(UntrustedResultURL) as caught:
            await provider.download("https://attacker.example/v.mp4", tmp_path / "v.mp4")
        assert "https://attacker.example/v.mp4" in caught.value.user_message
        assert calls == [] and not (tmp_path / "v.mp4").exists()
        trusting = RunComfyProvider(
            client=client,
            api_key="k",
            base_url="https://model-api.runcomfy.net",
            extra_result_hosts=("attacker.example",),
        )
        await trusting.download("https://attacker.example/v.mp4", tmp_path / "v.mp4")
        assert (tmp_path / "v.mp4").read_bytes() == b"video"
