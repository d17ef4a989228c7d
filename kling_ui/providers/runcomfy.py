"""RunComfy Model API adapter: the catalogue's models (models.py) at their model paths."""

from __future__ import annotations

import re
from typing import Any

import httpx

from ..errors import (
    AuthError,
    BadResponseError,
    ContentRejectedError,
    InsufficientFundsError,
    NotFoundError,
    ProviderHTTPError,
    RateLimitError,
    ServerError,
)
from ..refusals import is_content_refusal, refused_input
from .base import (
    Account,
    Canceled,
    CancelOutcome,
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

BALANCE_URL = "https://api.runcomfy.net/prod/v2/balance"  # runcomfy-com/runcomfy-cli
# RunComfy's own nodes refuse other ids; so do we, before putting one into a URL path.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# Documented: in_queue, in_progress, completed, cancelled. RunComfy's own ComfyUI nodes also
# treat pending/waiting as queued and starting/processing as running; its CLI takes
# failed/succeeded/canceled as final (runcomfy-com/comfyui-runcomfy-partner-nodes,
# runcomfy-com/runcomfy-cli). Anything else is "still running" with a note: never a failure.
_QUEUED = {"in_queue", "queued", "pending", "waiting"}
_RUNNING = {"in_progress", "running", "processing", "starting"}
_DONE = {"completed", "succeeded"}
_FAILED = {"failed", "error"}
_CANCELED = {"cancelled", "canceled"}
RESULT_404_TRIES = 10  # a finished job's result answering 404: asked again this often


class RunComfyProvider(HTTPProvider):
    name = "runcomfy"
    label = "RunComfy"
    key_env = "RUNCOMFY_API_KEY"
    base_url_env = "RUNCOMFY_BASE_URL"
    default_base_url = "https://model-api.runcomfy.net"
    key_url = "https://www.runcomfy.com/profile"
    currency = "USD"
    # No upload endpoint: local frames travel as data URIs (the catalogue's 6 MiB limit).
    usage_url = "https://www.runcomfy.com/profile"
    # RunComfy stops a request still in its queue; one already started finishes (its
    # cancel answers "not_cancellable").
    cancels_in = frozenset({"queued"})
    dashboard_hint = "Check your RunComfy dashboard (Generations / Usage) before trying again."
    request_id_pattern = _REQUEST_ID
    request_id_shape = "letters, digits, - and _, as its dashboard shows it"

    def __init__(self, *, base_url: str, **kwargs: Any) -> None:
        base = base_url.rstrip("/").removesuffix("/v1") + "/v1"
        super().__init__(base_url=base, **kwargs)

    # --- wire -------------------------------------------------------------------------------

    async def prepare(self, inputs: Inputs) -> dict[str, Any]:
        # The field names are the model's (the catalogue's); the order is the wire's.
        req, names = inputs.request, self._offer.fields
        body: dict[str, Any] = {
            names.start_frame: inputs.image.url or inputs.image.data_uri(),
            names.prompt: req.prompt,
            names.duration: req.duration,
            names.sound: req.sound,
            names.shot_type: req.shot_type,
        }
        if inputs.end_image is not None and names.end_frame:
            body[names.end_frame] = inputs.end_image.url or inputs.end_image.data_uri()
        if req.multi_prompt and names.segments:
            body[names.segments] = [
                {"prompt": s.prompt, "duration": s.duration} for s in req.multi_prompt
            ]
        return body

    async def submit(self, payload: dict[str, Any]) -> str:
        response = await self._send(
            "POST",
            f"{self.base_url}/models/{self._offer.endpoint}",
            json=payload,
            headers=self._auth,
        )
        body = self._raise_for_status(response)
        request_id = str(body.get("request_id") or "")
        if not _REQUEST_ID.match(request_id):
            raise BadResponseError("RunComfy accepted the job but sent no usable request id.")
        return request_id

    async def status(self, request_id: str) -> JobStatus:
        self._check_id(request_id)
        response = await self._send(
            "GET", f"{self.base_url}/requests/{request_id}/status", headers=self._auth
        )
        body = self._raise_for_status(response)
        state = str(body.get("status", "")).lower()
        if state in _QUEUED:
            return Queued(int_or_none(body.get("queue_position")))
        if state in _RUNNING:
            return Running()
        if state in _DONE | _FAILED | _CANCELED:
            return await self._finished_result(request_id)
        return Running(note=f"RunComfy reports the status {state or 'empty'!r}; still checking.")

    async def _finished_result(self, request_id: str) -> JobStatus:
        """The result of a job the status calls finished. Its fetch failing is asked again
        (the fetch, never the job): a 404 just after "completed" is the result not being
        there yet, so it is transient too, for a while (RESULT_404_TRIES)."""
        try:
            return await self.result(request_id)
        except NotFoundError as exc:
            error = ServerError(
                f"RunComfy finished the job but its result isn't there yet (HTTP "
                f"{exc.status_code}); asking again.",
                status_code=exc.status_code,
                provider_code=exc.provider_code,
            )
            error.retry_limit = RESULT_404_TRIES
            raise error from exc

    async def result(self, request_id: str) -> JobStatus:
        """The finished job: video URL and cost, or why it failed."""
        self._check_id(request_id)
        response = await self._send(
            "GET",
            f"{self.base_url}/requests/{request_id}/result",
            params={"include_cost": "true"},
            headers=self._auth,
        )
        body = self._raise_for_status(response)
        state = str(body.get("status", "")).lower()
        if state in _QUEUED:  # the result endpoint answers with the status while unfinished
            return Queued(int_or_none(body.get("queue_position")))
        if state in _RUNNING:
            return Running()
        if state in _CANCELED:
            return Canceled("The job was canceled on RunComfy.")
        if state in _FAILED:
            return self._failure(body.get("error"), "RunComfy reported that the job failed.")
        if state in _DONE:
            url = _video_url(body.get("output"))
            if not url:  # "completed" is not always a success (docs/providers.md)
                return self._failure(
                    body.get("error"),
                    "RunComfy marked the job completed but sent no video. It may have been "
                    "charged: see your RunComfy usage page.",
                )
            cost = body.get("cost")
            return Succeeded(url, float_or_none(cost), "USD" if cost is not None else None)
        return Running(note=f"RunComfy reports the status {state or 'empty'!r}; still checking.")

    def _failure(self, error: Any, fallback: str) -> Failed:
        """A failed (or completed-without-video) job, in the provider's words; a content
        check's refusal says which input when those words do."""
        message, code = _error_details(error)
        message = self._redact(message)[:400]
        words = f"{message} {code or ''}"
        if is_content_refusal(words):
            which = refused_input(message)
            return Failed(message or fallback, code, True, which, message)
        if message and fallback.startswith("RunComfy marked"):
            message = f"RunComfy marked the job completed, with a failure: {message}"
        return Failed(message or fallback, code, detail=message)

    async def account(self) -> Account:
        """The account's balance (free): RunComfy's balance endpoint, on its main API host."""
        response = await self._send("GET", self.balance_url, headers=self._auth)
        body = self._raise_for_status(response)
        return Account(
            balance=float_or_none(body.get("balance_usd", body.get("balance"))),
            currency=str(body.get("currency") or "USD").upper(),
        )

    @property
    def balance_url(self) -> str:
        # The balance lives on api.runcomfy.net, not the model API host; a configured base
        # URL (the fake provider, a proxy) serves it beside the model API.
        if self.base_url.rstrip("/").removesuffix("/v1") == self.default_base_url:
            return BALANCE_URL
        return f"{self.base_url.removesuffix('/v1')}/prod/v2/balance"

    async def cancel(self, request_id: str) -> CancelOutcome:
        self._check_id(request_id)
        response = await self._send(
            "POST", f"{self.base_url}/requests/{request_id}/cancel", headers=self._auth
        )
        body = self._raise_for_status(response)
        outcome = str(body.get("outcome") or body.get("status") or "").lower()
        if outcome in _CANCELED:
            return CancelOutcome.CANCELED
        if outcome == "cancellation_requested":
            return CancelOutcome.REQUESTED
        return CancelOutcome.NOT_CANCELLABLE

    # --- errors -----------------------------------------------------------------------------

    @staticmethod
    def _check_id(request_id: str) -> None:
        if not _REQUEST_ID.match(request_id):
            raise BadResponseError(f"{request_id!r} is not a RunComfy request id.")

    def _raise_for_status(self, response: httpx.Response) -> dict[str, Any]:
        """Return the JSON body, or raise the error it means (HTTP 200 with error_code too)."""
        body = self._json_object(response)
        code = body.get("error_code")
        code = str(code) if code not in (None, "", 0) else None
        if response.is_success and code is None:
            return body
        status = response.status_code
        if response.is_success and code is not None and len(code) == 6 and code[:3].isdigit():
            # HTTP 200 with an error_code: the code's first three digits are its HTTP class
            # (400004, 404001, ...), so read it as that status (inferred: docs/providers.md).
            status = int(code[:3])
        detail = (
            body.get("error_message") or _detail_words(body.get("detail")) or body.get("message")
        )
        answer = ErrorAnswer(
            status=status,
            code=code,
            message=self._redact(str(detail or ""))[:300],
            body=self._redact(response.text),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
        raise error_for(_ERRORS, answer, self.key_env)


# RunComfy's error answers, first match wins (codes and sources in docs/providers.md).
_ERRORS = (
    ErrorRule(
        RateLimitError,
        "RunComfy is rate limiting requests; waiting before trying again.",
        statuses=frozenset({429}),
        retry_hint=True,
    ),
    ErrorRule(
        InsufficientFundsError,
        "Your RunComfy balance is too low for this job: top up and try again.",
        codes=frozenset({"400002"}),
        statuses=frozenset({402}),
    ),
    ErrorRule(
        AuthError,
        "RunComfy rejected the API key (wrong or expired): check the key.",
        codes=frozenset({"400004"}),
        statuses=frozenset({401}),
        operator="RunComfy rejected the API key (wrong or expired): check {key_env}.",
    ),
    ErrorRule(
        AuthError,
        "RunComfy says this request belongs to another account.",
        codes=frozenset({"403001"}),
        statuses=frozenset({403}),
    ),
    ErrorRule(
        NotFoundError,
        "RunComfy doesn't know this request (or it has expired).",
        codes=frozenset({"404001"}),
        statuses=frozenset({404}),
    ),
    ErrorRule(ServerError, "RunComfy had a server error (HTTP {status}).", server_side=True),
    ErrorRule(
        ContentRejectedError,
        "RunComfy's content check refused the request{detail}",
        test=lambda answer: is_content_refusal(answer.message),
    ),
    ErrorRule(
        ProviderHTTPError, "RunComfy doesn't offer this model id.", codes=frozenset({"400001"})
    ),
    ErrorRule(ProviderHTTPError, "RunComfy refused the request{detail_or_status}", test=anything),
)


def _video_url(output: Any) -> str | None:
    """Accept `output.video` (string or {url}) or `output.videos` (list)."""
    if not isinstance(output, dict):
        return None
    candidates: list[Any] = [output.get("video")]
    videos = output.get("videos")
    if isinstance(videos, list):
        candidates.extend(videos)
    for item in candidates:
        if isinstance(item, dict):
            item = item.get("url")
        if isinstance(item, str) and item.startswith(("https://", "http://")):
            return item
    return None


def _detail_words(detail: Any) -> str:
    """`detail` as words: a list of {loc, msg} (a schema or content check per field, as
    FastAPI-style APIs answer) reads "image: flagged by a content checker"."""
    if not isinstance(detail, list):
        return str(detail or "")
    parts = []
    for item in detail:
        if isinstance(item, dict):
            loc = item.get("loc")
            field = loc[-1] if isinstance(loc, list) and loc else ""
            parts.append(f"{field}: {item.get('msg', '')}" if field else str(item.get("msg", "")))
    return "; ".join(p for p in parts if p)


def _error_details(error: Any) -> tuple[str, str | None]:
    if isinstance(error, dict):
        message = error.get("message") or error.get("error_message") or error.get("detail")
        code = error.get("code") or error.get("error_code")
        return str(message or ""), str(code) if code else None
    if isinstance(error, str):
        return error, None
    return "", None
