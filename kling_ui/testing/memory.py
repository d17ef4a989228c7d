"""A process's peak memory over a stretch of work, for tests and benchmarks (psutil: dev)."""

from __future__ import annotations

import threading

import psutil

MB = 1024 * 1024


class PeakRSS:
    """This process's resident memory, sampled every few milliseconds inside `with`: how
    far it rose above where it started (a decoded frame lives for tens of milliseconds at
    least, so a sample sees it)."""

    def __init__(self, every: float = 0.005) -> None:
        self.process = psutil.Process()
        self.every = every
        self.base = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self.base = self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def grown(self) -> int:
        """Bytes the peak rose above the start."""
        return self.peak - self.base
