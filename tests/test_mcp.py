"""The generate tool through the official MCP client, over streamable HTTP."""

from __future__ import annotations

import asyncio
import base64
import re

import jsonschema
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from kling_ui import assets, media
from kling_ui.config import Settings
from kling_ui.server import create_app
from kling_ui.testing import serve_on_loopback

from .pagedriver import HTTP

ASSET = assets.path("sunset_lake.jpg")


@pytest.fixture(scope="module")
def mcp_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("mcp") / "data"
    settings = Settings(_env_file=None, data_dir=data, mcp=True, preview_short_side=360)
    with serve_on_loopback(create_app(settings)) as url:
        yield url


async def _session_call(url: str, work):
    async with (
        streamable_http_client(f"{url}/gradio_api/mcp/") as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await work(session)


def test_the_tool_schema_is_typed_and_fully_described(mcp_app):
    tools = asyncio.run(_session_call(mcp_app, lambda s: s.list_tools())).tools
    [tool] = [t for t in tools if t.name == "generate"]
    schema = tool.inputSchema
    jsonschema.Draft202012Validator.check_schema(schema)
    for name, prop in schema["properties"].items():
        kinds = [prop, *prop.get("anyOf", [])]  # every input has a real type (or null)
        assert any(kind.get("type") not in (None, {}) for kind in kinds), name
        assert all(kind.get("type") not in (None, {}) for kind in prop.get("anyOf", [])), name
        assert prop["description"].endswith("."), (name, prop["description"])  # whole
    segments = schema["properties"]["multi_prompt"]
    assert segments["type"] == "array"
    assert segments["items"]["properties"]["duration"]["type"] == "integer"
    valid = {"image": "https://example.com/a.jpg", "prompt": "p", "multi_prompt": []}
    jsonschema.validate(valid, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**valid, "multi_prompt": [{"prompt": 1}]}, schema)


def test_generate_on_the_preview_with_a_data_url_returns_a_playable_video(mcp_app, tmp_path):
    data_url = "data:image/jpeg;base64," + base64.b64encode(ASSET.read_bytes()).decode()
    arguments = {"image": data_url, "prompt": "Slow push in", "duration": 3, "sound": False}
    result = asyncio.run(
        _session_call(mcp_app, lambda s: s.call_tool("generate", arguments=arguments))
    )
    assert not result.isError, result.content
    text = " ".join(getattr(c, "text", "") for c in result.content)
    [link] = re.findall(r"https?://\S+?\.mp4", text)
    video = tmp_path / "out.mp4"
    video.write_bytes(HTTP.get(link, timeout=30).content)
    assert media.probe(video).duration == pytest.approx(3, abs=0.1)


def test_a_bad_argument_is_refused_before_anything_runs(mcp_app):
    arguments = {"image": "https://example.com/a.jpg", "prompt": "p", "duration": 5.7}
    result = asyncio.run(
        _session_call(mcp_app, lambda s: s.call_tool("generate", arguments=arguments))
    )
    text = " ".join(getattr(c, "text", "") for c in result.content)
    assert result.isError and "integer" in text  # the tool's schema says so


def _call_api(url: str, data: list) -> str:
    joined = HTTP.post(f"{url}/gradio_api/call/generate", json={"data": data})
    event_id = joined.json()["event_id"]
    return HTTP.get(f"{url}/gradio_api/call/generate/{event_id}", timeout=30).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sound", "false", "sound must be true or false"),
        ("duration", 5.7, "duration must be a whole number of seconds from 3 to 15"),
        ("duration", 1e308, "duration must be a whole number of seconds from 3 to 15"),
        ("duration", "5", "duration must be a whole number"),
        ("prompt", None, "prompt must be text"),
        ("shot_type", "auto", "shot_type must be customize or intelligent"),
        ("provider", "fal", "provider must be one of: preview, runcomfy, runninghub"),
        ("multi_prompt", [{"prompt": "a", "duration": "3"}], "multi_prompt must be a list"),
        ("multi_prompt", "3:wide", "multi_prompt must be a list"),
    ],
)
def test_the_http_api_checks_types_strictly(mcp_app, field, value, message):
    order = ["image", "prompt", "end_image", "duration", "sound", "shot_type"]
    order += ["multi_prompt", "provider"]
    with ASSET.open("rb") as handle:
        uploaded = HTTP.post(f"{mcp_app}/gradio_api/upload", files={"files": handle}).json()[0]
    fields = {
        "image": {"path": uploaded, "meta": {"_type": "gradio.FileData"}},
        "prompt": "p",
        "end_image": None,
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "multi_prompt": [],
        "provider": "preview",
        field: value,
    }
    answer = _call_api(mcp_app, [fields[name] for name in order])
    assert "event: error" in answer and message in answer, answer
    assert len(answer) < 600  # one short line, never a huge value echoed back


def test_end_image_admits_null_in_the_schema_and_in_a_call(mcp_app, tmp_path):
    """The documented "omit or null for none" holds: MCP clients validate against the
    schema before calling, so null must be in it."""
    tools = asyncio.run(_session_call(mcp_app, lambda s: s.list_tools())).tools
    [tool] = [t for t in tools if t.name == "generate"]
    schema = tool.inputSchema
    jsonschema.Draft202012Validator.check_schema(schema)
    call = {"image": "https://example.com/a.jpg", "prompt": "p"}
    jsonschema.validate({**call, "end_image": None}, schema)
    jsonschema.validate({**call, "end_image": "https://example.com/b.jpg"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**call, "end_image": 5}, schema)
    assert "null" in schema["properties"]["end_image"]["description"]
    data_url = "data:image/jpeg;base64," + base64.b64encode(ASSET.read_bytes()).decode()
    arguments = {"image": data_url, "prompt": "Hold still", "duration": 3, "end_image": None}
    result = asyncio.run(
        _session_call(mcp_app, lambda s: s.call_tool("generate", arguments=arguments))
    )
    assert not result.isError, result.content
    # A nullable file field is not converted by Gradio's MCP layer: a data URL still works.
    arguments["end_image"] = data_url
    result = asyncio.run(
        _session_call(mcp_app, lambda s: s.call_tool("generate", arguments=arguments))
    )
    assert not result.isError, result.content
    # And through gradio_client, end_image given as None.
    from gradio_client import Client, handle_file

    client = Client(mcp_app, verbose=False)
    video = client.predict(
        image=handle_file(str(ASSET)),
        prompt="Hold still",
        end_image=None,
        duration=3,
        api_name="/generate",
    )
    assert media.probe(video).duration == pytest.approx(3, abs=0.1)


def test_the_http_api_takes_a_model_after_the_provider(mcp_app):
    order = ["image", "prompt", "end_image", "duration", "sound", "shot_type"]
    order += ["multi_prompt", "provider", "model"]
    with ASSET.open("rb") as handle:
        uploaded = HTTP.post(f"{mcp_app}/gradio_api/upload", files={"files": handle}).json()[0]
    fields = {
        "image": {"path": uploaded, "meta": {"_type": "gradio.FileData"}},
        "prompt": "p",
        "end_image": None,
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "multi_prompt": [],
        "provider": "preview",
        "model": "kling-v9",
    }
    answer = _call_api(mcp_app, [fields[name] for name in order])
    assert "event: error" in answer and "model must be one of: kling-video-o3-pro" in answer


def test_the_tool_describes_the_model_parameter(mcp_app):
    tools = asyncio.run(_session_call(mcp_app, lambda s: s.list_tools())).tools
    [tool] = [t for t in tools if t.name == "generate"]
    model = tool.inputSchema["properties"]["model"]
    assert "kling-video-o3-std" in model["description"]
    assert "model" not in tool.inputSchema.get("required", [])
