"""Where ConvLab keeps things on disk: the runs folder and the cache folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["DEFAULT_RUNS_DIR", "CACHE_DIR_VARIABLE", "cache_root"]

#: Where run folders are made and listed unless told otherwise (relative: the current
#: directory's "runs", for the CLI and the app alike).
DEFAULT_RUNS_DIR = "runs"
#: The environment variable that moves the cache folder (the tests point it at a
#: temporary one).
CACHE_DIR_VARIABLE = "CONVLAB_CACHE_DIR"


def cache_root() -> Path:
    """The folder under which every cache lives (images/, summaries/, model_counts.json):
    ``$CONVLAB_CACHE_DIR`` when that variable is set, else the user's cache folder:
    ``$XDG_CACHE_HOME/convlab`` or ``~/.cache/convlab`` on Linux,
    ``~/Library/Caches/convlab`` on macOS, ``%LOCALAPPDATA%\\convlab\\Cache`` on Windows."""
    override = os.environ.get(CACHE_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(local) / "convlab" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "convlab"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / "convlab"
