"""The check made before the first window: would Qt's X11 plugin load here?"""

import ctypes.util
import shutil
import subprocess
from pathlib import Path

import pytest

from gui.platform_check import DEBIAN_PACKAGES, uses_xcb, xcb_problem


@pytest.mark.parametrize("environ, platform, expected", [
    ({}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland"}, "linux", True),  # no compositor to talk to
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_the_check_runs_only_where_qt_would_use_x11(environ, platform, expected):
    assert uses_xcb(environ, platform) is expected


def test_a_plugin_that_cannot_load_gives_the_install_command(tmp_path):
    broken = tmp_path / "libqxcb.so"
    broken.write_bytes(b"not a shared object")
    message = xcb_problem(broken)
    assert message.startswith("ConvLab cannot open its window")
    assert f"({broken}: " in message  # the loader's own reason, as it gave it
    assert f"sudo apt install {DEBIAN_PACKAGES}" in message
    assert "python main.py --help" in message


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to load")
def test_a_library_that_loads_passes():
    assert xcb_problem(Path(ctypes.util.find_library("c"))) is None


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to make the libraries")
def test_the_missing_dependency_is_named(tmp_path):
    """A real plugin-like library whose dependency is gone, as on a fresh Linux desktop
    without libxcb-icccm4: the message names that dependency."""
    (tmp_path / "dep.c").write_text("int convlab_dep(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text(
        "int convlab_dep(void);\nint convlab_plugin(void) { return convlab_dep(); }\n")
    compile_ = ["cc", "-shared", "-fPIC"]
    for command in (
        [*compile_, "-Wl,-soname,libconvlabdep.so.4", "-o", str(tmp_path / "libconvlabdep.so"),
         str(tmp_path / "dep.c")],
        [*compile_, "-o", str(tmp_path / "libqxcb.so"), str(tmp_path / "plugin.c"),
         f"-L{tmp_path}", "-lconvlabdep"],
    ):
        built = subprocess.run(command, capture_output=True, text=True)
        if built.returncode != 0:  # a compiler without its C library files, say
            pytest.skip(f"cannot build the test libraries here: {built.stderr.strip()[:200]}")
    (tmp_path / "libconvlabdep.so").unlink()
    message = xcb_problem(tmp_path / "libqxcb.so")
    assert "(libconvlabdep.so.4 is missing)" in message
