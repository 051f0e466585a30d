"""The editors' desk: a browser page, served by Trendpapers, where the cluster's editors review, edit,
approve and publish the papers (``trendpapers serve-editor``; accounts: ``trendpapers editors``).

Layers: ``desk.store`` (its tables) sits at the store layer and is imported by the application
shell's migrations runner; the rest of the desk sits above the shell (it uses the configuration,
the workspace lock and ``trendpapers.pipeline.paper_action``) and is imported only by the CLI's
commands, when they run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.lazy import lazy_exports

if TYPE_CHECKING:
    from desk.app import create_app
    from desk.serve import make_server, parse_address, serve_editor

_EXPORTS = {
    "create_app": "desk.app",
    "make_server": "desk.serve",
    "parse_address": "desk.serve",
    "serve_editor": "desk.serve",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["create_app", "make_server", "parse_address", "serve_editor"]
