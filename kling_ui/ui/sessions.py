"""Per-session state that costs what a session uses, not a copy of the whole page's config.

Gradio keeps a `SessionState` for every session hash it sees, and every call of the public
API is a session of its own (`/gradio_api/call/...` names the session after the event). Each
new `SessionState` renders the config of every block on the page (props, API info; ~280
blocks here) into `config_values`, a snapshot read only to make a deep link. For the studio's
page that is ~0.4 MB of small dicts and ~70 ms of the event loop's CPU per API call (so 500
calls at once stalled the loop for half a minute), kept until 10,000 sessions have passed.
Here a block's config is rendered when something reads or writes it: an event's inputs and
outputs (a handful of blocks), or every block when a deep link is asked for. A session then
costs ~23 KB and under 1 ms.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from types import SimpleNamespace

import gradio as gr
from gradio.routes import App
from gradio.state_holder import SessionState, StateHolder


class RenderedConfigs:
    """Each page block's config as first rendered, shared by every session of one app; a
    session gets its own deep copy to write into. Rendering the ten blocks an API call
    touches took ~4.7 ms of the event loop per call, copying them ~0.6 ms. A block a session
    replaced (gr.render) is not the page's: it is rendered afresh."""

    def __init__(self) -> None:
        self._made: dict[int, tuple[object, dict]] = {}

    def copy_of(self, session: SessionState, key: int) -> dict:
        block = session.blocks_config.blocks[key]
        made = self._made.get(key)
        if made is None or made[0] is not block:
            made = (block, session.blocks_config.config_for_block(key, [], block))
            self._made[key] = made
        return copy.deepcopy(made[1])


class LazyConfigs(dict):
    """`SessionState.config_values`, filled per block on first read."""

    def __init__(
        self, session: LeanSessionState, block_ids: set[int], rendered: RenderedConfigs
    ) -> None:
        super().__init__()
        self._session = session
        self._block_ids = block_ids
        self._rendered = rendered

    def _render(self, key: int) -> dict:
        return self._rendered.copy_of(self._session, key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._block_ids

    def __missing__(self, key: int) -> dict:
        if key not in self._block_ids:
            raise KeyError(key)
        value = self[key] = self._render(key)
        return value

    def fill(self) -> None:
        """Render every block not rendered yet (what Gradio does up front)."""
        for key in self._block_ids - self.keys():
            if key in self._session.blocks_config.blocks:
                self[key] = self._render(key)


class LeanSessionState(SessionState):
    """Gradio's SessionState, with the per-block config snapshot made on demand."""

    def __init__(self, blocks: gr.Blocks, rendered: RenderedConfigs | None = None) -> None:
        # Gradio's own __init__, shown no blocks to render (it renders `blocks.blocks`), so
        # whatever else it sets up stays its own; then the lazy snapshot in its place.
        super().__init__(SimpleNamespace(default_config=blocks.default_config, blocks={}))
        block_ids = {k for k in self.blocks_config.blocks if k in blocks.blocks}
        self.config_values = LazyConfigs(self, block_ids, rendered or RenderedConfigs())

    @property
    def components(self) -> Iterator[dict]:
        # A deep link snapshots every component: render them all first.
        self.config_values.fill()
        return super().components


class LeanStateHolder(StateHolder):
    """Gradio's StateHolder, making LeanSessionState sessions."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered = RenderedConfigs()

    def __getitem__(self, session_id: str) -> SessionState:
        if session_id not in self.session_data:
            self.session_data[session_id] = LeanSessionState(self.blocks, self.rendered)
        return super().__getitem__(session_id)


def use_lean_sessions(app: App) -> None:
    """Give a Gradio app (before it serves) sessions that render block configs on demand."""
    holder = LeanStateHolder()
    holder.set_blocks(app.get_blocks())
    app.state_holder = holder
