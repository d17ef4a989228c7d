"""Fake provider servers speaking the real wire protocols, for tests, benchmarks and demos."""

from .fake import FakeProvider, Fault
from .fake_runcomfy import FakeRunComfy
from .fake_runninghub import FakeRunningHub
from .server import serve_on_loopback

FAKES: dict[str, type[FakeProvider]] = {"runcomfy": FakeRunComfy, "runninghub": FakeRunningHub}

__all__ = ["FAKES", "FakeProvider", "FakeRunComfy", "FakeRunningHub", "Fault", "serve_on_loopback"]
