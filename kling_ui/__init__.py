"""kling-ui: a studio for Kling Video O3 Pro image-to-video (RunComfy, RunningHub, preview)."""

from . import gradio_import

__version__ = "0.1.0"

# Before anything imports Gradio (the app, the UI, the tests): see gradio_import.
gradio_import.install()
