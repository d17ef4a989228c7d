"""A provider's callback as a doorbell: "ask about this job now", never the result itself.

RunningHub accepts a `webhookUrl` on submit but its v2 payload is undocumented, so the call
only wakes the job's status check (JobManager.check_now); the result still comes from the
authenticated query. The URL carries a signature, so nobody else can ring it for a job.
It is only offered when the operator says where the app is publicly reachable
(KLING_UI_PUBLIC_URL): a provider can't call a laptop on loopback.
"""

from __future__ import annotations

import hashlib
import hmac

from .config import Settings
from .owners import load_secret

PATH = "/kling-ui/doorbell"


def _signature(settings: Settings, job_id: str) -> str:
    secret = load_secret(settings.data_dir / ".doorbell-secret")
    return hmac.new(secret, job_id.encode(), hashlib.sha256).hexdigest()[:32]


def doorbell_url(settings: Settings, job_id: str) -> str | None:
    if not settings.public_url:
        return None
    return f"{settings.public_url.rstrip('/')}{PATH}/{job_id}/{_signature(settings, job_id)}"


def verify(settings: Settings, job_id: str, signature: str) -> bool:
    return hmac.compare_digest(_signature(settings, job_id), signature)
