"""Gradio is imported without its type-stub writer (kling_ui/gradio_import.py)."""

from __future__ import annotations

import sys

import gradio as gr
import gradio.component_meta

from kling_ui import gradio_import


def test_gradio_in_this_process_was_imported_without_its_stub_writer():
    # conftest imports kling_ui first, as app.py does, so the hook was in place.
    assert gradio.component_meta.create_or_modify_pyi is gradio_import._skip_stubs
    # Components still work: a page with one of each kind the studio uses builds its config.
    with gr.Blocks() as demo:
        gr.Textbox(label="Prompt")
        gr.Dropdown(["preview"], label="Provider")
        gr.Video(label="Video")
    labels = [c["props"].get("label") for c in demo.get_config_file()["components"]]
    assert {"Prompt", "Provider", "Video"} <= set(labels)


def test_installing_after_gradio_is_imported_changes_nothing():
    assert gradio_import.install() is False
    assert not any(isinstance(f, gradio_import._SkipStubWriter) for f in sys.meta_path)
