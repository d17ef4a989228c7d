"""A fake RunningHub OpenAPI v2 speaking the real wire protocol (docs/providers.md): every
catalogue model's endpoint (models.py), each checked against that model's field names."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import models
from .fake import FakeJob, FakeProvider, check_segments, is_int

_DEFAULT = models.offer("runninghub")
assert _DEFAULT is not None
SUBMIT_PATH = f"/openapi/v2/{_DEFAULT.endpoint}"  # the default model's (O3 Pro)
_CALLBACK = "webhookUrl"  # RunningHub's, for every model
_STATUS = {
    "queued": "QUEUED",
    "running": "RUNNING",
    "done": "SUCCESS",
    "failed": "FAILED",
    "canceled": "CANCEL",
}


def _task(task_id: str, status: str, **extra: Any) -> dict[str, Any]:
    body = {
        "taskId": task_id,
        "status": status,
        "errorCode": "",
        "errorMessage": "",
        "results": None,
        "failedReason": {},  # an object on every answer, empty unless FAILED
        "clientId": "fake-client",
        "promptTips": "",
    }
    body.update(extra)
    return body


def _business_error(code: str, message: str) -> JSONResponse:
    # RunningHub reports most errors with HTTP 200 and a non-empty errorCode.
    return JSONResponse(_task("", "FAILED", errorCode=code, errorMessage=message))


class FakeRunningHub(FakeProvider):
    """Routes: media upload, submit, query, and the CDN that serves results."""

    def __init__(self, **kwargs: Any) -> None:
        self.uploads: dict[str, bytes] = {}
        self.use_snake_case_id = False  # some deployments answer task_id
        self.callbacks: list[asyncio.Task[None]] = []  # webhook calls on their way
        self.usage: dict[str, str] | None = None  # replaces the usage of finished tasks
        # accountStatus: values are strings (or null), as documented.
        self.account = {
            "remainCoins": "1200",
            "remainMoney": "35.20",
            "currency": "CNY",
            "currentTaskCounts": "0",
            "apiType": "ENTERPRISE",
        }
        self.url_field = "url"  # older answers put the link in outputUrl
        # accountStatus's answer to a key it doesn't know. The other site's keys may get
        # another answer (a third-party report: APIKEY_USER_NOT_FOUND); tests set it.
        self.key_refusal: dict[str, Any] = {"code": 802, "msg": "API key unauthorized"}
        super().__init__(**kwargs)

    def routes(self) -> list[Route]:
        return [
            Route("/openapi/v2/media/upload/binary", self._upload, methods=["POST"]),
            *(
                self.submit_route(f"/openapi/v2/{endpoint}", offer)
                for endpoint, offer in self.offers("runninghub").items()
            ),
            Route("/openapi/v2/query", self._query, methods=["POST"]),
            Route("/files/{job_id}.mp4", self.serve_video, methods=["GET"]),
            Route("/media/{name}", self._media, methods=["GET"]),
            Route("/uc/openapi/accountStatus", self._account, methods=["POST"]),
        ]

    def new_id(self) -> str:
        return str(2013508786110730000 + len(self.jobs) + 1)

    async def _upload(self, request: Request) -> Response:
        return await self.answer("upload", request, self._do_upload)

    async def _account(self, request: Request) -> Response:
        return await self.answer("account", request, self._do_account)

    async def _do_account(self, request: Request, call: dict[str, Any]) -> Response:
        body = call["json"] if isinstance(call["json"], dict) else {}
        if not self.authorised(request) or body.get("apikey") != self.api_key:
            return JSONResponse({**self.key_refusal, "data": None})
        return JSONResponse({"code": 0, "msg": "success", "data": dict(self.account)})

    async def _query(self, request: Request) -> Response:
        return await self.answer("query", request, self._do_query)

    # --- handlers ---------------------------------------------------------------------------

    async def _do_upload(self, request: Request, call: dict[str, Any]) -> Response:
        if not self.authorised(request):
            return JSONResponse({"code": 1002, "message": "Invalid API key", "data": None})
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return JSONResponse({"code": 301, "message": "file is required", "data": None})
        data = await upload.read()
        call["upload"] = {
            "filename": upload.filename,
            "content_type": upload.content_type,
            "size": len(data),
        }
        name = f"openapi/{len(self.uploads) + 1:04d}-{upload.filename}"
        self.uploads[name] = data
        url = f"{str(request.base_url).rstrip('/')}/media/{name.replace('/', '_')}"
        return JSONResponse(
            {"code": 0, "msg": "success", "data": {"download_url": url, "fileName": name}}
        )

    async def _media(self, request: Request) -> Response:
        name = request.path_params["name"].replace("_", "/", 1)
        data = self.uploads.get(name)
        return Response(data, media_type="image/jpeg") if data else Response(status_code=404)

    async def _do_submit(
        self, request: Request, call: dict[str, Any], offer: models.Offer
    ) -> Response:
        if not self.authorised(request):
            return _business_error("1002", "API key verification failed")
        body = call["json"]
        problem = self._validate(body, str(request.base_url), offer.fields)
        if problem:
            return _business_error("301", f"Invalid parameters: {problem}")
        if self.max_concurrent is not None and self.active_jobs() >= self.max_concurrent:
            return self._too_many()
        refusal = self.take_refusal()
        if refusal is not None:  # the content check, naming the input (words unverified)
            field, message = refusal
            return _business_error("1501", f"{field}: {message}")
        names = offer.fields
        job = self.create_job(body, body[names.duration], body[names.sound], offer)
        if isinstance(body.get(_CALLBACK), str):
            self.callbacks.append(asyncio.create_task(self._call_back(job, body[_CALLBACK])))
        id_field = "task_id" if self.use_snake_case_id else "taskId"
        answer = _task(job.id, "RUNNING")
        answer.pop("taskId")
        answer[id_field] = job.id
        return JSONResponse(answer)

    def _too_many(self) -> Response:
        """Over the plan's concurrency: 1520 in the v2 shape; the legacy codes 421
        (TASK_QUEUE_MAXED, shared API) and 415 (TASK_INSTANCE_MAXED, dedicated machines)
        come in the legacy {code, msg} shape (third-party clients, docs/providers.md)."""
        if self.limit_code == "1520":
            return _business_error("1520", "Concurrent task limit reached")
        words = {"421": "TASK_QUEUE_MAXED", "415": "TASK_INSTANCE_MAXED"}[self.limit_code]
        return JSONResponse({"code": int(self.limit_code), "msg": words, "data": None})

    async def _call_back(self, job: FakeJob, url: str) -> None:
        # RunningHub calls webhookUrl when a task ends; its v2 payload is undocumented, so
        # this sends a plausible one and the client must not depend on it.
        await self.clock.sleep(max(0.0, job.done_at() - self.clock.now()))
        payload = {"taskId": job.id, "event": "TASK_END", "eventData": "{}"}
        # Nobody listening is fine: the poller finds the result anyway.
        async with httpx.AsyncClient(timeout=5) as client:
            with contextlib.suppress(httpx.HTTPError):
                await client.post(url, json=payload)

    async def _do_query(self, request: Request, call: dict[str, Any]) -> Response:
        if not self.authorised(request):
            return _business_error("1002", "API key verification failed")
        body = call["json"]
        task_id = body.get("taskId") if isinstance(body, dict) else None
        job = self.jobs.get(str(task_id))
        if job is None:
            return _business_error("807", "Task not found")
        state = job.state(self.clock.now())
        if state == "done" and (fault := self.take_finished_fault()) is not None:
            return self.fault_response(fault)  # finished, but fetching its result fails
        if state == "done" and job.hollow_message is not None:
            # SUCCESS that is not a success: no results, the reason (if any) beside it.
            return JSONResponse(
                _task(job.id, "SUCCESS", results=[], errorMessage=job.hollow_message)
            )
        if state == "done":
            rate = job.rate
            return JSONResponse(
                _task(
                    job.id,
                    "SUCCESS",
                    results=[
                        {
                            self.url_field: self.video_url(request, job),
                            "nodeId": "1",
                            "outputType": "mp4",
                            "text": None,
                        }
                    ],
                    # As documented for Standard Model API tasks: strings, the charge in
                    # thirdPartyConsumeMoney and the workflow charge "0.00".
                    usage=self.usage
                    or {
                        "consumeMoney": "0.00",
                        "consumeCoins": "0",
                        "taskCostTime": str(round(job.run_seconds)),
                        "thirdPartyConsumeMoney": f"{rate * job.duration:.3f}",
                    },
                )
            )
        if state == "failed":
            return JSONResponse(
                _task(
                    job.id,
                    "FAILED",
                    errorCode="1505",
                    errorMessage=job.fail_message,
                    failedReason={"exception_type": "ContentRejected", "node_name": "kling"},
                )
            )
        return JSONResponse(_task(job.id, _STATUS[state]))

    def _validate(self, body: Any, base_url: str, names: models.WireFields) -> str | None:
        """Reject what the real endpoint rejects, in the model's own field names."""
        if not isinstance(body, dict):
            return "body must be a JSON object"
        unknown = set(body) - {n for n in vars(names).values() if n} - {_CALLBACK}
        if unknown:
            return f"unknown fields {sorted(unknown)}"
        prompt = body.get(names.prompt)
        if not isinstance(prompt, str) or not prompt or len(prompt) > 2500:
            return f"{names.prompt} is required (at most 2500 characters)"
        for name in (names.start_frame, names.end_frame):
            value = body.get(name) if name else None
            if name == names.start_frame and not value:
                return f"{name} is required"
            if value is None:
                continue
            if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                return f"{name} must be a URL"
            if value.startswith(base_url) and "/media/" in value:
                stored = value.split("/media/", 1)[1].replace("_", "/", 1)
                if stored not in self.uploads:
                    return f"{name} refers to a file that was never uploaded"
        duration = body.get(names.duration)
        if not is_int(duration) or not 3 <= duration <= 15:
            return f"{names.duration} must be an integer 3-15"
        if not isinstance(body.get(names.sound), bool):
            return f"{names.sound} must be a boolean"
        return _multi_shot_problem(body, names, duration)


def _multi_shot_problem(
    body: dict[str, Any], names: models.WireFields, duration: int
) -> str | None:
    """Kling's multi-shot rules (Omni-Video API): segments need the multi-shot switch with
    shot type customize; "intelligence" takes none; no end frame in multi-shot."""
    switch, shot_type, segments = names.multi_shot or "", names.shot_type, names.segments or ""
    if not isinstance(body.get(switch, False), bool):
        return f"{switch} must be a boolean"
    if body.get(shot_type, "customize") not in ("customize", "intelligence"):
        return f"{shot_type} must be customize or intelligence"
    if body.get(switch):
        if names.end_frame and body.get(names.end_frame):
            return f"{names.end_frame} is not supported with {switch}"
        if body.get(shot_type, "customize") == "intelligence":
            return f"{segments} is not used with intelligence" if segments in body else None
        if not body.get(segments):
            return f"{segments} is required when {switch} is true"
        return check_segments(body[segments], duration, with_index=True)
    if segments in body:
        return f"{segments} needs {switch} true"
    return None
