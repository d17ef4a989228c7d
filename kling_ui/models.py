"""The model catalogue, as data: each model's rules and, per provider, its endpoint, wire field
names, price and limits, every fact with where it comes from and whether it was verified.

Everything model-specific reads this module: the request rules (request.py), the adapters'
endpoints and body field names (providers/), the estimate (pricing.py), the CLI, the public
API and the page's model choice. Adding a model is one `register(ModelEntry(...))`; the
offline preview renders any model (providers/registry.py, `models_for`). Pure data: no
imports from the rest of the app, so every module can read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

DEFAULT_MODEL = "kling-video-o3-pro"  # what every caller gets without asking

# Kling's own image rules live in images.py (MIN_SIDE, MAX_ASPECT): the same for every model.
KLING_IMAGE_BYTES = 10 * 1000 * 1000


@dataclass(frozen=True)
class Source:
    """Where a fact comes from; `verified` only when read in the provider's own docs or code."""

    source: str
    verified: bool


@dataclass(frozen=True)
class WireFields:
    """A provider's body field names for one model (neutral role -> name on the wire)."""

    start_frame: str
    prompt: str
    duration: str
    sound: str
    shot_type: str
    end_frame: str | None = None  # None: the endpoint takes no end frame
    segments: str | None = None  # None: the endpoint takes no timed segments
    multi_shot: str | None = None  # RunningHub's switch for Kling's multi-shot mode


@dataclass(frozen=True)
class Offer:
    """A model on one provider: where to send it, how the body spells it, what it costs."""

    endpoint: str  # RunComfy: the model path; RunningHub: the path under /openapi/v2
    fields: WireFields
    price_per_second: tuple[float, float]  # (without sound, with sound), in `currency`
    currency: str
    max_image_bytes: int = KLING_IMAGE_BYTES
    facts: Mapping[str, Source] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelEntry:
    """A model: its rules (the same on every provider) and the providers that offer it."""

    id: str
    label: str
    resolution: str
    durations: tuple[int, ...]  # every whole number of seconds allowed
    sound: bool
    end_frame: bool
    segments: bool
    shot_types: tuple[str, ...]
    offers: Mapping[str, Offer]  # by provider name
    end_frame_with_segments: bool = False  # Kling refuses the two together
    facts: Mapping[str, Source] = field(default_factory=dict)

    @property
    def duration_range(self) -> tuple[int, int]:
        return min(self.durations), max(self.durations)


CATALOGUE: dict[str, ModelEntry] = {}


def register(entry: ModelEntry) -> ModelEntry:
    """Add (or replace) a model: every part of the app offers it from then on."""
    CATALOGUE[entry.id] = entry
    return entry


def with_offer(model: str, provider: str, offer: Offer) -> ModelEntry:
    """Model `model` offered by `provider` too (a new provider's line in the catalogue)."""
    entry = CATALOGUE[model]
    return replace(entry, offers={**entry.offers, provider: offer})


def find(model: str | None) -> ModelEntry | None:
    return CATALOGUE.get(model or DEFAULT_MODEL)


def offer(provider: str, model: str | None = None) -> Offer | None:
    """`model` (default: O3 Pro) on `provider`, or None when that provider doesn't offer it."""
    entry = find(model)
    return entry.offers.get(provider) if entry else None


def label(model: str | None) -> str:
    entry = find(model)
    return entry.label if entry else str(model)


def duration_bounds() -> tuple[int, int]:
    """The shortest and longest clip any catalogue model makes."""
    return (
        min(min(e.durations) for e in CATALOGUE.values()),
        max(max(e.durations) for e in CATALOGUE.values()),
    )


def fact_names(cls: type) -> list[str]:
    """The facts a catalogue class carries (what its `facts` must source)."""
    return [f.name for f in fields(cls) if f.name not in ("facts", "offers")]


# --- the sources, as docs/providers.md names them -----------------------------------------------

RC_PAGE = "RunComfy's model page for kling/kling-video-o3/pro/image-to-video"
RC_NODES = "RunComfy's ComfyUI partner nodes (runcomfy/models.json)"
RC_PRICE = "O3 Pro list price elsewhere, 2026-04 (third-party price pages)"
RH_KIT = "RunningHub's developer kit (HM-RunningHub/ComfyUI_RH_OpenAPI)"
RH_MENU = "RunningHub's API doc menu (runninghub.ai)"
KLING = "Kling Omni-Video API; Comfy-Org's kling-v3-omni schema"

_KLING_RULES = {
    "id": Source("our name for it (the ledger's model column)", True),
    "label": Source("our wording", True),
    "durations": Source(f"{RH_KIT}; {RC_PAGE}: duration 3-15", True),
    "sound": Source(f"{RH_KIT}; {RC_PAGE}", True),
    "end_frame": Source(f"{RH_KIT}; {RC_PAGE}", True),
    "segments": Source(f"{RC_PAGE} (multi_prompt); RunningHub's shape unverified", False),
    "shot_types": Source(f"{RC_PAGE}; {RH_KIT} (spelled 'intelligence')", True),
    "end_frame_with_segments": Source(KLING, False),
}

RUNCOMFY_O3_FIELDS = WireFields(
    start_frame="image",
    end_frame="end_image",
    prompt="prompt",
    duration="duration",
    sound="sound",
    shot_type="shot_type",
    segments="multi_prompt",
)
RUNNINGHUB_FIELDS = WireFields(
    start_frame="firstImageUrl",
    end_frame="lastImageUrl",
    prompt="prompt",
    duration="duration",
    sound="sound",
    shot_type="shotType",
    segments="multiPrompt",
    multi_shot="multiShot",
)
# RunComfy has no upload endpoint: local frames travel as data URIs, capped at 6 MiB.
RUNCOMFY_DATA_URI_BYTES = 6 * 1024 * 1024
_RUNCOMFY_IMAGES = Source(f"{RC_NODES}: data URIs up to 6 MiB; not proven for Kling", False)
_RUNNINGHUB_IMAGES = Source(f"{RH_KIT}: Kling's 10 MB", True)

O3_PRO = register(
    ModelEntry(
        id=DEFAULT_MODEL,
        label="Kling O3 Pro",
        resolution="1080p",
        durations=tuple(range(3, 16)),
        sound=True,
        end_frame=True,
        segments=True,
        shot_types=("customize", "intelligent"),
        facts={**_KLING_RULES, "resolution": Source("O3 Pro is 1080p (third-party pages)", False)},
        offers={
            "runcomfy": Offer(
                endpoint="kling/kling-video-o3/pro/image-to-video",
                fields=RUNCOMFY_O3_FIELDS,
                price_per_second=(0.112, 0.14),
                currency="USD",
                max_image_bytes=RUNCOMFY_DATA_URI_BYTES,
                facts={
                    "endpoint": Source(RC_PAGE, True),
                    "fields": Source(RC_PAGE, True),
                    "price_per_second": Source(f"{RC_PRICE}; not published by RunComfy", False),
                    "currency": Source("RunComfy's result cost is in USD (RC-NODES)", True),
                    "max_image_bytes": _RUNCOMFY_IMAGES,
                },
            ),
            "runninghub": Offer(
                endpoint="kling-video-o3-pro/image-to-video",
                fields=RUNNINGHUB_FIELDS,
                price_per_second=(0.69, 0.87),
                currency="CNY",
                facts={
                    "endpoint": Source(
                        f"{RH_KIT}; listed as kling-video-o3-pro-image-to-video in {RH_MENU}", True
                    ),
                    "fields": Source(f"{RH_KIT} model registry (multiPrompt: {KLING})", True),
                    "price_per_second": Source(
                        f"{RH_KIT} pricing, runninghub.cn, 2026-04-29", True
                    ),
                    "currency": Source("runninghub.cn bills in yuan; the .ai site unstated", False),
                    "max_image_bytes": _RUNNINGHUB_IMAGES,
                },
            ),
        },
    )
)

O3_STANDARD = register(
    ModelEntry(
        id="kling-video-o3-std",
        label="Kling O3 Standard",
        resolution="720p",
        durations=tuple(range(3, 16)),
        sound=True,
        end_frame=True,
        segments=True,
        shot_types=("customize", "intelligent"),
        facts={
            **_KLING_RULES,
            "resolution": Source("O3 Standard is 720p (third-party pages)", False),
            # Standard's own sources: Pro's page says nothing about it.
            "durations": Source(f"{RH_KIT} and {RC_NODES}: 3-15 for O3 Standard", True),
            "segments": Source(f"{RC_NODES}: Pro's fields; not confirmed live", False),
        },
        offers={
            "runcomfy": Offer(
                endpoint="kling/kling-video-o3/standard/image-to-video",
                fields=RUNCOMFY_O3_FIELDS,
                # Not published: the Pro estimate scaled by RunningHub's Standard/Pro ratio
                # (0.52/0.69), with sound +33 % as RunComfy's nodes price it.
                price_per_second=(0.084, 0.112),
                currency="USD",
                max_image_bytes=RUNCOMFY_DATA_URI_BYTES,
                facts={
                    "endpoint": Source(f"{RC_NODES}: RunComfyKlingO3StandardI2V", True),
                    "fields": Source(f"{RC_NODES}: the same fields as Pro", True),
                    "price_per_second": Source(
                        "inferred: Pro estimate x RunningHub's Standard/Pro ratio; sound "
                        f"+33 % per {RC_NODES} pricing",
                        False,
                    ),
                    "currency": Source("RunComfy's result cost is in USD (RC-NODES)", True),
                    "max_image_bytes": _RUNCOMFY_IMAGES,
                },
            ),
            "runninghub": Offer(
                endpoint="kling-video-o3-std/image-to-video",
                fields=RUNNINGHUB_FIELDS,
                price_per_second=(0.52, 0.69),
                currency="CNY",
                facts={
                    "endpoint": Source(
                        f"listed as kling-video-o3-std-image-to-video in {RH_MENU}; the path "
                        "follows Pro's (third-party clients use it)",
                        False,
                    ),
                    "fields": Source(f"{RH_KIT}: one body for O3 Pro and Standard", True),
                    "price_per_second": Source(f"{RH_KIT} pricing, runninghub.cn", True),
                    "currency": Source("runninghub.cn bills in yuan; the .ai site unstated", False),
                    "max_image_bytes": _RUNNINGHUB_IMAGES,
                },
            ),
        },
    )
)
