"""The resume plan, decided from a stored record alone: never pay twice.

No provider and no store here: plan_resume only reads the record, the keys on hand and the
fingerprint of each, and says what carrying the job on means.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from kling_ui.errors import RESUMABLE_CODES
from kling_ui.keyprints import KeyPrints
from kling_ui.keys import PayingKey
from kling_ui.records import JobRecord
from kling_ui.resume import Follow, Rerender, SettleUnsent, Skip, WaitForKey, plan_resume
from kling_ui.state import ACTIVE, FINAL, HELD, JobState

STARTED_WITH = PayingKey("visitor-own-key-1", "offered")
SERVERS = PayingKey("server-key-2", "server")
STRANGER = PayingKey("someone-elses-3", "offered")
# Every set of keys that may be on hand, in the order key_choices gives them.
KEY_SETS = [
    (),
    (STARTED_WITH,),
    (STRANGER,),
    (SERVERS,),
    (STRANGER, SERVERS),
    (STARTED_WITH, SERVERS),
]
# Where a job may be when something asks to carry it on.
CARRIED_ON = sorted(ACTIVE | HELD)


@pytest.fixture
def fingerprint(tmp_path):
    prints = KeyPrints(tmp_path)
    return lambda key: prints.of("runcomfy", key)


def job(fingerprint, **fields) -> JobRecord:
    fields.setdefault("key_fingerprint", fingerprint(STARTED_WITH.value))
    return JobRecord(id="j1", owner="o", provider="runcomfy", request={}, **fields)


@pytest.mark.parametrize(("state", "keys"), itertools.product(CARRIED_ON, KEY_SETS))
def test_a_job_with_a_request_id_is_only_followed_with_its_key_or_waits(fingerprint, state, keys):
    record = job(fingerprint, state=state, request_id="r1", submitted_at=1.0)
    plan = plan_resume(record, keys, fingerprint)
    if STARTED_WITH in keys:
        assert plan == Follow(STARTED_WITH)
    else:
        assert plan == WaitForKey()  # never anything that submits


@pytest.mark.parametrize(("state", "keys"), itertools.product(CARRIED_ON, KEY_SETS))
def test_a_sent_job_without_a_request_id_is_settled_unknown_never_resent(fingerprint, state, keys):
    record = job(fingerprint, state=state, submitted_at=1.0)
    assert plan_resume(record, keys, fingerprint) == SettleUnsent(unknown=True)


def test_a_job_interrupted_before_sending_is_settled_as_free(fingerprint):
    record = job(fingerprint, state=JobState.SUBMITTING)
    assert plan_resume(record, (STARTED_WITH,), fingerprint) == SettleUnsent(unknown=False)


def test_a_wrong_key_is_not_followed_but_the_servers_own_job_is(fingerprint):
    record = job(fingerprint, state=JobState.RUNNING, request_id="r1")
    assert plan_resume(record, (STRANGER,), fingerprint) == WaitForKey()
    on_server = job(
        fingerprint,
        state=JobState.RUNNING,
        request_id="r2",
        key_fingerprint=fingerprint(SERVERS.value),
    )
    # A stranger's key offered first does not pay for it: the server's key, its own, does.
    assert plan_resume(on_server, (STRANGER, SERVERS), fingerprint) == Follow(SERVERS)


def test_a_job_that_kept_no_key_print_is_followed_with_the_first_key(fingerprint):
    record = job(fingerprint, state=JobState.QUEUED, request_id="r1", key_fingerprint=None)
    assert plan_resume(record, (STRANGER, SERVERS), fingerprint) == Follow(STRANGER)
    assert plan_resume(record, (), fingerprint) == WaitForKey()


@pytest.mark.parametrize("state", CARRIED_ON)
def test_the_preview_renders_again(fingerprint, state):
    record = job(fingerprint, state=state, request_id="p1", key_fingerprint=None)
    record.provider = "preview"
    assert plan_resume(record, (), fingerprint) == Rerender()


@pytest.mark.parametrize("state", sorted(FINAL - {JobState.FAILED}))
def test_finished_jobs_are_skipped(fingerprint, state):
    record = job(fingerprint, state=state, request_id="r1", error_code="timeout")
    assert plan_resume(record, (STARTED_WITH,), fingerprint) == Skip()


@pytest.mark.parametrize("code", [None, "1505", "connect", "submit_unknown", "bad_video"])
def test_a_failure_nothing_upstream_can_change_is_skipped(fingerprint, code):
    record = job(fingerprint, state=JobState.FAILED, request_id="r1", error_code=code)
    assert plan_resume(record, (STARTED_WITH,), fingerprint) == Skip()


@pytest.mark.parametrize("code", sorted(RESUMABLE_CODES))
def test_resumable_failures_are_followed(fingerprint, code):
    # As an old database hands it back: the plain string.
    record = job(fingerprint, state=JobState.FAILED, request_id="r1", error_code=str(code))
    assert plan_resume(record, (STARTED_WITH,), fingerprint) == Follow(STARTED_WITH)


def test_the_plan_does_not_need_the_job_manager():
    code = "import sys, kling_ui.resume; print('kling_ui.jobs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
