"""The spend ledger: deleting jobs gives no money back, and two processes can't overspend."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from kling_ui.jobs import JobManager
from kling_ui.request import parse_request
from kling_ui.spending import SpendingRefused
from kling_ui.store import JobStore
from kling_ui.testing import FakeRunComfy, serve_on_loopback
from kling_ui.trash import Trash

from .conftest import RC_KEY, ROOT, cli_env, cli_here
from .test_store import make_version_1_db

# RunComfy lists 3 s at $0.112/s = $0.336: two fit under $0.80, a third does not.
CAP = 0.80


@pytest.fixture
async def capped(settings, client, clock):
    custom = settings.model_copy(update={"daily_cap_usd": CAP, "rate_limit": "5/hour"})
    manager = JobManager(custom, JobStore(custom.db_path), client, clock=clock)
    yield manager
    await manager.aclose()


def clip(make_image, prompt: str):
    return parse_request({"image": str(make_image()), "prompt": prompt, "duration": 3})


async def visit(manager: JobManager, request, owner: str = "visitor"):
    return await manager.submit(
        request, provider="runcomfy", owner=owner, caller="one-address", visitor=True
    )


async def test_deleting_jobs_gives_no_money_back(capped, make_image, fake_rc):
    made = [await visit(capped, clip(make_image, f"take {n}")) for n in range(2)]
    with pytest.raises(SpendingRefused, match=r"\(\$0\.80\) is reached"):
        await visit(capped, clip(make_image, "take 3"))
    trash = Trash(capped)
    for job in made:
        assert (await capped.wait(job.id)).state == "succeeded"
        trash.delete(job.id)
    trash.purge(now=float("inf"))  # gone for good, files and all
    assert capped.store.list() == []
    with pytest.raises(SpendingRefused, match=r"\$0\.67 used"):
        await visit(capped, clip(make_image, "after the delete"))
    assert fake_rc.submits == 2


async def test_deleting_jobs_does_not_reset_the_rate_limit(settings, client, clock, make_image):
    custom = settings.model_copy(update={"rate_limit": "2/hour"})
    manager = JobManager(custom, JobStore(custom.db_path), client, clock=clock)
    request = parse_request({"image": str(make_image()), "prompt": "p", "duration": 3})
    for n in range(2):
        job = await manager.submit(
            request.model_copy(update={"prompt": f"take {n}"}),
            provider="preview",
            owner="busy",
            visitor=True,
        )
        await manager.wait(job.id)
        Trash(manager).delete(job.id)
    with pytest.raises(SpendingRefused, match="You've started 2 generations"):
        await manager.submit(request, provider="preview", owner="busy", visitor=True)
    await manager.aclose()


def test_the_ledger_refuses_to_be_rewritten(settings):
    store = JobStore(settings.db_path)
    make_entry = "INSERT INTO ledger (at, job_id, owner, provider, model, estimate, currency) "
    db = sqlite3.connect(settings.db_path)
    db.execute(make_entry + "VALUES (1, 'j1', 'o', 'runcomfy', 'm', 0.5, 'USD')")
    db.commit()
    for statement in ("DELETE FROM ledger", "UPDATE ledger SET estimate = 0"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)
    assert db.execute("SELECT count(*) FROM ledger").fetchone() == (1,)
    db.close()
    store.close()


def test_an_upgrade_enters_the_jobs_already_stored(tmp_path):
    """A store from before the ledger: its jobs count, so an upgrade resets no limit."""
    path = tmp_path / "jobs.sqlite3"
    make_version_1_db(path)  # one finished RunComfy job that cost $0.56
    store = JobStore(path)
    (day,) = store.spend_report()
    assert (day.day, day.provider, day.currency, day.jobs) == ("1970-01-01", "runcomfy", "USD", 1)
    assert day.amount == pytest.approx(0.56) and day.estimated == 0
    store.close()


async def test_spend_lists_each_day_provider_and_currency_and_delete_keeps_it(
    settings, manager, make_image, fake_rc, fake_rh
):
    for provider in ("runcomfy", "runninghub"):
        job = await manager.submit(clip(make_image, provider), provider=provider)
        assert (await manager.wait(job.id)).state == "succeeded"
    env = cli_env(settings.data_dir)

    def cli(*args: str) -> subprocess.CompletedProcess:  # its own event loop, beside ours
        return cli_here(*args, env=env, cwd=settings.data_dir)

    listed = await asyncio.to_thread(cli, "jobs", "spend", "--csv")
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.strip().splitlines()
    assert rows[0] == "day,provider,currency,jobs,amount,estimated"
    assert {tuple(r.split(",")[1:4]) for r in rows[1:]} == {
        ("runcomfy", "USD", "1"),
        ("runninghub", "CNY", "1"),
    }
    ids = [job.id for job in manager.store.list()]
    deleted = await asyncio.to_thread(cli, "jobs", "delete", *ids)
    assert deleted.returncode == 0, deleted.stderr
    assert manager.store.list() == []
    again = await asyncio.to_thread(cli, "jobs", "spend", "--csv")
    assert again.stdout == listed.stdout  # the ledger is the operator's record, kept


RACER = textwrap.dedent(
    """
    import asyncio, json, sys
    from kling_ui.config import load_settings
    from kling_ui.service import Caller, open_studio
    from kling_ui.spending import SpendingRefused

    async def main(name, image):
        async with open_studio(load_settings()) as studio:
            async def one(n):
                caller = Caller(f"{name}-{n}", address=f"{name}-{n}")
                fields = {"image": image, "prompt": f"{name} {n}", "duration": 3}
                try:
                    job = await studio.generate(caller, fields, provider="runcomfy")
                except SpendingRefused:
                    return None
                return (await studio.services.jobs.wait(job.id)).state
            print(json.dumps(await asyncio.gather(*(one(n) for n in range(4)))))

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def test_two_processes_racing_to_the_cap_admit_only_what_it_allows(tmp_path, make_image):
    fake = FakeRunComfy(api_key=RC_KEY, queue_seconds=0.0, run_seconds=0.2)
    # A visitor hands in uploads only: a frame the app already keeps in its data folder.
    image = tmp_path / "data" / "inputs" / "frame.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(make_image().read_bytes())
    with serve_on_loopback(fake.app) as url:
        env = cli_env(
            tmp_path / "data",
            RUNCOMFY_API_KEY=RC_KEY,
            RUNCOMFY_BASE_URL=url,
            KLING_UI_DAILY_CAP_USD=str(CAP),
        )
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, name, str(image)],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("a", "b")
        ]
        results = [racer.communicate(timeout=60) for racer in racers]
    for racer, (_, err) in zip(racers, results, strict=True):
        assert racer.returncode == 0, err
    outcomes = [state for out, _ in results for state in json.loads(out)]
    assert outcomes.count("succeeded") == 2 and outcomes.count(None) == 6  # None: refused
    assert fake.submits == 2


async def test_a_visitors_spend_today_counts_what_they_deleted(studio, make_image, fake_rc):
    from kling_ui.service import Caller

    caller = Caller("local")  # a private run's one owner
    frame = studio.settings.inputs_dir / "frame.png"  # a visitor hands in uploads only
    frame.parent.mkdir(parents=True, exist_ok=True)
    frame.write_bytes(make_image().read_bytes())
    fields = {"image": str(frame), "prompt": "p", "duration": 3}
    job = await studio.generate(caller, fields, provider="runcomfy")
    await studio.services.jobs.wait(job.id)
    studio.delete(caller, job.id)
    assert studio.spent_today(caller) == {"USD": pytest.approx(0.336)}
    with pytest.raises(SpendingRefused, match=r"Your own daily limit \(\$0\.50\)"):
        await studio.generate(
            caller, {**fields, "prompt": "q"}, provider="runcomfy", own_limit_usd=0.5
        )
    assert fake_rc.submits == 1
