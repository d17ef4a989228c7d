"""The clocks jobs are timed by: real time, and the tests' clock that jumps over idle waits."""

from __future__ import annotations

import asyncio
import time

from kling_ui.clock import SYSTEM_CLOCK
from kling_ui.testing.clock import VirtualClock


async def test_sleepers_wake_in_deadline_order_at_their_deadlines_without_waiting():
    clock = VirtualClock()
    start, woke = clock.now(), []

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((seconds, round(clock.now() - start, 1)))

    began = time.monotonic()
    await asyncio.gather(sleeper(600), sleeper(30), sleeper(120))
    assert woke == [(30, 30.0), (120, 120.0), (600, 600.0)]
    assert time.monotonic() - began < 1  # ten minutes of waiting, jumped


async def test_time_jumps_only_when_nothing_else_can_run():
    clock = VirtualClock()
    steps = []

    async def busy() -> None:
        for i in range(50):
            steps.append(i)
            await asyncio.sleep(0)  # runnable again at once: the loop is not idle

    async def sleeper() -> int:
        await clock.sleep(5)
        return len(steps)

    seen, _ = await asyncio.gather(sleeper(), busy())
    assert seen == 50


async def test_the_clock_never_reads_earlier_than_real_time():
    clock = VirtualClock()
    await clock.sleep(3)
    assert clock.now() >= time.time() + 3 - 0.1
    assert clock.offset >= 2.9


async def test_a_wake_cuts_a_sleep_short_and_frozen_time_does_not_jump():
    clock = VirtualClock()
    wake = asyncio.Event()
    with clock.frozen():
        sleeping = asyncio.create_task(clock.sleep(60, wake))
        await asyncio.sleep(0.01)  # real time: a frozen clock must not have jumped meanwhile
        assert not sleeping.done() and clock.offset == 0
        wake.set()
        await asyncio.wait_for(sleeping, 1)
        stepped = asyncio.create_task(clock.sleep(60))
        await asyncio.sleep(0)
        clock.advance(60)
        await asyncio.wait_for(stepped, 1)


async def test_a_cancelled_sleep_leaves_no_deadline_to_jump_to():
    clock = VirtualClock()
    sleeping = asyncio.create_task(clock.sleep(3600))
    await asyncio.sleep(0)
    sleeping.cancel()
    await asyncio.gather(sleeping, return_exceptions=True)
    await clock.sleep(1)
    assert clock.offset < 2  # jumped one second, not to the cancelled hour


async def test_the_system_clock_sleeps_in_real_time_and_wakes_on_its_event():
    # About real time: the real clock's sleep must really wait, and a wake must cut it short.
    wake = asyncio.Event()
    began = time.monotonic()
    await SYSTEM_CLOCK.sleep(0.05)
    assert time.monotonic() - began >= 0.05
    asyncio.get_running_loop().call_later(0.01, wake.set)
    await asyncio.wait_for(SYSTEM_CLOCK.sleep(60, wake), 1)
    assert abs(SYSTEM_CLOCK.now() - time.time()) < 0.01
