"""Import Gradio without its type-stub writer: a third faster start-up for the app and tests.

Each time Gradio is imported, every component class it defines reads and parses its own
source file and its `.pyi` stub, and rewrites the stub when they differ
(`gradio.component_meta.create_or_modify_pyi`). That is an editor aid for people who
write Gradio components; the stubs ship with the wheel. Here it was 2.7 of the 7.3 s
that `import gradio` took (2 cores), and the app, each test process and each CLI
`serve` pay it on start. This module turns that one function into a no-op as
`gradio.component_meta` is first loaded, before any component class exists.

It changes nothing else. If Gradio is already imported, or a later Gradio renames the
function, the hook does nothing and Gradio imports as it always did.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

TARGET = "gradio.component_meta"
STUB_WRITER = "create_or_modify_pyi"


def _skip_stubs(*_args: object, **_kwargs: object) -> None:
    """Stands in for Gradio's stub writer: components are defined without touching files."""


class _SkipStubWriter(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != TARGET:
            return None
        sys.meta_path.remove(self)  # once: the real finders locate the module
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            if callable(getattr(module, STUB_WRITER, None)):
                setattr(module, STUB_WRITER, _skip_stubs)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> bool:
    """Arrange for Gradio to import without its stub writer; False when it is too late."""
    if TARGET in sys.modules:
        return False
    if not any(isinstance(finder, _SkipStubWriter) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkipStubWriter())
    return True
