"""Run a fake provider on loopback: python -m kling_ui.testing runcomfy --port 8100."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from . import FAKES, serve_on_loopback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("provider", choices=sorted(FAKES))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="test-key", help="the bearer key it accepts")
    parser.add_argument("--queue-seconds", type=float, default=0.5)
    parser.add_argument("--run-seconds", type=float, default=3.0)
    args = parser.parse_args()
    fake = FAKES[args.provider](
        api_key=args.key, queue_seconds=args.queue_seconds, run_seconds=args.run_seconds
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve_on_loopback(fake.app, port=args.port) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
