"""Frame problems are said when a frame is chosen, and a crop fixes a shape mismatch."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from PIL import Image

from kling_ui.errors import InputError
from kling_ui.framing import crop_to, frame_report, shape_name
from kling_ui.janitor import clean_crops
from kling_ui.service import Caller, Studio
from kling_ui.testing.pictures import blank_png


def test_a_good_pair_of_frames_says_nothing(make_image):
    assert frame_report(str(make_image((1280, 720))), str(make_image((1920, 1080))), 0) == ""


def test_a_squashed_end_frame_and_segments_are_flagged_at_once(make_image):
    start, end = str(make_image((1280, 720))), str(make_image((720, 1280)))
    report = frame_report(start, end, 2)
    assert "The end frame is 9:16 but the start frame is 16:9" in report
    assert "An end frame can't be combined with segments" in report


def test_size_and_transparency_are_said_before_generate(tmp_path, make_image):
    small = str(make_image((200, 200)))
    assert "Start frame is 200x200; each side must be at least 300 px." in frame_report(
        small, None, 0
    )
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (640, 360), (10, 20, 30, 0)).save(clear)
    assert "transparent areas: they will be filled with white" in frame_report(str(clear), None, 0)


def test_a_centre_crop_gives_the_asked_shape_once(tmp_path, make_image):
    portrait = str(make_image((900, 1600)))
    square = crop_to(portrait, 1.0, tmp_path)
    assert Image.open(square).size == (900, 900)
    assert crop_to(portrait, 1.0, tmp_path) == square  # made once
    wide = crop_to(portrait, 16 / 9, tmp_path)
    assert shape_name(*Image.open(wide).size) == "16:9"
    start = str(make_image((1280, 720)))
    assert frame_report(start, wide, 0) == ""  # after the crop the pair matches


def test_a_crop_judges_the_size_from_the_header_before_decoding(tmp_path):
    """The 60 MP limit holds for crops too: before it, only Pillow's ~179 MP guard applied
    and this 81 MP frame was decoded (243 MB) to be cropped."""
    huge = tmp_path / "huge.png"
    huge.write_bytes(blank_png(9000, 9000, rows=2))  # 81 MP declared, a few bytes of data
    with pytest.raises(InputError, match=r"9000x9000 \(81 megapixels\); the limit is 60"):
        crop_to(str(huge), 1.0, tmp_path / "crops")
    assert not any((tmp_path / "crops").glob("*"))


def crop_studio(studio: Studio, **changes) -> Studio:
    """The same service with other settings (quotas) for crops."""
    services = dataclasses.replace(
        studio.services, settings=studio.settings.model_copy(update=changes)
    )
    return Studio(services)


async def test_crops_are_kept_per_owner_within_a_quota(studio, make_image):
    studio = crop_studio(studio, crop_quota=2)
    one, two = Caller("b-one"), Caller("b-two")
    frames = [str(make_image((900, 1600), seed=i)) for i in range(3)]
    made = [await studio.crop(one, frame, 1.0, "image") for frame in frames]
    theirs = await studio.crop(two, frames[0], 1.0, "image")
    folders = {Path(path).parent for path in [*made, theirs]}
    assert len(folders) == 2 and all(f.parent == studio.settings.crops_dir for f in folders)
    assert "b-one" not in str(folders)  # a digest names the folder, not the owner's id
    # The owner's third crop pushed out its least recently used: the first.
    assert [Path(p).exists() for p in made] == [False, True, True] and Path(theirs).exists()
    os.utime(made[1], (1, 1))  # long unused: reused now, it is the newest again
    assert await studio.crop(one, frames[1], 1.0, "image") == made[1]
    again = await studio.crop(one, frames[0], 1.0, "image")
    assert Path(made[1]).exists() and Path(again).exists() and not Path(made[2]).exists()


async def test_crops_past_the_bytes_quota_go_oldest_first(studio, make_image):
    studio = crop_studio(studio, crop_quota_mb=0.000001)  # room for the newest only
    first = await studio.crop(Caller("b-one"), str(make_image((900, 1600))), 1.0, "image")
    second = await studio.crop(Caller("b-one"), str(make_image((1600, 900))), 1.0, "image")
    assert Path(second).exists() and not Path(first).exists()


def test_the_janitor_removes_crops_older_than_the_cache_age(tmp_path):
    crops = tmp_path / "crops"
    old, new = crops / "aaaa" / "crop-old.png", crops / "bbbb" / "crop-new.png"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"png")
    os.utime(old, (1000.0, 1000.0))
    os.utime(new, (9000.0, 9000.0))
    assert clean_crops(crops, max_age=3600.0, now=9500.0) == 1
    assert new.exists() and not old.parent.exists()
