"""An API call's Gradio session holds what the call touched, not the whole page's config."""

from __future__ import annotations

import json

from gradio.state_holder import SessionState

from kling_ui import assets
from kling_ui.config import Settings
from kling_ui.server import create_app, mounted_gradio_app
from kling_ui.testing import FakeRunComfy, serve_on_loopback
from kling_ui.ui.sessions import LeanSessionState, RenderedConfigs

from .conftest import RC_KEY
from .pagedriver import HTTP

ASSET = assets.path("sunset_lake.jpg")


def _generate_over_http(url: str) -> str:
    """One /generate through the documented HTTP API; returns the event id (its session)."""
    with open(ASSET, "rb") as f:
        uploaded = HTTP.post(f"{url}/gradio_api/upload", files={"files": (ASSET.name, f)})
    file = {"path": uploaded.json()[0], "meta": {"_type": "gradio.FileData"}}
    data = [file, "Slow push in", None, 3, False, "customize", [], "runcomfy"]
    joined = HTTP.post(f"{url}/gradio_api/call/generate", json={"data": data})
    event_id = joined.json()["event_id"]
    answer = HTTP.get(f"{url}/gradio_api/call/generate/{event_id}", timeout=30).text
    assert "event: complete" in answer, answer
    return event_id


def test_an_api_call_renders_only_the_blocks_it_touches_in_a_queue_hundreds_wide(tmp_path):
    rc = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.05, run_seconds=0.1)
    with serve_on_loopback(rc.app) as rc_url:
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path / "data",
            poll_interval=0.05,
            poll_interval_max=0.1,
            runcomfy_api_key=RC_KEY,
            runcomfy_base_url=rc_url,
            mcp=False,
            allow_private_downloads=True,  # the fake's video links are on loopback
            max_events=321,
        )
        app = create_app(settings)
        gradio_app = mounted_gradio_app(app)
        # Gradio's queue takes as many events at once as the settings say (not its 40), and
        # no kind of event waits for another of its kind: generations mostly wait on a provider.
        queue = gradio_app.get_blocks()._queue
        assert (queue.max_thread_count, queue.default_concurrency_limit) == (321, None)
        with serve_on_loopback(app) as url:
            event_id = _generate_over_http(url)
    page_blocks = len(gradio_app.get_blocks().blocks)
    session = gradio_app.state_holder.session_data[event_id]
    rendered = dict(session.config_values)  # what the session holds, without rendering more
    assert page_blocks > 200
    # The call's own inputs and output; Gradio's SessionState renders every block up front.
    assert 0 < len(rendered) <= 10, sorted(c["type"] for c in rendered.values())


def test_a_deep_link_still_sees_every_component_as_gradio_would(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", mcp=False)
    blocks = mounted_gradio_app(create_app(settings)).get_blocks()
    rendered = RenderedConfigs()  # shared by the app's sessions, as LeanStateHolder does
    theirs, ours = SessionState(blocks), LeanSessionState(blocks, rendered)
    textbox = next(k for k, b in blocks.blocks.items() if type(b).__name__ == "Textbox")
    for session in (theirs, ours):
        session._update_value_in_config(textbox, "typed here")

    def snapshot(session: SessionState) -> str:
        return json.dumps(sorted(session.components, key=lambda c: c["id"]), default=str)

    # (Compared as one bool: a diff of two 0.5 MB texts would take pytest minutes to show.)
    same = snapshot(ours) == snapshot(theirs)
    assert same, "a deep link sees other components than Gradio's own session shows"
    assert '"typed here"' in snapshot(ours)
    # Another session starts from the page's own configs: nothing one wrote shows in it.
    neighbour = LeanSessionState(blocks, rendered)
    leaked = '"typed here"' in snapshot(neighbour)
    assert not leaked, "what one session wrote shows in another's"
    same = snapshot(neighbour) == snapshot(SessionState(blocks))
    assert same, "a new session does not start from the page's own configs"
