"""The one retry policy: each loop's schedule, Retry-After, and when it stops."""

from __future__ import annotations

import pytest

from kling_ui.config import Settings
from kling_ui.eta import PollPlan
from kling_ui.retry import RetryPolicy, jitter
from kling_ui.run import download_retry, status_retry, submit_retry


def test_a_refused_submit_waits_5_s_doubling_to_a_minute_or_as_the_provider_says(tmp_path):
    policy = submit_retry(Settings(_env_file=None, data_dir=tmp_path, job_deadline=600))
    assert [policy.delay(n) for n in range(6)] == [5, 10, 20, 40, 60, 60]
    # The provider's hint is the wait itself, shorter or longer than the backoff.
    assert policy.delay(4, retry_after=0.1) == 0.1
    assert policy.delay(0, retry_after=90) == 90
    assert not policy.gives_up(1000, elapsed=600)  # tries don't count, only the deadline
    assert policy.gives_up(0, elapsed=600.5)


def test_failing_status_checks_back_off_never_sooner_than_retry_after():
    policy = status_retry(PollPlan(shortest=2.0, longest=20.0, late_longest=15.0))
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [4, 8, 16, 32, 40]  # cap: 2x longest
    assert policy.delay(1, retry_after=30) == 30  # a floor under the backoff ...
    assert policy.delay(3, retry_after=1) == 16  # ... never a shortcut
    assert status_retry(PollPlan(5.0, 300.0, 15.0)).delay(10) == 60  # a minute at most
    # No limit of its own: an error's limit (an unknown code) ends the checks.
    assert not policy.gives_up(500)
    assert not policy.gives_up(19, limit=20) and policy.gives_up(20, limit=20)


def test_a_download_is_tried_five_times(tmp_path):
    policy = download_retry(Settings(_env_file=None, data_dir=tmp_path, poll_interval=5.0))
    assert [policy.delay(n) for n in range(4)] == [1, 2, 4, 8]
    assert [policy.gives_up(n) for n in range(1, 6)] == [False] * 4 + [True]
    assert policy.gives_up(3, limit=3)  # the stricter of two limits


def test_the_exponent_stops_growing_long_after_the_cap():
    tiny = RetryPolicy(base=1e-6, cap=3600.0)
    assert tiny.delay(16) == tiny.delay(10_000) == pytest.approx(1e-6 * 2**16)


def test_jitter_stays_within_ten_percent():
    values = [jitter(10.0) for _ in range(200)]
    assert all(9.0 <= v <= 11.0 for v in values) and len(set(values)) > 1
