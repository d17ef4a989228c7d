"""The package, the Dockerfile and the Space's front matter agree with the code and keep
secrets out: the wheel carries the assets, the command and the pins, and works installed."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from kling_ui.testing import clean_environment

from .conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
DOCKERIGNORE = (ROOT / ".dockerignore").read_text().splitlines()


def instructions(name: str) -> list[str]:
    """Arguments of every `name` instruction, continuation lines joined as Docker does."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [
        line.split(None, 1)[1]
        for line in joined.splitlines()
        if line.upper().startswith(name + " ")
    ]


def test_runs_as_a_non_root_user_with_uid_1000():
    assert instructions("USER") == ["app"]
    assert re.search(r"useradd [^\n]*--uid 1000 app", DOCKERFILE)
    # USER comes after the last RUN, so the app never runs as root.
    assert DOCKERFILE.rindex("USER app") > DOCKERFILE.rindex("RUN ")


def test_serves_on_7860_on_all_interfaces_with_a_health_check():
    assert instructions("EXPOSE") == ["7860"]
    assert "GRADIO_SERVER_NAME=0.0.0.0" in DOCKERFILE
    assert "GRADIO_SERVER_PORT=7860" in DOCKERFILE
    assert len(instructions("HEALTHCHECK")) == 1 and "7860" in instructions("HEALTHCHECK")[0]
    assert instructions("CMD")[-1] == '["python", "app.py"]'


def test_the_image_gets_the_entry_script_and_the_package_with_its_assets():
    copied = [line.split()[-2] for line in instructions("COPY")]
    assert copied == ["requirements.txt", "app.py", "kling_ui"]  # assets live in kling_ui/
    assert not any(line.strip("/") in ("kling_ui", "kling_ui/assets") for line in DOCKERIGNORE)


def test_gradio_writes_to_a_folder_the_app_user_owns():
    assert "GRADIO_TEMP_DIR=/home/app/gradio" in DOCKERFILE
    assert "ALLOW_PRIVATE_DOWNLOADS" not in DOCKERFILE  # a test-only setting
    assert re.search(r"chown app:app [^\n]*/home/app/gradio", DOCKERFILE)


def test_data_lives_on_a_volume():
    assert instructions("VOLUME") == ['["/data"]']
    assert "KLING_UI_DATA_DIR=/data" in DOCKERFILE


def test_no_secrets_are_baked_in_or_copied():
    for line in instructions("ENV") + instructions("ARG"):
        assert not re.search(r"API_KEY|SECRET|TOKEN", line), line
    copied = " ".join(instructions("COPY"))
    assert ".env" not in copied and "data" not in copied.split()
    assert " . ." not in DOCKERFILE  # no wholesale copy of the build context
    for pattern in (".env", "data/", ".git"):
        assert pattern in DOCKERIGNORE


def test_the_space_front_matter_matches_the_pins():
    readme = (ROOT / "README.md").read_text()
    front = readme.split("---", 2)[1]
    fields = dict(line.split(":", 1) for line in front.strip().splitlines())
    fields = {k.strip(): v.strip().strip('"') for k, v in fields.items()}
    pinned = re.search(
        r"^gradio\[mcp\]==([\d.]+)$", (ROOT / "requirements.txt").read_text(), re.M
    ).group(1)
    assert fields["sdk"] == "gradio" and fields["sdk_version"] == pinned
    assert fields["app_file"] == "app.py" and fields["python_version"] == "3.11"
    assert (ROOT / fields["app_file"]).exists()


def _pins(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-r"))]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel .` makes, built from a copy: setuptools writes build/ and
    *.egg-info beside the sources. pip fetches setuptools for the build, as for any user."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "kling_ui", source / "kling_ui", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=110,
    )
    (built,) = out.glob("kling_ui-*.whl")
    return built


def _metadata(archive: zipfile.ZipFile, name: str) -> str:
    (path,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
    return archive.read(path).decode()


@pytest.mark.slow
def test_the_wheel_carries_the_assets_the_command_and_the_pins(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = _metadata(archive, "METADATA")
        entry_points = _metadata(archive, "entry_points.txt")
    examples = json.loads((ROOT / "kling_ui" / "assets" / "examples.json").read_text())
    frames = {e[k] for e in examples for k in ("image", "end_image") if e.get(k)}
    for frame in frames | {"examples.json", "__init__.py"}:
        assert f"kling_ui/assets/{frame}" in names
    assert {"kling_ui/server.py", "kling_ui/__main__.py", "kling_ui/testing/fake.py"} <= names
    # Only the package: not the Space's entry script, the tests or the benchmarks.
    assert {n.split("/")[0] for n in names} == {"kling_ui", "kling_ui-0.1.0.dist-info"}

    required = [
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert required == _pins(ROOT / "requirements.txt")  # read from it, not copied
    for name in ("gradio[mcp]", "httpx", "pydantic", "av", "pillow"):
        assert any(r.startswith(name + "==") for r in required), name
    assert re.search(r"^kling-ui = kling_ui\.__main__:main$", entry_points, re.M)


def test_the_dev_extra_has_the_pins_of_requirements_dev():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert extras["optional-dependencies"]["dev"] == _pins(ROOT / "requirements-dev.txt")


def _clean_env(**extra: str) -> dict[str, str]:
    """No provider keys, no kling-ui settings, and not the checkout on the import path."""
    env = clean_environment(GRADIO_ANALYTICS_ENABLED="False", KLING_UI_MCP="false", **extra)
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.slow
def test_installed_the_command_renders_a_preview_away_from_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=60,
    )
    python = venv / "bin" / "python"
    # The dependencies are this machine's; the package is only the wheel's.
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    subprocess.run(
        [*install, "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=110,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(KLING_UI_PREVIEW_SHORT_SIDE="360")
    frame = subprocess.run(
        [str(python), "-c", "from kling_ui import assets; print(assets.path('sunset_lake.jpg'))"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(frame).is_file() and Path(frame).is_relative_to(venv)
    args = ["generate", "--provider", "preview", "--image", frame, "--prompt", "a slow pan"]
    run = subprocess.run(
        [str(venv / "bin" / "kling-ui"), *args, "--duration", "3", "--out", "clip.mp4"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "clip.mp4"
    assert (elsewhere / "clip.mp4").stat().st_size > 10_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_python_app_py_serves_the_studio(tmp_path):
    """The Space's and the Dockerfile's entry: `python app.py` in the checkout."""
    port = _free_port()
    env = _clean_env(GRADIO_SERVER_PORT=str(port), KLING_UI_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert process.poll() is None, "app.py exited"
        assert page.status_code == 200 and "gradio" in page.text.lower()
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert f"kling-ui studio on http://127.0.0.1:{port}  (providers: preview)" in out
