"""The Dockerfile and the Space's front matter agree with the code and keep secrets out."""

from __future__ import annotations

import re

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
