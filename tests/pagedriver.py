"""Drive the studio's page events the way the browser does: Gradio's queue protocol by hand.

The page's events are private (gradio_client refuses them, named calls are refused), so a
test that acts as the page speaks the page's own protocol: the config says which event a
button fires, files go through the upload route, an event joins the queue by its index and
its outputs stream back as server-sent events (a generator's later outputs as diffs).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from gradio_client.utils import apply_diff

# One client for every page: httpx's module functions build a client (and its TLS context,
# tens of milliseconds here) per call, which was a tenth of the suite's time.
HTTP = httpx.Client(timeout=30)
_CONFIGS: dict[tuple[str, Any], dict[str, Any]] = {}


def page_config(url: str) -> dict[str, Any]:
    """The page's config (components and events), fetched once per running app.

    Building it costs the server tens of milliseconds a tab; the app id (a cheap call)
    tells a new app on a reused port from the one already read."""
    app_id = HTTP.get(f"{url}/gradio_api/app_id").json()["app_id"]
    if (url, app_id) not in _CONFIGS:
        _CONFIGS[url, app_id] = HTTP.get(f"{url}/config").json()
    return _CONFIGS[url, app_id]


class PageEvent:
    """One event in flight; `result()` waits for its end and returns every state shown."""

    def __init__(self) -> None:
        self.states: list[list[Any]] = []
        self.error: str | None = None
        self.closed = False
        self._done = threading.Event()

    def take(self, message: dict[str, Any]) -> bool:
        """Apply one server message; True when the event has ended."""
        kind = message.get("msg")
        output = message.get("output") or {}
        if kind == "process_generating" and output.get("data") is not None:
            if self.states:  # after the first full output, a generator sends diffs
                last = self.states[-1]
                self.states.append(
                    [apply_diff(old, diff) for old, diff in zip(last, output["data"], strict=True)]
                )
            else:
                self.states.append(list(output["data"]))
        if kind == "process_completed":
            if not message.get("success", True):
                self.error = output.get("error") or "error"
            elif output.get("data") is not None and not self.states:
                self.states.append(list(output["data"]))
            self.end()
            return True
        return False

    def end(self, error: str | None = None) -> None:
        if error and not self.error:
            self.error = error
        self._done.set()

    def close(self) -> None:
        """What closing the tab does: stop listening (the server goes on)."""
        self.closed = True
        self.end()

    def result(self, timeout: float = 60) -> list[list[Any]]:
        if not self._done.wait(timeout):
            raise TimeoutError("the page event did not finish in time")
        return self.states

    def shown(self, timeout: float = 60) -> list[Any]:
        """What the page shows at the end: every output applied in turn, updates skipped."""
        shown: list[Any] = []
        for values in self.result(timeout):
            shown = shown or [None] * len(values)
            for i, value in enumerate(values):
                if not (isinstance(value, dict) and value.get("__type__") == "update"):
                    shown[i] = value
        return shown


class Page:
    """One browser tab: the token the server signed for it, and its events by element id."""

    def __init__(
        self, url: str, token: str | None = None, *, headers: dict[str, str] | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.headers = headers or {}  # e.g. X-Forwarded-For, as a proxy in front would add
        config = page_config(self.url)
        self._ids = {c["id"]: (c.get("props") or {}).get("elem_id") for c in config["components"]}
        self._deps = config["dependencies"]
        # One session per tab, as the page has: events share its server-side state (the
        # job a Generate started is the one Cancel stops) and one message stream.
        self.session = secrets.token_hex(8)
        self._events: dict[str, PageEvent] = {}
        self._early: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.token = token if token is not None else self.open()

    def dependency(self, elem_id: str | None, event: str) -> dict[str, Any]:
        for dep in self._deps:
            if not dep.get("backend_fn"):
                continue
            for target, name in dep["targets"]:
                if name == event and self._ids.get(target) == elem_id:
                    return dep
        raise KeyError(f"no server event {event} on {elem_id}")

    def then_of(self, elem_id: str | None, event: str) -> dict[str, Any]:
        """The server event run after `event` on `elem_id` (its `.then`)."""
        first = self.dependency(elem_id, event)
        for dep in self._deps:
            if dep.get("backend_fn") and dep.get("trigger_after") == first["id"]:
                return dep
        raise KeyError(f"no server event after {event} on {elem_id}")

    def dependency_showing(self, event: str, elem_id: str) -> dict[str, Any]:
        """The server event `event` whose outputs include the element `elem_id`."""
        for dep in self._deps:
            fired = dep.get("backend_fn") and any(n == event for _, n in dep["targets"])
            if fired and any(self._ids.get(out) == elem_id for out in dep["outputs"]):
                return dep
        raise KeyError(f"no server event {event} showing {elem_id}")

    def open(self) -> str | None:
        """Load the page: the server keeps a valid token or issues a new one."""
        return self.fire(None, "load", [None]).shown()[0]

    def fire(
        self, elem_id: str | None, event: str, data: list[Any], event_data: Any = None
    ) -> PageEvent:
        dep = self.dependency(elem_id, event)
        return self.fire_index(dep["id"], data, trigger=dep["targets"][0][0], event_data=event_data)

    def fire_index(
        self,
        fn_index: int,
        data: list[Any],
        trigger: int | None = None,
        event_data: Any = None,
    ) -> PageEvent:
        """Join the queue as the page does; outputs arrive on the tab's stream."""
        pending = PageEvent()
        joined = HTTP.post(
            f"{self.url}/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": fn_index,
                "trigger_id": trigger,
                "session_hash": self.session,
                "event_data": event_data,
            },
            headers=self.headers,
        )
        if joined.status_code != 200:
            pending.end(f"HTTP {joined.status_code}: {joined.text}")
            return pending
        event_id = joined.json()["event_id"]
        with self._lock:
            self._events[event_id] = pending
            early = self._early.pop(event_id, [])
            if self._reader is None or not self._reader.is_alive():
                self._reader = threading.Thread(target=self._read, daemon=True)
                self._reader.start()
        for message in early:
            pending.take(message)
        return pending

    def _read(self) -> None:
        """Deliver the session's messages to their events until none is waiting."""
        while True:
            try:
                with HTTP.stream(
                    "GET",
                    f"{self.url}/gradio_api/queue/data?session_hash={self.session}",
                    timeout=120,
                ) as stream:
                    for line in stream.iter_lines():
                        if line.startswith("data:"):
                            self._deliver(json.loads(line[5:]))
            except httpx.HTTPError as exc:
                with self._lock:
                    waiting = list(self._events.values())
                    self._events.clear()
                for event in waiting:
                    event.end(f"stream broke: {exc}")
                return
            with self._lock:
                if not self._events:
                    self._reader = None
                    return

    def _deliver(self, message: dict[str, Any]) -> None:
        event_id = message.get("event_id")
        if event_id is None:
            return
        with self._lock:
            event = self._events.get(event_id)
            if event is None:
                self._early.setdefault(event_id, []).append(message)
                return
        if event.closed or event.take(message):
            with self._lock:
                self._events.pop(event_id, None)

    def select_row(self, elem_id: str, row: list[Any], index: int = 0) -> PageEvent:
        """Click a row of a table, as the page reports it (Gradio's SelectData)."""
        data = {"index": [index, 0], "value": row[0], "row_value": row, "selected": True}
        return self.fire(elem_id, "select", [self.token], event_data=data)

    def upload(self, path: str | Path) -> dict[str, Any]:
        path = Path(path)
        with path.open("rb") as handle:
            answer = HTTP.post(
                f"{self.url}/gradio_api/upload", files={"files": (path.name, handle)}
            )
        answer.raise_for_status()
        return {
            "path": answer.json()[0],
            "orig_name": path.name,
            "meta": {"_type": "gradio.FileData"},
        }

    def download(self, file: dict[str, Any] | None, folder: Path) -> Path | None:
        """Fetch a file the page was given, as the browser would, by its URL."""
        if not file:
            return None
        answer = HTTP.get(file["url"])
        answer.raise_for_status()
        target = folder / (file.get("orig_name") or Path(file["path"]).name)
        target.write_bytes(answer.content)
        return target


# The job panel as Generate's outputs show it (errors, job, note, then the panel from the
# status on) and as the tray's tick shows it (after the tray's three outputs).
STATUS, PANEL, TICK_PANEL = 3, 8, 3
UNDER_WAY = re.compile(r"\*\*(Sending|Queued|Generating|Saving the video)\*\*")


def tray_tick(page: Page) -> list[Any]:
    """One tick of the tray's timer, as the page's timer fires it while jobs run."""
    dep = page.dependency_showing("tick", "tray")
    return page.fire_index(dep["id"], [page.token, None, None, None, None]).shown()


def until_ended(page: Page, shown: list[Any], timeout: float = 60) -> list[Any]:
    """Generate's outputs with the tray's ticks applied in turn until the shown job has
    ended, as the browser shows them (Generate returns once the job is started)."""
    deadline = time.monotonic() + timeout
    while UNDER_WAY.search(shown[STATUS] or ""):
        assert time.monotonic() < deadline, "the job never ended"
        tick = tray_tick(page)
        for i in range(PANEL):
            if tick[TICK_PANEL + i] is not None:
                shown[STATUS + i] = tick[TICK_PANEL + i]
        time.sleep(0.01)
    return shown
