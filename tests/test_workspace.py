"""Each owner's workspace through the service: drafts and saved stories, kept per owner, with
frames kept once by content, within limits, never a key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kling_ui import workspace
from kling_ui.errors import InputError
from kling_ui.service import Caller
from kling_ui.store import JobStore

from .conftest import RC_KEY, until

ALICE = Caller("alice", "addr-a")
BOB = Caller("bob", "addr-b")


def handed_in(settings, path: Path) -> str:
    """A frame as a visitor hands it in: a file in the server's upload area (here the data
    folder, which visitors may refer to as well)."""
    folder = settings.data_dir / "uploads-for-test"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{len(list(folder.iterdir()))}-{path.name}"
    shutil.copyfile(path, target)
    return str(target)


def form(settings, make_image, **extra) -> dict:
    return {
        "image": handed_in(settings, make_image()),
        "prompt": "A boat drifts at dawn",
        "duration": 6,
        "sound": True,
        "shot_type": "customize",
        "provider": "runcomfy",
        "model": "kling-o3-pro",
        "crop": "16:9",
        "segments": [{"prompt": "wide", "duration": 3}, {"prompt": "close", "duration": 3}],
        **extra,
    }


async def test_a_draft_comes_back_for_its_owner_and_no_one_else(studio, settings, make_image):
    saved = await studio.save_draft(ALICE, form(settings, make_image))
    again = studio.draft(ALICE)
    assert again == saved
    assert again["prompt"] == "A boat drifts at dawn" and again["provider"] == "runcomfy"
    assert again["segments"][1] == {"prompt": "close", "duration": 3}
    # The frame is kept in Alice's workspace by its content, not where it was uploaded.
    kept = Path(again["image"])
    assert kept.is_file() and kept.parent == workspace.owner_folder(
        settings.data_dir / "workspace", "alice"
    )
    assert studio.draft(BOB) == {}
    studio.new_draft(ALICE)
    assert studio.draft(ALICE) == {}


async def test_the_same_frame_is_kept_once_and_saving_again_copies_nothing(
    studio, settings, make_image
):
    first = await studio.save_draft(ALICE, form(settings, make_image))
    second = await studio.save_draft(ALICE, {**first, "prompt": "changed"})
    assert second["image"] == first["image"]
    third = await studio.save_draft(ALICE, form(settings, make_image))  # same bytes again
    assert third["image"] == first["image"]
    assert len(list(Path(first["image"]).parent.glob("*"))) == 1


async def test_a_key_is_never_stored_whatever_the_form_sends(studio, settings, make_image):
    fields = form(settings, make_image, api_key=RC_KEY, runcomfy_key=RC_KEY, own_limit=3)
    saved = await studio.save_draft(ALICE, fields)
    assert set(saved) <= set(workspace.DRAFT_FIELDS)
    story = {"name": "keys?", "provider": "runcomfy", "api_key": RC_KEY, "shots": []}
    await studio.save_story(ALICE, None, story)
    for path in settings.data_dir.glob("jobs.sqlite3*"):
        assert RC_KEY.encode() not in path.read_bytes(), path.name


async def test_another_owner_cannot_use_a_frame_kept_for_someone_else(studio, settings, make_image):
    alice = await studio.save_draft(ALICE, form(settings, make_image))
    bob = await studio.save_draft(BOB, {"image": alice["image"], "prompt": "mine now"})
    assert bob.get("image") is None


async def test_limits_name_the_field_and_the_limit(studio, settings, make_image):
    with pytest.raises(InputError) as caught:
        await studio.save_draft(ALICE, {"prompt": "x" * (workspace.MAX_BODY_BYTES + 1)})
    assert "Draft" in caught.value.user_message and "64,000 byte limit" in caught.value.user_message
    with pytest.raises(InputError, match="Story name: 81 characters, the limit is 80"):
        await studio.save_story(ALICE, None, {"name": "n" * 81, "shots": []})
    settings.max_upload_mb = 0.001
    with pytest.raises(InputError, match=r"image: Frame: .* over the 1,000 byte limit"):
        await studio.save_draft(ALICE, form(settings, make_image))


async def test_stories_are_saved_listed_renamed_reopened_and_deleted_per_owner(
    studio, settings, make_image
):
    start = handed_in(settings, make_image(seed=1))
    own = handed_in(settings, make_image(seed=2))
    shots = [
        {"prompt": "wide", "seconds": 3, "sound": False, "frame": None, "segments": ""},
        {"prompt": "closer", "seconds": 4, "sound": True, "frame": own, "segments": "4: in"},
    ]
    fields = {"name": "Harbour", "provider": "preview", "crossfade": True, "start": start}
    saved = await studio.save_story(ALICE, None, {**fields, "shots": shots})
    assert [s["name"] for s in studio.stories(ALICE)] == ["Harbour"]
    assert studio.stories(BOB) == [] and studio.open_story(BOB, saved["id"]) is None
    opened = studio.open_story(ALICE, saved["id"])
    assert opened["shots"][1]["prompt"] == "closer" and Path(opened["shots"][1]["frame"]).is_file()
    assert Path(opened["start"]).is_file() and opened["crossfade"] is True
    # Bob can't overwrite, rename or delete Alice's story by its id.
    bobs = await studio.save_story(BOB, saved["id"], {**fields, "name": "Bob's", "shots": []})
    assert bobs["id"] != saved["id"]
    assert studio.rename_story(BOB, saved["id"], "taken") is None
    assert studio.delete_story(BOB, saved["id"]) is False
    assert studio.rename_story(ALICE, saved["id"], "Harbour at dawn")["name"] == "Harbour at dawn"
    assert [s["name"] for s in studio.stories(ALICE)] == ["Harbour at dawn"]
    assert studio.delete_story(ALICE, saved["id"]) is True
    assert studio.stories(ALICE) == []


async def test_a_frame_nothing_refers_to_goes_but_only_once_old(studio, settings, make_image):
    first = await studio.save_draft(ALICE, form(settings, make_image))
    other = await studio.save_draft(ALICE, {"image": handed_in(settings, make_image(seed=5))})
    folder = Path(first["image"]).parent
    assert Path(first["image"]).exists()  # young: a save under way may still need it
    removed = workspace.sweep(folder, {other["image"]}, now=9e12)
    assert removed == [Path(first["image"]).resolve()] and Path(other["image"]).exists()


async def test_deleting_a_job_leaves_the_drafts_frame_alone(studio, manager, settings, make_image):
    saved = await studio.save_draft(ALICE, form(settings, make_image, provider="preview"))
    fields = {"image": saved["image"], "prompt": "p", "duration": 3}
    job = await studio.generate(ALICE, fields, provider="preview")
    await until(manager, job.id, lambda j: j.is_final)
    studio.delete(ALICE, job.id)
    assert Path(saved["image"]).is_file()
    assert studio.draft(ALICE)["image"] == saved["image"]


def test_the_workspace_tables_come_with_the_store(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    with store.snapshot() as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    store.close()
    tables = {r[0] for r in rows}
    assert {"drafts", "stories"} <= tables


async def test_a_restored_frame_whose_link_was_cleaned_away_is_still_found(
    studio, settings, make_image
):
    saved = await studio.save_draft(ALICE, form(settings, make_image))
    # The page was handed a link named like the kept frame; the janitor removed it since.
    gone = settings.data_dir / "uploads-for-test" / "old-link" / Path(saved["image"]).name
    again = await studio.save_draft(ALICE, {**saved, "image": str(gone)})
    assert again["image"] == saved["image"]
    with pytest.raises(InputError, match="gone from the server"):
        await studio.save_draft(BOB, {**saved, "image": str(gone)})
