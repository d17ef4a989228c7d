"""kling-ui studio: settings -> services -> UI -> serve.  Run: python app.py

The entry Hugging Face Spaces and the Dockerfile run; the studio itself is kling_ui/server.py.
"""

from __future__ import annotations

import kling_ui  # noqa: F401  first: it makes Gradio's import a third faster (gradio_import.py)

# isort: split

from kling_ui.server import main

if __name__ == "__main__":
    main()
