"""RunningHub OpenAPI v2 adapter for kling-video-o3-pro/image-to-video."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from ..errors import (
    AuthError,
    BadResponseError,
    ConcurrencyLimitError,
    ContentRejectedError,
    InsufficientFundsError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ServerError,
)
from ..images import PreparedImage
from .base import (
    Canceled,
    Failed,
    HTTPProvider,
    Inputs,
    JobStatus,
    Queued,
    Running,
    Succeeded,
    float_or_none,
    parse_retry_after,
)

ENDPOINT = "kling-video-o3-pro/image-to-video"
# RunningHub spells the automatic shot type differently from RunComfy and Kling.
_SHOT_TYPE = {"customize": "customize", "intelligent": "intelligence"}
_QUEUED = {"CREATE", "QUEUED"}
_RUNNING = {"RUNNING"}
# Query answers with these business codes while a task is unfinished: not errors.
_STILL_RUNNING_CODES = {"804": Running(), "813": Queued()}

_AUTH = {"801", "802", "1002", "1014", "1601"}
_FUNDS = {"416", "812"}
_CONCURRENCY = {"415", "421", "1520"}
_RATE = {"1003"}
_NOT_FOUND = {"423", "807"}
_MODERATION = {"1505"}
_SERVER = {"500", "1005", "1010", "1012"}


class RunningHubProvider(HTTPProvider):
    name = "runninghub"
    label = "RunningHub"
    key_env = "RUNNINGHUB_API_KEY"
    base_url_env = "RUNNINGHUB_BASE_URL"
    default_base_url = "https://www.runninghub.ai"
    region_hosts: ClassVar[dict[str, str]] = {
        "international": "https://www.runninghub.ai",
        "china": "https://www.runninghub.cn",
    }
    key_url = "https://www.runninghub.ai/enterprise-api/sharedApi"
    # RunningHub's price list for O3 Pro image-to-video (2026-04-29).
    price_per_second = (0.69, 0.87)
    currency = "CNY"
    cancels = "never"  # v2 model tasks have no cancel endpoint
    link_lifetime = "about 24 hours, as third-party clients report"
    dashboard_hint = "Check your RunningHub task list (Workspace / API calls) before trying again."

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_base = self.base_url.removesuffix("/openapi/v2") + "/openapi/v2"

    # --- wire -------------------------------------------------------------------------------

    async def upload(self, image: PreparedImage) -> str:
        """Upload a local frame; return the download_url the submit body refers to."""
        response = await self._send(
            "POST",
            f"{self.api_base}/media/upload/binary",
            files={"file": (f"frame{image.extension}", image.data, image.mime)},
            headers=self._auth,
        )
        body = self._raise_for_status(response, code_field="code")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        url = data.get("download_url") or data.get("downloadUrl") or data.get("url")
        if not isinstance(url, str) or not url:
            raise BadResponseError("RunningHub stored the image but sent no link to it.")
        return url

    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        req = inputs.request
        body: dict[str, Any] = {
            "prompt": req.prompt,
            "firstImageUrl": inputs.image.url or await self.upload(inputs.image),
            "duration": req.duration,
            # RunningHub defaults sound to true: always say what the user chose.
            "sound": req.sound,
            "multiShot": bool(req.multi_prompt),
            "shotType": _SHOT_TYPE[req.shot_type],
        }
        if inputs.callback_url:
            # Only a doorbell: the result is still read from the authenticated query.
            body["webhookUrl"] = inputs.callback_url
        if inputs.end_image is not None:
            body["lastImageUrl"] = inputs.end_image.url or await self.upload(inputs.end_image)
        if req.multi_prompt:
            body["multiPrompt"] = [
                {"index": i, "prompt": s.prompt, "duration": s.duration}
                for i, s in enumerate(req.multi_prompt, start=1)
            ]
        return body

    async def submit(self, payload: dict[str, Any]) -> str:
        response = await self._send(
            "POST", f"{self.api_base}/{ENDPOINT}", json=payload, headers=self._auth
        )
        body = self._raise_for_status(response)
        task_id = body.get("taskId") or body.get("task_id")
        if not task_id:
            raise BadResponseError("RunningHub accepted the job but sent no task id.")
        return str(task_id)

    async def status(self, request_id: str) -> JobStatus:
        response = await self._send(
            "POST", f"{self.api_base}/query", json={"taskId": request_id}, headers=self._auth
        )
        code = _business_code(response)
        if code in _STILL_RUNNING_CODES:
            return _STILL_RUNNING_CODES[code]
        body = self._raise_for_status(response, allow_failed=True)
        state = str(body.get("status", "")).upper()
        if state in _QUEUED:
            return Queued()
        if state in _RUNNING:
            return Running()
        if state == "SUCCESS":
            url = _video_url(body.get("results"))
            if not url:
                raise BadResponseError("RunningHub finished the task but sent no video link.")
            usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
            return Succeeded(url, float_or_none(usage.get("consumeMoney")))
        if state == "FAILED":
            message = self._redact(str(body.get("errorMessage") or ""))[:300]
            return Failed(
                message or "RunningHub reported that the task failed.",
                str(body.get("errorCode") or "") or None,
            )
        if state in ("CANCEL", "CANCELED", "CANCELLED"):
            return Canceled("The task was canceled on RunningHub.")
        raise BadResponseError(f"RunningHub reported an unknown status {state!r}.")

    # --- errors -----------------------------------------------------------------------------

    def _raise_for_status(
        self,
        response: httpx.Response,
        *,
        code_field: str = "errorCode",
        allow_failed: bool = False,
    ) -> dict[str, Any]:
        """Return the JSON body, or raise the error it means.

        Submit and query put business errors in `errorCode` (empty = fine); upload and account
        calls use `code` (0 = fine). Both can arrive with HTTP 200. A query of a FAILED task
        carries its errorCode too: with `allow_failed` that is a result, not an error.
        """
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
            if response.is_success:
                raise BadResponseError("RunningHub sent an answer that isn't JSON.")
        code = _code_of(body, code_field)
        failed_task = allow_failed and str(body.get("status", "")).upper() == "FAILED"
        if response.is_success and (code is None or failed_task):
            return body

        message = body.get("errorMessage") or body.get("message") or body.get("msg") or ""
        message = self._redact(str(message))[:300]
        detail = f": {message}" if message else ""
        kw = {"status_code": status, "code": code, "body": self._redact(response.text)}
        if code in _CONCURRENCY:
            raise ConcurrencyLimitError(
                "RunningHub is already running as many of your jobs as your plan allows; "
                "waiting for a free slot.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                **kw,
            )
        if status == 429 or code in _RATE:
            raise RateLimitError(
                "RunningHub is rate limiting requests; waiting before trying again.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                **kw,
            )
        if code in _FUNDS or status == 402:
            raise InsufficientFundsError(
                "Your RunningHub balance is too low for this job: top up and try again.", **kw
            )
        if code in _AUTH or status in (401, 403):
            raise AuthError(
                "RunningHub rejected the API key (wrong, expired or not allowed for the API): "
                f"check RUNNINGHUB_API_KEY{detail}",
                **kw,
            )
        if code in _NOT_FOUND or status == 404:
            raise NotFoundError(f"RunningHub doesn't know this task{detail}", **kw)
        if code in _MODERATION:
            raise ContentRejectedError(
                f"RunningHub's content check refused this image or prompt{detail}", **kw
            )
        if code in _SERVER or status >= 500:
            raise ServerError(f"RunningHub had a server error{detail or f' (HTTP {status})'}", **kw)
        raise ProviderHTTPError(
            f"RunningHub refused the request{detail or f' (HTTP {status})'}", **kw
        )


def _code_of(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value in (None, "", 0, "0"):
        return None
    return str(value)


def _business_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return _code_of(body, "errorCode") if isinstance(body, dict) else None


def _video_url(results: Any) -> str | None:
    """First result that is a video: `url`, falling back to `outputUrl`."""
    if not isinstance(results, list):
        return None
    urls: list[tuple[bool, str]] = []
    for item in results:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("outputUrl")
        if isinstance(url, str) and url:
            kind = str(item.get("outputType") or "").lower()
            path = url.lower().split("?")[0]
            is_video = kind in ("mp4", "mov", "webm", "video") or path.endswith(
                (".mp4", ".mov", ".webm")
            )
            urls.append((is_video, url))
    urls.sort(key=lambda pair: not pair[0])  # videos first, original order otherwise
    return urls[0][1] if urls else None
