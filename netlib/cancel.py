"""The one exception of cooperative cancelling, in a module of its own: the app's workers
raise it before the window's first paint may import anything heavy (netlib.data brings
numpy and Pillow)."""

from __future__ import annotations

__all__ = ["Cancelled"]


class Cancelled(Exception):
    """Raised by a long operation (a scan, a cache build, a job of the app) when it was
    asked to stop: its `cancel()` returned True, or its job was cancelled."""
