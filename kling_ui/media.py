"""Probe videos, extract frames, write clips (PyAV: bundled FFmpeg, no system ffmpeg)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from PIL import Image

from .errors import MediaError
from .jobfiles import last_frame_of

AUDIO_RATE = 48_000


@dataclass(frozen=True)
class VideoInfo:
    """What a probe found in a video file."""

    duration: float
    width: int
    height: int
    fps: float
    frames: int
    video_codec: str
    pix_fmt: str
    has_audio: bool
    audio_codec: str | None = None
    size_bytes: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Open `path` and describe it; MediaError when it is not a playable video."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            if video is None:
                raise MediaError(f"{path.name} has no video stream.")
            audio = next((s for s in container.streams if s.type == "audio"), None)
            duration = _duration_seconds(container, video)
            # FFmpeg opens a still image as a one-frame "video" with no duration.
            if container.format.name.endswith("_pipe") or duration <= 0:
                raise MediaError(f"{path.name} is a still image, not a video.")
            rate = video.average_rate or video.guessed_rate or 0
            return VideoInfo(
                duration=duration,
                width=video.codec_context.width,
                height=video.codec_context.height,
                fps=float(rate),
                frames=video.frames or round(duration * float(rate or 0)),
                video_codec=video.codec_context.name,
                pix_fmt=video.codec_context.pix_fmt or "",
                has_audio=audio is not None,
                audio_codec=audio.codec_context.name if audio is not None else None,
                size_bytes=path.stat().st_size,
            )
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path.name} is not a playable video ({type(exc).__name__}).") from exc


def _duration_seconds(container: av.container.InputContainer, video: av.VideoStream) -> float:
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * video.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def extract_frame(path: str | os.PathLike[str], *, last: bool = False) -> Image.Image:
    """The first (or last) decoded frame of a video as an RGB image."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            frame = None
            for decoded in container.decode(stream):
                frame = decoded
                if not last:
                    break
            if frame is None:
                raise MediaError(f"{Path(path).name} has no frames.")
            return frame.to_image()
    except av.FFmpegError as exc:
        raise MediaError(f"Can't read frames from {Path(path).name}.") from exc


THUMB_WIDTH = 320


def save_thumbnail(video: str | os.PathLike[str], target: Path) -> None:
    """The video's first frame, at most THUMB_WIDTH square, as a JPEG (MediaError if none)."""
    frame = extract_frame(video)
    frame.thumbnail((THUMB_WIDTH, THUMB_WIDTH))
    frame.save(target, quality=82)


def audio_duration(path: str | os.PathLike[str]) -> float:
    """Seconds of decoded audio (0 when the file has none)."""
    with av.open(str(path)) as src:
        if not src.streams.audio:
            return 0.0
        samples, rate = 0, 0
        for frame in src.decode(audio=0):
            samples += frame.samples
            rate = frame.sample_rate
        return samples / rate if rate else 0.0


def continuation_frame(video: str | os.PathLike[str]) -> Image.Image:
    """The frame the next shot starts on: never a watermark or caption.

    A preview keeps its last frame unmarked beside the video (<video>.last.png); any other
    clip's last frame is decoded from the video at full resolution.
    """
    clean = last_frame_of(video)
    if clean.exists():
        with Image.open(clean) as image:
            return image.convert("RGB")
    return extract_frame(video, last=True)


class VideoWriter:
    """Write an H.264/yuv420p MP4 with faststart (plays while loading), optionally with AAC.

    Writes to a temporary file beside `path` and moves it into place on a clean close, so a
    crash never leaves a half-written video where a finished one is expected.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps: int = 24,
        audio: bool = False,
        preset: str = "veryfast",
        crf: int = 23,
        x264_params: str | None = None,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError("yuv420p needs even width and height")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".render-", suffix=".mp4")
        os.close(fd)
        self._tmp = Path(tmp)
        self._container = av.open(str(self._tmp), "w", options={"movflags": "+faststart"})
        self._video = self._container.add_stream("libx264", rate=fps)
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = "yuv420p"
        self._video.options = {"preset": preset, "crf": str(crf)}
        if x264_params:  # libx264's own options on top of the preset ("key=value:...")
            self._video.options["x264-params"] = x264_params
        self._video.thread_type = "AUTO"
        self._audio = None
        if audio:
            self._audio = self._container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
            self._audio_pts = 0

    def write_frame(self, frame: Image.Image | np.ndarray | av.VideoFrame) -> None:
        if isinstance(frame, Image.Image):
            frame = av.VideoFrame.from_image(frame)
        elif isinstance(frame, np.ndarray):
            frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
        frame.pts = None
        self._container.mux(self._video.encode(frame))

    def write_audio(self, samples: np.ndarray) -> None:
        """Append mono float32 samples in -1..1 at 48 kHz."""
        if self._audio is None:
            raise ValueError("this writer has no audio track")
        self._audio_pts = mux_audio(self._container, self._audio, samples, self._audio_pts)

    def close(self) -> Path:
        self._container.mux(self._video.encode(None))
        if self._audio is not None:
            self._container.mux(self._audio.encode(None))
        self._container.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        with contextlib.suppress(av.FFmpegError):
            self._container.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def mux_audio(
    container: av.container.OutputContainer, stream: av.AudioStream, samples: np.ndarray, pts: int
) -> int:
    """Encode mono float32 `samples` at 48 kHz into `stream` from `pts`; returns the next pts."""
    data = np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(data, format="flt", layout="mono")
    frame.sample_rate = AUDIO_RATE
    frame.pts = pts
    frame.time_base = Fraction(1, AUDIO_RATE)
    container.mux(stream.encode(frame))
    return pts + data.shape[1]
