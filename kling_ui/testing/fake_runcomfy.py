"""A fake RunComfy Model API speaking the real wire protocol (docs/providers.md): every
catalogue model's path (models.py), each checked against that model's field names."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import models
from .fake import FakeJob, FakeProvider, check_segments, is_int

_DEFAULT = models.offer("runcomfy")
assert _DEFAULT is not None
MODEL_PATH = f"/v1/models/{_DEFAULT.endpoint}"  # the default model's (O3 Pro)
_STATUS = {
    "queued": "in_queue",
    "running": "in_progress",
    "done": "completed",
    "failed": "failed",
    "canceled": "cancelled",
}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "error_message": message}, status_code=status)


class FakeRunComfy(FakeProvider):
    """Routes: submit, status, result, cancel, and the CDN that serves results."""

    output_style = "video"  # or "videos": RunComfy's nodes accept both shapes

    def routes(self) -> list[Route]:
        return [
            *(
                self.submit_route(f"/v1/models/{endpoint}", offer)
                for endpoint, offer in self.offers("runcomfy").items()
            ),
            Route("/v1/requests/{request_id}/status", self._status, methods=["GET"]),
            Route("/v1/requests/{request_id}/result", self._result, methods=["GET"]),
            Route("/v1/requests/{request_id}/cancel", self._cancel, methods=["POST"]),
            Route("/files/{job_id}.mp4", self.serve_video, methods=["GET"]),
            # On api.runcomfy.net for real; beside the model API here.
            Route("/prod/v2/balance", self._balance, methods=["GET"]),
        ]

    def __init__(self, **kwargs: Any) -> None:
        self.balance = 25.0  # balance_usd
        # A status word to answer while a job is unfinished: RunComfy's own nodes also see
        # pending, waiting, starting and processing; tests use an unknown one too.
        self.status_word: str | None = None
        self.force_status = False  # say status_word even once the job is done
        super().__init__(**kwargs)

    def say_status(self, word: str | None) -> None:
        """Answer `word` on the status route from now on (None: the job's real state)."""
        self.status_word = word
        self.force_status = word is not None

    def new_id(self) -> str:
        return f"rc-{super().new_id()}"

    # --- routes -----------------------------------------------------------------------------

    async def _status(self, request: Request) -> Response:
        return await self.answer("status", request, self._do_status)

    async def _result(self, request: Request) -> Response:
        return await self.answer("result", request, self._do_result)

    async def _cancel(self, request: Request) -> Response:
        return await self.answer("cancel", request, self._do_cancel)

    async def _balance(self, request: Request) -> Response:
        return await self.answer("balance", request, self._do_balance)

    async def _do_balance(self, request: Request, call: dict[str, Any]) -> Response:
        if not self.authorised(request):
            return _error(401, "400004", "Invalid or expired token")
        return JSONResponse(
            {
                "balance_usd": self.balance,
                "balance_microdollars": round(self.balance * 1_000_000),
                "currency": "USD",
            }
        )

    # --- handlers ---------------------------------------------------------------------------

    async def _do_submit(
        self, request: Request, call: dict[str, Any], offer: models.Offer
    ) -> Response:
        if not self.authorised(request):
            return _error(401, "400004", "Invalid or expired token")
        body = call["json"]
        problem = _validate(body, offer.fields)
        if problem:
            return _error(422, "422001", problem)
        refusal = self.take_refusal()
        if refusal is not None:
            # A content check naming the input, as routers report it per field (fal's 422
            # shape; RunComfy's own is unverified: docs/providers.md).
            field, message = refusal
            detail = [{"loc": ["body", field], "msg": message, "type": "content_policy_violation"}]
            return JSONResponse({"detail": detail}, status_code=422)
        if self.max_concurrent is not None and self.active_jobs() >= self.max_concurrent:
            return JSONResponse(
                {"error": "rate limited"}, status_code=429, headers={"Retry-After": "1"}
            )
        names = offer.fields
        job = self.create_job(
            body, body.get(names.duration, 5), bool(body.get(names.sound, False)), offer
        )
        base = f"{str(request.base_url).rstrip('/')}/v1/requests/{job.id}"
        return JSONResponse(
            {
                "request_id": job.id,
                "status_url": f"{base}/status",
                "result_url": f"{base}/result",
                "cancel_url": f"{base}/cancel",
            }
        )

    def _job_or_error(self, request: Request) -> FakeJob | Response:
        if not self.authorised(request):
            return _error(401, "400004", "Invalid or expired token")
        job = self.jobs.get(request.path_params["request_id"])
        if job is None:
            return _error(404, "404001", "Request not found or expired")
        return job

    async def _do_status(self, request: Request, call: dict[str, Any]) -> Response:
        job = self._job_or_error(request)
        if isinstance(job, Response):
            return job
        state = job.state(self.clock.now())
        unfinished = state in ("queued", "running")
        word = self.status_word if unfinished or self.force_status else None
        body: dict[str, Any] = {"request_id": job.id, "status": word or _STATUS[state]}
        if state == "queued" or word == "in_queue":
            body["queue_position"] = self.queue_position(job)
        base = f"{str(request.base_url).rstrip('/')}/v1/requests/{job.id}"
        body.update(status_url=f"{base}/status", result_url=f"{base}/result")
        return JSONResponse(body)

    async def _do_result(self, request: Request, call: dict[str, Any]) -> Response:
        job = self._job_or_error(request)
        if isinstance(job, Response):
            return job
        state = job.state(self.clock.now())
        body: dict[str, Any] = {
            "request_id": job.id,
            "status": _STATUS[state],
            "model_id": job.endpoint,
            "created_at": "2026-11-21T10:00:00Z",
        }
        if state == "queued":
            body["queue_position"] = self.queue_position(job)
        if state == "done" and (fault := self.take_finished_fault()) is not None:
            return self.fault_response(fault)  # finished, but fetching its result fails
        if state == "done" and job.hollow_message is not None:
            # "completed" that is not a success: no output, a failure beside it.
            error = {"code": "GENERATION_FAILED", "message": job.hollow_message}
            body.update(output=None, error=error if job.hollow_message else None)
            return JSONResponse(body)
        if state == "done":
            url = self.video_url(request, job)
            body.update(
                output={"video": url} if self.output_style == "video" else {"videos": [url]},
                finished_at="2026-11-21T10:01:00Z",
                error=None,
            )
            if request.query_params.get("include_cost") == "true":
                body["cost"] = round(job.rate * job.duration, 4)
        if state == "failed":
            body["error"] = {"code": "GENERATION_FAILED", "message": job.fail_message}
        return JSONResponse(body)

    async def _do_cancel(self, request: Request, call: dict[str, Any]) -> Response:
        job = self._job_or_error(request)
        if isinstance(job, Response):
            return job
        state = job.state(self.clock.now())
        if state == "queued":
            job.canceled = True
            return JSONResponse(
                {"request_id": job.id, "status": "cancelled", "outcome": "cancelled"}
            )
        return JSONResponse(
            {"request_id": job.id, "status": _STATUS[state], "outcome": "not_cancellable"}
        )


def _validate(body: Any, names: models.WireFields) -> str | None:
    """Reject what the real schema rejects (types, ranges, enums, segment sums), in the
    model's own field names."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    known = {n for n in vars(names).values() if n}
    unknown = set(body) - known
    if unknown:
        return f"unknown fields: {sorted(unknown)}"
    for name in (names.start_frame, names.prompt):
        if not isinstance(body.get(name), str) or not body[name]:
            return f"{name} is required"
    for name in (names.start_frame, names.end_frame):
        value = body.get(name) if name else None
        if value is not None and not str(value).startswith(("https://", "http://", "data:image/")):
            return f"{name} must be a URL or a data URI"
    duration = body.get(names.duration, 5)
    if not is_int(duration) or not 3 <= duration <= 15:
        return f"{names.duration} must be an integer between 3 and 15"
    if not isinstance(body.get(names.sound, False), bool):
        return f"{names.sound} must be a boolean"
    if body.get(names.shot_type, "customize") not in ("customize", "intelligent"):
        return f"{names.shot_type} must be one of customize, intelligent"
    if names.segments and names.segments in body:
        return check_segments(body[names.segments], duration, with_index=False)
    return None
