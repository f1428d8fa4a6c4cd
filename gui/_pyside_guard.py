"""A guard against a reference-counting bug of PySide6 6.12.0 under Python 3.11.

Measured on this project's pinned PySide6-Essentials 6.12.0 (tests/test_gui_workers.py,
test_pyside_keeps_reference_counts): every `Signal.emit()` made from Python takes one
reference from `True` that it never gave, and every Qt method that returns nothing (or
an invalid QVariant as None) takes one from `None`. Python 3.12 made those objects
immortal; on 3.11 their counts run down as the app works, and when one reaches zero the
interpreter aborts ("Fatal Python error: bool_dealloc"). PySide6 6.11.3 has no such bug:
pinning it makes this module do nothing.

Until then the app holds a million extra references to each (16 MB), which postpones
the abort by a million emits and a million calls: far beyond a working session. They
are never given back, not even at exit: by then the counts have run down by as much as
the session took, and releasing them would abort the interpreter on its way out.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

#: The PySide6 releases the bug was measured in.
AFFECTED_VERSIONS = ("6.12.0",)
EXTRA_REFERENCES = 1_000_000

_held: tuple = ()


def affected() -> bool:
    return PySide6.__version__ in AFFECTED_VERSIONS and sys.version_info < (3, 12)


def install() -> None:
    """Hold the extra references (once), where the bug is."""
    global _held
    if affected() and not _held:
        _held = ((None,) * EXTRA_REFERENCES, (True,) * EXTRA_REFERENCES)
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_held))  # never freed, see above
