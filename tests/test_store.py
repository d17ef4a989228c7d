"""The job store: numbered migrations from an old schema, and safe concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading

from kling_ui.store import MIGRATIONS, JobKind, JobRecord, JobStore, m001_initial

from .conftest import PYTHON, ROOT
from .pagedriver import HTTP


def make_version_1_db(path) -> None:
    """A store exactly as the first release left it, with one finished job in it."""
    with sqlite3.connect(path) as db:
        m001_initial(db)
        db.execute("PRAGMA user_version = 1")
        db.execute(
            "INSERT INTO jobs (id, owner, provider, request, state, request_id, cost, "
            "video_path, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                "old000000001",
                "local",
                "runcomfy",
                json.dumps({"prompt": "old", "duration": 5}),
                "succeeded",
                "rc-1",
                0.56,
                "/videos/old.mp4",
                100.0,
                101.0,
            ),
        )


def test_an_old_store_is_migrated_without_losing_jobs(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    make_version_1_db(path)
    store = JobStore(path)
    assert store.version == len(MIGRATIONS) == 9
    job = store.get("old000000001")
    assert (job.state, job.request_id, job.cost, job.video_path) == (
        "succeeded",
        "rc-1",
        0.56,
        "/videos/old.mp4",
    )
    assert job.request == {"prompt": "old", "duration": 5}
    assert job.notice is None and job.key_fingerprint is None and job.probe is None
    assert job.caller is None and job.kind is JobKind.CLIP
    assert job.model == "kling-video-o3-pro"  # every job before the catalogue ran O3 Pro
    assert job.site is None  # every job before sites ran at the configured one
    updated = store.update("old000000001", notice="migrated", probe={"duration": 5.0}, caller="c1")
    assert updated.notice == "migrated" and updated.probe == {"duration": 5.0}
    assert [j.id for j in store.list(caller="c1")] == ["old000000001"]
    store.close()
    again = JobStore(path)  # migrating twice is a no-op
    assert again.version == len(MIGRATIONS) and again.get("old000000001").notice == "migrated"
    again.close()


def test_a_film_stored_as_a_pretend_provider_becomes_a_film(tmp_path):
    """Films used to be jobs of a provider called "story"; the kind column says it now."""
    path = tmp_path / "jobs.sqlite3"
    make_version_1_db(path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO jobs (id, owner, provider, request, state, created_at, updated_at) "
            "VALUES ('story-000000000001', 'local', 'story', '{}', 'succeeded', 102.0, 102.0)"
        )
    store = JobStore(path)
    kinds = {job.id: job.kind for job in store.list()}
    assert kinds == {"story-000000000001": JobKind.FILM, "old000000001": JobKind.CLIP}
    assert store.get("story-000000000001").is_film
    store.close()


def test_threads_writing_at_once_lose_nothing(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    for i in range(8):
        store.insert(JobRecord(id=f"job{i}", owner="o", provider="preview", request={}))

    def work(i: int) -> None:
        for n in range(50):
            store.update(f"job{i}", progress=n / 50, notice=f"step {n}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {j.notice for j in store.list()} == {"step 49"}
    store.close()


def test_another_process_can_write_while_this_one_reads(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    store.insert(JobRecord(id="shared", owner="o", provider="preview", request={}))
    writer = (
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "from kling_ui.store import JobStore\n"
        "s = JobStore(sys.argv[1])\n"
        "for n in range(200): s.update('shared', progress=n / 200)\n"
    )
    process = subprocess.Popen([PYTHON, "-c", writer, str(path), str(ROOT)])
    reads = 0
    while process.poll() is None:
        assert store.get("shared") is not None  # never "database is locked"
        reads += 1
    assert process.returncode == 0 and reads > 0
    assert store.get("shared").progress == 199 / 200
    store.close()


def test_a_damaged_store_is_moved_aside_and_a_new_one_started(tmp_path, caplog):
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(b"this is not a database " * 200)
    store = JobStore(path)
    assert store.moved_aside is not None and store.moved_aside.read_bytes().startswith(b"this")
    assert store.version == len(MIGRATIONS) and store.list() == []
    assert "damaged; it was moved aside" in caplog.text
    store.close()


def test_the_app_starts_on_a_damaged_store_and_leftovers_are_cleaned(tmp_path):

    from kling_ui.config import Settings
    from kling_ui.server import create_app
    from kling_ui.testing import serve_on_loopback

    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    (data / "jobs.sqlite3").write_bytes(b"\x00garbage" * 500)
    leftovers = [data / "videos" / ".download-abc.part", data / "videos" / ".render-x.mp4"]
    for leftover in leftovers:
        leftover.write_bytes(b"half")
    kept = data / "videos" / "kling-20261124-1200-done-0123456789ab.mp4"
    kept.write_bytes(b"a finished video")
    settings = Settings(_env_file=None, data_dir=data, mcp=False)
    with serve_on_loopback(create_app(settings)) as url:
        assert HTTP.get(url).status_code == 200
    assert not any(p.exists() for p in leftovers) and kept.exists()
    assert list(data.glob("jobs.sqlite3.corrupt-*"))
