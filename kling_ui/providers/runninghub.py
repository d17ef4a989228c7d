"""RunningHub OpenAPI v2 adapter: the catalogue's models (models.py) at their endpoints."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import httpx

from ..errors import (
    AuthError,
    BadResponseError,
    ConcurrencyLimitError,
    ContentRejectedError,
    ErrorCode,
    InputError,
    InsufficientFundsError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ServerError,
    UnknownCodeError,
)
from ..images import PreparedImage
from ..refusals import Refused, is_content_refusal, refused_input
from ..request import GenerationRequest
from .base import (
    Account,
    Canceled,
    Failed,
    HTTPProvider,
    Inputs,
    JobStatus,
    Queued,
    Running,
    Succeeded,
    float_or_none,
    int_or_none,
    parse_retry_after,
)
from .errormap import ErrorAnswer, ErrorRule, anything, error_for

log = logging.getLogger(__name__)
# RunningHub spells the automatic shot type differently from RunComfy and Kling.
_SHOT_TYPE = {"customize": "customize", "intelligent": "intelligence"}
_QUEUED = {"CREATE", "QUEUED"}
_RUNNING = {"RUNNING"}
# Codes and their meaning, from RunningHub's docs and its own developer kit
# (HM-RunningHub/ComfyUI_RH_OpenAPI) with third-party clients for the newer ones; see
# docs/providers.md. While polling, these mean "not finished yet": not errors.
_STILL_RUNNING_CODES = {
    "804": Running(),  # task running (legacy)
    "813": Queued(),  # task queued (legacy)
    "814": Queued(),  # personal queue limit reached: it waits its turn
}
_AUTH = frozenset({"801", "802", "811", "1002", "1601"})
_ENTERPRISE_KEY = frozenset({"1014"})  # this model API needs an Enterprise-Shared key
_FUNDS = frozenset({"416", "812"})
_CONCURRENCY = frozenset({"415", "421", "1520"})
_RATE = frozenset({"1003"})
_NOT_FOUND = frozenset({"423", "807", "1004"})
_MODERATION = frozenset({"1501", "1505"})
_REAL_PERSON = "1505"  # a photorealistic real person: an image (RH-KIT; docs/providers.md)
_GENERATION_FAILED = frozenset({"1015"})
_BAD_REQUEST = frozenset({"301", "1001", "1007", "1009"})
# Transient on the provider's side (server errors, timeouts, busy): ask again later.
_SERVER = frozenset({"500", "1005", "1006", "1010", "1011", "1012", "1504"})


class RunningHubProvider(HTTPProvider):
    name = "runninghub"
    label = "RunningHub"
    key_env = "RUNNINGHUB_API_KEY"
    base_url_env = "RUNNINGHUB_BASE_URL"
    region_env = "RUNNINGHUB_REGION"
    default_base_url = "https://www.runninghub.ai"
    key_url = "https://www.runninghub.ai/enterprise-api/sharedApi"
    # Prices per model: the catalogue's (models.py). The China site bills in yuan; the
    # international site's billing currency is not documented (third-party reports say
    # USD); accountStatus says, once read.
    currency = "CNY"
    link_lifetime = "about 24 hours, as third-party clients report"
    dashboard_hint = "Check your RunningHub task list (Workspace / API calls) before trying again."
    # Task ids are long decimal numbers in every documented answer ("2013508786110730000").
    request_id_pattern = re.compile(r"[0-9]{1,40}")
    request_id_shape = "the digits of its task id"
    # Two sites, one API: runninghub.ai (international) and runninghub.cn (China). Whether
    # an account of one is refused by the other is not documented (see docs/providers.md).
    sites: ClassVar[dict[str, str]] = {
        "global": "https://www.runninghub.ai",
        "cn": "https://www.runninghub.cn",
    }
    site_labels: ClassVar[dict[str, str]] = {
        "global": "international site (runninghub.ai)",
        "cn": "China site (runninghub.cn)",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = self.base_url.removesuffix("/openapi/v2")
        self.api_base = self.host + "/openapi/v2"
        self.account_currency: str | None = None  # from accountStatus, once read

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

    def check(self, request: GenerationRequest) -> None:
        # Kling's multi-shot mode (which "intelligent" needs here) does not take an end
        # frame (Kling Omni-Video API; Comfy-Org/docs kling-v3-omni schema).
        if request.end_image and request.shot_type == "intelligent":
            raise InputError(
                {
                    "end_image": "An end frame can't be combined with the intelligent shot "
                    "type on RunningHub: remove the end frame or choose Customize."
                }
            )

    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        """The submit body, per case (rules and sources in docs/providers.md):

        - single prompt: multiShot false, prompt; no shotType (it only acts in multi-shot)
        - intelligent: multiShot true, shotType "intelligence", prompt
        - segments: multiShot true, shotType "customize", multiPrompt [{index, prompt,
          duration}] in Kling's native shape; the top-level prompt is still sent (the model
          may ignore it, the API marks it required)
        - end frame: lastImageUrl, multiShot false (not combinable with multi-shot)
        """
        req, names = inputs.request, self._offer.fields
        body: dict[str, Any] = {
            names.prompt: req.prompt,
            names.start_frame: inputs.image.url or await self.upload(inputs.image),
            names.duration: req.duration,
            # RunningHub defaults sound to true: always say what the user chose.
            names.sound: req.sound,
        }
        body.update(self._shots(req))
        if inputs.end_image is not None and names.end_frame:
            body[names.end_frame] = inputs.end_image.url or await self.upload(inputs.end_image)
        if inputs.callback_url:
            # Only a doorbell: the result is still read from the authenticated query.
            body["webhookUrl"] = inputs.callback_url
        # The exact body, for the day a live answer disagrees (frames are links, no keys).
        log.debug("RunningHub submit body: %s", {k: v for k, v in body.items()})
        return body

    def _shots(self, req: GenerationRequest) -> dict[str, Any]:
        """Kling's multi-shot switch, shot type and segments, in the model's field names."""
        names = self._offer.fields
        multi_shot = names.multi_shot
        if multi_shot is None:  # an endpoint without Kling's multi-shot mode
            return {}
        if req.multi_prompt and names.segments:
            segments = [
                {"index": i, "prompt": s.prompt, "duration": s.duration}
                for i, s in enumerate(req.multi_prompt, start=1)
            ]
            return {multi_shot: True, names.shot_type: "customize", names.segments: segments}
        if req.shot_type == "intelligent":
            return {multi_shot: True, names.shot_type: _SHOT_TYPE["intelligent"]}
        return {multi_shot: False}

    async def submit(self, payload: dict[str, Any]) -> str:
        response = await self._send(
            "POST", f"{self.api_base}/{self._offer.endpoint}", json=payload, headers=self._auth
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
            return self._finished(body)
        if state == "FAILED":
            return self._failure(body)
        if state in ("CANCEL", "CANCELED", "CANCELLED"):
            return Canceled("The task was canceled on RunningHub.")
        # An unknown status never fails a paid job: keep asking, and say what it was.
        return Running(note=f"RunningHub reports the status {state or 'empty'!r}; still checking.")

    def _finished(self, body: dict[str, Any]) -> Succeeded | Failed:
        """A SUCCESS task: its video, or (no video, or an error code beside it) a failure
        with the provider's reason. A video that came is always kept: it is paid for."""
        url = _video_url(body.get("results"))
        if url:
            cost, currency = _cost(body.get("usage"), self.currency)
            return Succeeded(url, cost, currency)
        failed = self._failure(body)
        if failed.provider_code or failed.detail:
            return failed
        return Failed(
            "RunningHub marked the task finished (SUCCESS) but sent no video. It may have "
            "been charged: see your RunningHub task list."
        )

    def _failure(self, body: dict[str, Any]) -> Failed:
        """A FAILED task: its code, errorMessage and failedReason, in words."""
        code = str(body.get("errorCode") or "") or None
        parts = [
            str(body.get("errorMessage") or "").strip(),
            _reason_text(body.get("failedReason")),
        ]
        detail = self._redact("; ".join(p for p in parts if p))[:400]
        if code in _MODERATION or is_content_refusal(detail):
            default = Refused.IMAGE if code == _REAL_PERSON else None
            which = refused_input(detail, default=default)
            said = _said("RunningHub's content check refused the task.", detail, code)
            return Failed(said, code, True, which, detail)
        if code in _GENERATION_FAILED:
            advice = "The generation failed on RunningHub; trying again may work."
        else:
            advice = "RunningHub reported that the task failed."
        return Failed(_said(advice, detail, code), code, detail=detail)

    async def account(self) -> Account:
        """accountStatus: balance, currency and running tasks; free, spends nothing."""
        response = await self._send(
            "POST",
            f"{self.host}/uc/openapi/accountStatus",
            json={"apikey": self._api_key},
            headers=self._auth,
        )
        body = self._raise_for_status(response, code_field="code")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        currency = str(data.get("currency") or "") or None
        if currency:
            self.account_currency = currency.upper()
        return Account(
            balance=float_or_none(data.get("remainMoney")),
            currency=self.account_currency or self.currency,
            task_count=int_or_none(data.get("currentTaskCounts")),
        )

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
        calls use `code` (0 = fine). Both can arrive with HTTP 200. A query of a finished
        task (FAILED, or SUCCESS carrying a failure) has its errorCode too: with
        `allow_failed` that is a result, not an error.
        """
        body = self._json_object(response)
        # Some answers come in the legacy {code, msg} shape even on v2 routes (421
        # TASK_QUEUE_MAXED, as third-party clients see it): read its code too.
        code = _code_of(body, code_field) or _code_of(body, "code")
        failed_task = allow_failed and str(body.get("status", "")).upper() in ("FAILED", "SUCCESS")
        if response.is_success and (code is None or failed_task):
            return body
        message = body.get("errorMessage") or body.get("message") or body.get("msg") or ""
        answer = ErrorAnswer(
            status=response.status_code,
            code=code,
            message=self._redact(str(message))[:300],
            body=self._redact(response.text),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
        raise error_for(_ERRORS, answer, self.key_env)


def _about_segments(answer: ErrorAnswer) -> bool:
    words = answer.message.lower()
    return "multiprompt" in words or "multi_prompt" in words


def _about_content(answer: ErrorAnswer) -> bool:
    # A refusal whose code we don't know but whose words are a content check's (unverified
    # shapes: the words are kept in the message, docs/providers.md).
    return is_content_refusal(answer.message)


def _without_code(answer: ErrorAnswer) -> bool:
    return answer.code is None


_KEY_REFUSED = "RunningHub rejected the API key (wrong, expired or not allowed for the API): "
# RunningHub's error answers, first match wins (codes and sources in docs/providers.md).
_ERRORS = (
    ErrorRule(
        ConcurrencyLimitError,
        "RunningHub is already running as many of your jobs as your plan allows; "
        "waiting for a free slot.",
        codes=_CONCURRENCY,
        retry_hint=True,
    ),
    ErrorRule(
        RateLimitError,
        "RunningHub is rate limiting requests; waiting before trying again.",
        codes=_RATE,
        statuses=frozenset({429}),
        retry_hint=True,
    ),
    ErrorRule(
        InsufficientFundsError,
        "Your RunningHub balance is too low for this job: top up and try again.",
        codes=_FUNDS,
        statuses=frozenset({402}),
    ),
    ErrorRule(
        AuthError,
        "This RunningHub model needs an Enterprise-Shared API key; a personal key can't run "
        "it. Create one in RunningHub's API settings{detail}",
        codes=_ENTERPRISE_KEY,
    ),
    ErrorRule(
        AuthError,
        _KEY_REFUSED + "check the key{detail}",
        codes=_AUTH,
        statuses=frozenset({401, 403}),
        operator=_KEY_REFUSED + "check {key_env}{detail}",
    ),
    ErrorRule(
        NotFoundError,
        "RunningHub doesn't know this task{detail}",
        codes=_NOT_FOUND,
        statuses=frozenset({404}),
    ),
    ErrorRule(
        ContentRejectedError,
        "RunningHub's content check refused a photorealistic real person{detail}",
        codes=frozenset({_REAL_PERSON}),
        refused=Refused.IMAGE,
    ),
    ErrorRule(
        ContentRejectedError,
        "RunningHub's content check refused this image or prompt{detail}",
        codes=_MODERATION,
    ),
    ErrorRule(
        ServerError,
        "RunningHub had a server error{detail_or_status}",
        codes=_SERVER,
        server_side=True,
    ),
    ErrorRule(
        ProviderHTTPError,
        "The generation failed on RunningHub{detail}",
        codes=_GENERATION_FAILED,
        code=ErrorCode.GENERATION_FAILED,
    ),
    ErrorRule(
        ContentRejectedError,
        "RunningHub's content check refused the request{detail}",
        test=_about_content,
    ),
    ErrorRule(
        ProviderHTTPError,
        "RunningHub refused the segments (multiPrompt){detail}",
        test=_about_segments,
    ),
    ErrorRule(
        ProviderHTTPError,
        "RunningHub refused the request{detail_or_status}",
        codes=_BAD_REQUEST,
        test=_without_code,
    ),
    # A code this app doesn't know: transient, so polling goes on (up to its retry limit).
    ErrorRule(UnknownCodeError, "RunningHub answered with code {code}{detail}", test=anything),
)


def _cost(usage: Any, currency: str) -> tuple[float | None, str | None]:
    """What the task cost: this model bills in thirdPartyConsumeMoney (consumeMoney is the
    workflow charge, often "0.00"), then consumeMoney, then coins; all values are strings."""
    if not isinstance(usage, dict):
        return None, None
    money = [float_or_none(usage.get(k)) for k in ("thirdPartyConsumeMoney", "consumeMoney")]
    for amount in money:
        if amount:
            return amount, currency
    coins = float_or_none(usage.get("consumeCoins"))
    if coins:
        return coins, "RH coins"
    if any(amount is not None for amount in money):
        return 0.0, currency
    return None, None


def _said(advice: str, detail: str, code: str | None) -> str:
    """Our advice, then the provider's words and code: "... (its words) [code 1505]"."""
    tail = f" ({detail})" if detail else ""
    return f"{advice}{tail}" + (f" [code {code}]" if code else "")


def _reason_text(reason: Any) -> str:
    """failedReason is an object (often empty): its readable values, briefly."""
    if isinstance(reason, dict):
        values = [str(v) for v in reason.values() if isinstance(v, (str, int, float)) and str(v)]
        return ", ".join(values)[:300]
    return str(reason)[:300] if reason else ""


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
