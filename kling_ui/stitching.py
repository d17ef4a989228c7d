"""Join clips end to end into one film (the story's cut, and `python -m kling_ui stitch`).

The video is copied packet by packet whenever the clips allow it, so a paid clip's picture
is never re-encoded; clips that differ in size or rate, or a cross-fade, are re-encoded.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
from PIL import Image

from .media import AUDIO_RATE, VideoInfo, VideoWriter, mux_audio, probe


def stitch(paths: list[Path], out: Path, *, crossfade: float = 0.0) -> Path:
    """Join clips end to end into `out`, with an optional cross-fade of `crossfade` seconds.

    Clips with the same size, frame rate and video codec are joined without re-encoding the
    picture (packets are copied with shifted timestamps); otherwise, or to cross-fade, every
    clip is decoded and re-encoded to the first clip's size and rate. When any clip has sound
    the film has one audio track over its whole length (silence where a clip has none).
    """
    if not paths:
        raise ValueError("nothing to stitch")
    infos = [probe(p) for p in paths]
    # The video is copied whenever it can be: a paid clip is never re-encoded (and softened)
    # just because another shot is silent; then only the sound is made anew.
    video = {(i.width, i.height, round(i.fps, 3), i.video_codec, i.pix_fmt) for i in infos}
    if len(video) == 1 and crossfade <= 0:
        audio_alike = len({i.has_audio for i in infos}) == 1
        return _stitch_copy(paths, infos, out, copy_audio=audio_alike)
    return _stitch_reencode(paths, infos, out, crossfade=max(0.0, crossfade))


def _stitch_copy(paths: list[Path], infos: list[VideoInfo], out: Path, *, copy_audio: bool) -> Path:
    """Packets copied with shifted timestamps; with `copy_audio` False, one new audio track
    (each clip's sound, or silence, fitted to its clip's length so shots stay in sync)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".stitch-{out.name}")
    with (
        av.open(str(paths[0])) as template,
        av.open(str(tmp), "w", options={"movflags": "+faststart"}) as dst,
    ):
        streams = {
            s.type: dst.add_stream_from_template(s)
            for s in template.streams
            if s.type == "video" or (s.type == "audio" and copy_audio)
        }
        new_audio = None
        if not copy_audio:
            new_audio = dst.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        lengths: list[float] = []  # each clip's video length, in seconds
        start = 0.0  # where the next clip begins, in seconds
        last_dts: dict[str, int] = {}
        for path in paths:
            with av.open(str(path)) as src:
                shifts: dict[str, int] = {}
                clip_end = start
                for packet in src.demux():
                    kind = packet.stream.type
                    if kind not in streams or packet.dts is None:
                        continue
                    tb = packet.stream.time_base
                    if kind not in shifts:
                        # Start this clip at `start`, but never at or before the previous
                        # packet: AAC priming gives each clip a slightly negative first dts.
                        shift = round(start / tb)
                        if kind in last_dts and packet.dts + shift <= last_dts[kind]:
                            shift = last_dts[kind] + 1 - packet.dts
                        shifts[kind] = shift
                    packet.pts = (packet.pts if packet.pts is not None else packet.dts) + shifts[
                        kind
                    ]
                    packet.dts += shifts[kind]
                    last_dts[kind] = packet.dts
                    if kind == "video":
                        clip_end = max(clip_end, float((packet.pts + packet.duration) * tb))
                    packet.stream = streams[kind]
                    dst.mux(packet)
                lengths.append(clip_end - start)
                start = clip_end
        if new_audio is not None:
            tracks = [
                _fit(_decode_audio(p, i), seconds)
                for p, i, seconds in zip(paths, infos, lengths, strict=True)
            ]
            mux_audio(dst, new_audio, np.concatenate(tracks), 0)
            dst.mux(new_audio.encode(None))
    os.replace(tmp, out)
    return out


def _stitch_reencode(
    paths: list[Path], infos: list[VideoInfo], out: Path, *, crossfade: float = 0.0
) -> Path:
    first = infos[0]
    fps = max(1, round(first.fps))
    audio = any(i.has_audio for i in infos)
    size = (first.width, first.height)
    # A fade can't be longer than half the shortest clip.
    overlap = min(int(crossfade * fps), *(int(i.duration * fps) // 2 for i in infos))
    held: list[Image.Image] = []  # the previous clip's last `overlap` frames
    with VideoWriter(out, width=size[0], height=size[1], fps=fps, audio=audio) as writer:
        for number, path in enumerate(paths):
            frames = _frames(path, size)
            for i, image in enumerate(frames):
                if i < len(held):  # blend into the tail of the clip before
                    image = Image.blend(held[i], image, (i + 1) / (len(held) + 1))
                    held_out = i + 1 == len(held)
                    writer.write_frame(image)
                    if held_out:
                        held = []
                    continue
                if overlap and number < len(paths) - 1:
                    held.append(image)  # maybe part of the next fade
                    if len(held) > overlap:
                        writer.write_frame(held.pop(0))
                    continue
                writer.write_frame(image)
        for image in held:
            writer.write_frame(image)
        if audio:
            tracks = [_decode_audio(p, i) for p, i in zip(paths, infos, strict=True)]
            writer.write_audio(_join_audio(tracks, overlap / fps))
    return out


def _frames(path: Path, size: tuple[int, int]):
    with av.open(str(path)) as src:
        for frame in src.decode(video=0):
            image = frame.to_image()
            if image.size != size:
                image = image.resize(size, Image.Resampling.BILINEAR)
            yield image


def _join_audio(tracks: list[np.ndarray], seconds: float) -> np.ndarray:
    """Tracks end to end, each overlap cross-faded (linear) over `seconds`."""
    joined = tracks[0]
    n = int(seconds * AUDIO_RATE)
    for track in tracks[1:]:
        if n and len(joined) >= n and len(track) >= n:
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
            mixed = joined[-n:] * (1 - ramp) + track[:n] * ramp
            joined = np.concatenate([joined[:-n], mixed, track[n:]])
        else:
            joined = np.concatenate([joined, track])
    return joined


def _fit(track: np.ndarray, seconds: float) -> np.ndarray:
    """`track` cut or padded with silence to `seconds`."""
    n = round(seconds * AUDIO_RATE)
    return track[:n] if len(track) >= n else np.pad(track, (0, n - len(track)))


def _decode_audio(path: Path, info: VideoInfo) -> np.ndarray:
    """A clip's audio as mono float32 at 48 kHz, or silence of its length when it has none."""
    silence = np.zeros(int(info.duration * AUDIO_RATE), dtype=np.float32)
    if not info.has_audio:
        return silence
    resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
    chunks = []
    with av.open(str(path)) as src:
        for frame in src.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks) if chunks else silence
