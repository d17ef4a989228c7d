"""Draw the example start/end frames (run once; the JPEGs are committed beside this script)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).parent
W, H = 1280, 720


def _sky(top: tuple[int, int, int], bottom: tuple[int, int, int], w: int = W, h: int = H):
    t = np.linspace(0, 1, h)[:, None, None]
    grad = np.array(top)[None, None, :] * (1 - t) + np.array(bottom)[None, None, :] * t
    return Image.fromarray(np.repeat(grad, w, axis=1).astype(np.uint8))


def sunset_lake(sun_height: float = 0.42) -> Image.Image:
    img = _sky((40, 30, 90), (250, 150, 80))
    d = ImageDraw.Draw(img)
    sy = int(H * sun_height)
    d.ellipse((W * 0.62 - 60, sy - 60, W * 0.62 + 60, sy + 60), fill=(255, 220, 150))
    rng = np.random.default_rng(3)
    for layer, (shade, base) in enumerate([((70, 50, 90), 0.55), ((40, 30, 60), 0.62)]):
        pts = [(0, H)]
        for x in range(0, W + 40, 40):
            pts.append((x, H * base - 60 * math.sin(x / (180 + 90 * layer)) - rng.integers(0, 25)))
        pts.append((W, H))
        d.polygon(pts, fill=shade)
    d.rectangle((0, int(H * 0.7), W, H), fill=(60, 50, 100))
    for y in range(int(H * 0.7), H, 6):  # the sun's reflection
        half = 40 + (y - H * 0.7) * 0.3
        d.line((W * 0.62 - half, y, W * 0.62 + half, y), fill=(240, 170, 110), width=2)
    return img.filter(ImageFilter.GaussianBlur(1.2))


def night_city() -> Image.Image:
    img = _sky((8, 10, 30), (40, 30, 70))
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(11)
    x = 0
    while x < W:
        bw, bh = int(rng.integers(60, 140)), int(rng.integers(180, 520))
        d.rectangle((x, H - bh, x + bw, H), fill=(20, 22, 40))
        for wy in range(H - bh + 12, H - 10, 22):
            for wx in range(x + 8, x + bw - 10, 18):
                if rng.random() < 0.45:
                    d.rectangle((wx, wy, wx + 8, wy + 12), fill=(255, 210, 120))
        x += bw + int(rng.integers(4, 16))
    d.ellipse((150, 80, 230, 160), fill=(235, 235, 220))
    return img.filter(ImageFilter.GaussianBlur(0.8))


def portrait_studio() -> Image.Image:
    w, h = 720, 1080  # portrait orientation
    img = _sky((30, 60, 70), (10, 20, 25), w, h)
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.3, h * 0.18, w * 0.7, h * 0.5), fill=(220, 170, 140))  # head
    d.rectangle((w * 0.44, h * 0.48, w * 0.56, h * 0.58), fill=(200, 150, 120))  # neck
    d.pieslice((w * 0.1, h * 0.55, w * 0.9, h * 1.3), 180, 360, fill=(150, 40, 50))  # shoulders
    d.chord((w * 0.28, h * 0.12, w * 0.72, h * 0.36), 180, 360, fill=(50, 30, 20))  # hair
    for ex in (0.42, 0.58):
        d.ellipse((w * ex - 14, h * 0.32 - 8, w * ex + 14, h * 0.32 + 8), fill=(40, 30, 30))
    d.arc((w * 0.43, h * 0.38, w * 0.57, h * 0.44), 20, 160, fill=(120, 50, 50), width=4)
    return img.filter(ImageFilter.GaussianBlur(2))


EXAMPLES = [
    {
        "name": "Sunset lake",
        "name_zh": "日落湖面",  # the button in Chinese (words.py)
        "image": "sunset_lake.jpg",
        "duration": 5,
        "sound": True,
        "prompt": "Slow cinematic push-in over the lake as the sun sinks, warm light shimmering "
        "on the water, gentle breeze, birds crossing the sky.",
    },
    {
        "name": "Sunset, start to end",
        "name_zh": "日落：从首帧到尾帧",  # the button in Chinese (words.py)
        "image": "sunset_lake.jpg",
        "end_image": "sunset_lake_end.jpg",
        "duration": 6,
        "sound": False,
        "prompt": "Time-lapse: the sun slides down behind the mountains and the sky deepens.",
    },
    {
        "name": "Night city (segments)",
        "name_zh": "夜色城市（分段）",  # the button in Chinese (words.py)
        "image": "night_city.jpg",
        "duration": 10,
        "sound": True,
        "prompt": "A night city comes alive.",
        "multi_prompt": [
            {"prompt": "Pan right across the skyline, windows flickering on.", "duration": 4},
            {"prompt": "Tilt up to the moon above the towers.", "duration": 3},
            {"prompt": "Pull back to reveal the whole glowing city.", "duration": 3},
        ],
    },
    {
        "name": "Portrait",
        "name_zh": "人像",  # the button in Chinese (words.py)
        "image": "portrait_studio.jpg",
        "duration": 5,
        "sound": False,
        "shot_type": "customize",
        "prompt": "The subject turns toward camera and smiles; soft studio light, shallow "
        "depth of field, slow push in.",
    },
]


def main() -> None:
    sunset_lake().save(HERE / "sunset_lake.jpg", quality=88)
    sunset_lake(0.62).save(HERE / "sunset_lake_end.jpg", quality=88)
    night_city().save(HERE / "night_city.jpg", quality=88)
    portrait_studio().save(HERE / "portrait_studio.jpg", quality=88)
    (HERE / "examples.json").write_text(
        json.dumps(EXAMPLES, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
