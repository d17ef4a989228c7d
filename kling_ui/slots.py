"""How many jobs an account runs at once, learned from its provider's "too many tasks" answers.

RunningHub refuses a submit over a plan's concurrency (415, 421, 1520; docs/providers.md)
and publishes no limit we can read for free. Sending again on a timer hammers the account
for as long as its running jobs take. Instead, when a submit is refused while N jobs of that
key are running here, N is the account's limit: from then on the next job of that key waits
in this app's queue (not sent, not charged) until one of them ends, then goes once.

A learned limit is forgotten after LIMIT_MEMORY seconds (a plan may grow), and a refusal
while no job of the key runs here teaches nothing (other work holds the slots: the caller
falls back to waiting on a timer).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .clock import SYSTEM_CLOCK, Clock

LIMIT_MEMORY = 3600.0  # a learned limit holds for an hour after its last refusal

SlotKey = tuple[str, str]  # (provider, the key's salted fingerprint)


@dataclass
class _Account:
    running: set[str] = field(default_factory=set)  # job ids holding a provider slot
    limit: int | None = None
    learned_at: float = 0.0
    waiters: set[asyncio.Event] = field(default_factory=set)  # waiting runs' wake events
    queue: list[str] = field(default_factory=list)  # job ids waiting here, oldest first


class Slots:
    """Per provider key: the jobs running there from this process, and the learned limit."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self._accounts: dict[SlotKey, _Account] = {}

    def _account(self, key: SlotKey) -> _Account:
        return self._accounts.setdefault(key, _Account())

    def hold(self, key: SlotKey, job_id: str) -> None:
        """`job_id` was accepted by the provider: it holds one of the account's slots."""
        self._account(key).running.add(job_id)

    def release(self, key: SlotKey, job_id: str, *, wake: bool = True) -> None:
        """`job_id` ended there (or is no longer followed): with `wake`, waiting jobs look
        again (not after a refused submit: that freed nothing)."""
        account = self._accounts.get(key)
        if account is None or job_id not in account.running:
            return
        account.running.discard(job_id)
        for waiting in account.waiters if wake else ():
            waiting.set()

    def running(self, key: SlotKey) -> int:
        account = self._accounts.get(key)
        return len(account.running) if account else 0

    def learn(self, key: SlotKey) -> int | None:
        """A submit of this key was refused for concurrency: the jobs running here now are
        the limit. None when none run here (nothing to wait for but time)."""
        account = self._account(key)
        if not account.running:
            return None
        account.limit = len(account.running)
        account.learned_at = self.clock.now()
        return account.limit

    def full(self, key: SlotKey, job_id: str | None = None) -> int | None:
        """The learned limit when this key's running jobs have reached it, counting the
        jobs that have waited longer than `job_id` (first come, first sent), else None."""
        account = self._accounts.get(key)
        if account is None or account.limit is None:
            return None
        if self.clock.now() - account.learned_at > LIMIT_MEMORY:
            account.limit = None
            return None
        queue = account.queue
        ahead = queue.index(job_id) if job_id in queue else len(queue)
        return account.limit if len(account.running) + ahead >= account.limit else None

    async def wait_for_one(
        self, key: SlotKey, job_id: str, wake: asyncio.Event, longest: float
    ) -> None:
        """Until a job of this key ends, `wake` is set otherwise (a cancel), or `longest`
        seconds pass; `job_id` keeps its place in line meanwhile. The caller clears `wake`
        afterwards, and calls `leave` once it stops waiting."""
        account = self._account(key)
        if job_id not in account.queue:
            account.queue.append(job_id)
        account.waiters.add(wake)
        try:
            await self.clock.sleep(longest, wake)
        finally:
            account.waiters.discard(wake)

    def leave(self, key: SlotKey, job_id: str) -> None:
        """`job_id` no longer waits (sent, or canceled): the next in line may go."""
        account = self._accounts.get(key)
        if account is not None and job_id in account.queue:
            account.queue.remove(job_id)
            for waiting in account.waiters:
                waiting.set()
