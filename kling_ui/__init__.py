"""kling-ui: a studio for Kling Video O3 Pro image-to-video (RunComfy, RunningHub, preview)."""

__version__ = "0.1.0"
