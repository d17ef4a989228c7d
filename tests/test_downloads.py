"""Result videos come from whatever public https host the provider names, checked where the
server actually connects; loopback and private links only when tests allow them."""

from __future__ import annotations

import httpcore
import httpx
import pytest

from kling_ui.jobs import JobManager
from kling_ui.netsafety import PublicOnlyBackend, UnsafeURL, download_client
from kling_ui.request import parse_request
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, FakeRunningHub, serve_on_loopback

from .conftest import RC_KEY, RH_KEY

TIMEOUT = httpx.Timeout(5.0)


async def test_loopback_links_are_refused_unless_allowed(tmp_path):
    fake = FakeRunComfy(api_key=RC_KEY)
    with serve_on_loopback(fake.app) as url:
        port = httpx.URL(url).port
        async with download_client(timeout=TIMEOUT, user_agent="t") as strict:
            with pytest.raises(UnsafeURL, match="https"):
                await strict.get(f"http://127.0.0.1:{port}/files/x.mp4")
            with pytest.raises(UnsafeURL, match="private or local"):
                await strict.get(f"https://localhost:{port}/files/x.mp4")
        async with download_client(timeout=TIMEOUT, user_agent="t", allow_private=True) as lax:
            answer = await lax.get(f"http://localhost:{port}/files/nope.mp4")
            assert answer.status_code == 404  # reached the fake: allowed for tests


async def test_the_address_checked_is_the_address_connected_to():
    """A name that resolves to a private address is refused at connect time, and a public
    answer is connected to as resolved (no second lookup DNS could change)."""
    asked = []

    class Recorder(httpcore.AsyncNetworkBackend):
        async def connect_tcp(self, host, port, *args, **kwargs):
            asked.append((host, port))
            raise httpcore.ConnectError("test: not connecting anywhere")

    async def resolver(host, port):
        return {"rebind.test": ["10.0.0.7"], "cdn.test": ["93.184.216.34"]}[host]

    backend = PublicOnlyBackend(resolver)
    with pytest.raises(UnsafeURL, match=r"rebind\.test points to a private"):
        await backend.connect_tcp("rebind.test", 443)
    backend._inner = Recorder()
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("cdn.test", 443)
    assert asked == [("93.184.216.34", 443)]


@pytest.mark.parametrize("kind", ["runcomfy", "runninghub"])
async def test_videos_on_another_host_are_saved_and_a_refused_one_is_kept_for_later(
    kind, settings, clock, make_image
):
    # Real sockets (where a download may connect is checked as it connects), and the fake
    # and the jobs on the test clock: the job's waits are skipped, its requests are real.
    fake_class = FakeRunComfy if kind == "runcomfy" else FakeRunningHub
    fake = fake_class(api_key=RC_KEY if kind == "runcomfy" else RH_KEY, clock=clock)
    with serve_on_loopback(fake.app) as url:
        local = settings.with_provider(kind, base_url=url)  # API on 127.0.0.1
        store = JobStore(local.db_path)
        async with (
            httpx.AsyncClient(timeout=TIMEOUT) as client,
            download_client(timeout=TIMEOUT, user_agent="t") as strict,
            download_client(timeout=TIMEOUT, user_agent="t", allow_private=True) as lax,
        ):
            request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
            refusing = JobManager(local, store, client, downloads=strict, clock=clock)
            job = await refusing.wait((await refusing.submit(request, provider=kind)).id)
            assert job.state == "not_saved" and job.error_code == "untrusted_host"
            assert "https" in job.error_message and "Check again" in job.error_message
            await refusing.aclose()

            allowing = JobManager(local, store, client, downloads=lax, clock=clock)
            assert await allowing.resume(job.id)
            saved = await allowing.wait(job.id)
            assert saved.state == "succeeded", saved.error_message
            [download] = [c for c in fake.calls if c["path"].startswith("/files/")][-1:]
            assert download["headers"]["host"].startswith("localhost")  # not the API's host
            assert "authorization" not in download["headers"]  # the key stays with the API
            assert fake.submits == 1
            await allowing.aclose()
        store.close()
