"""Before the first window: can Qt open one here?

On Linux, Qt's X11 plugin (xcb) needs system libraries that the PySide6 wheels do not
carry (libxcb-cursor0, libxcb-icccm4, ...). Without them, QApplication aborts the process
with a message that names one of them, often the wrong one. This check loads the plugin
first, the way Qt would, and turns a failure into one message that names what is missing
and the command that installs all of Qt's X11 libraries at once.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

# What Qt 6's xcb plugin needs beyond a desktop's usual X11 libraries (Debian/Ubuntu names).
DEBIAN_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1"
)
FEDORA_PACKAGES = "xcb-util-cursor xcb-util-wm xcb-util-keysyms xcb-util-image " \
    "xcb-util-renderutil libxkbcommon-x11 mesa-libEGL"


def uses_xcb(environ=os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will pick its X11 plugin: Linux, no other platform asked for, and not a
    Wayland session (where Qt 6 uses its Wayland plugin)."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "")
    if asked:
        return asked.split(":")[0].split(";")[0] == "xcb"
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def xcb_problem(plugin: Path | None = None) -> str | None:
    """None when Qt's X11 plugin (`plugin`: PySide6's libqxcb.so by default) loads;
    else a message saying what to install."""
    plugin = plugin or _xcb_plugin()
    if plugin is None:
        return None  # a PySide6 build without it: let Qt say what it can
    try:
        ctypes.CDLL(str(plugin), mode=getattr(os, "RTLD_LAZY", 1))
    except OSError as error:
        # dlopen names the first dependency it could not find, e.g.
        # "libxcb-icccm.so.4: cannot open shared object file: No such file or directory".
        missing = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object", str(error))
        what = f" ({missing.group(1)} is missing)" if missing else f" ({error})"
        return (
            f"ConvLab cannot open its window: Qt's X11 support needs system libraries "
            f"that are not installed{what}.\n"
            f"On Debian or Ubuntu:  sudo apt install {DEBIAN_PACKAGES}\n"
            f"On Fedora:            sudo dnf install {FEDORA_PACKAGES}\n"
            f"The command line works without them: python main.py --help"
        )
    return None


def _xcb_plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None
