"""The architecture is the direction of imports: gui -> netlib, never the reverse, and
TensorFlow only where it is TensorFlow-only by nature."""

import os
import re
import subprocess
import sys
from pathlib import Path

NETLIB = Path(__file__).resolve().parent.parent / "netlib"
# The netlib/backend/ package holds what differs between Keras backends (devices, seeds,
# gradients, out-of-memory errors, tf.distribute and its Keras workarounds,
# SavedModel/TFLite export, the start-up filter), each branch importing its backend
# lazily; nothing else in netlib imports TensorFlow.
TENSORFLOW_ONLY_PACKAGE = NETLIB / "backend"

IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)


def _imports(path: Path) -> set[str]:
    return {m.group(1).split(".")[0] for m in IMPORT.finditer(path.read_text(encoding="utf-8"))}


def test_netlib_never_imports_qt_or_the_gui():
    offenders = [
        str(p.relative_to(NETLIB))
        for p in NETLIB.rglob("*.py")
        if _imports(p) & {"PySide6", "PyQt5", "PyQt6", "gui", "pyqtgraph"}
    ]
    assert offenders == []


def test_tensorflow_only_in_its_own_module():
    offenders = [
        str(p.relative_to(NETLIB))
        for p in NETLIB.rglob("*.py")
        if "tensorflow" in _imports(p) and TENSORFLOW_ONLY_PACKAGE not in p.parents
    ]
    assert offenders == []


def test_the_backend_package_holds_tensorflow():
    # The check above would pass vacuously if the package moved or stopped using TensorFlow.
    users = [p.name for p in TENSORFLOW_ONLY_PACKAGE.glob("*.py") if "tensorflow" in _imports(p)]
    assert {"devices.py", "distribution.py", "keras_workarounds.py"} <= set(users)


def test_importing_the_backend_on_jax_starts_no_tensorflow():
    # The GPU benchmark's machine has JAX and no TensorFlow: asking netlib.backend about the
    # device there must not need TensorFlow.
    probe = (
        "import sys; from netlib import backend; "
        "print(backend.name(), backend.describe_device(), 'tensorflow' in sys.modules)"
    )
    child = subprocess.run(
        [sys.executable, "-c", probe], cwd=NETLIB.parent, capture_output=True, text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split() == ["jax", "CPU", "False"]


def test_the_scan_sees_imports(tmp_path):
    # The checks above would pass vacuously if the pattern matched nothing.
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom PySide6.QtCore import Qt\n    import tensorflow as tf\n")
    assert _imports(sample) == {"os", "PySide6", "tensorflow"}


def _modules_after_import(*modules: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `modules`."""
    script = f"import sys\nimport {', '.join(modules)}\nprint('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], cwd=NETLIB.parent,
                            capture_output=True, text=True, timeout=120, check=True)
    return set(result.stdout.split())


def test_run_folders_are_read_without_keras_or_the_trainer():
    # predict, evaluate and export read run folders through netlib.runs, not netlib.train.
    loaded = _modules_after_import("netlib.predict", "netlib.evaluate", "netlib.export")
    assert {"netlib.runs", "netlib.predict"} <= loaded
    assert not {"netlib.train", "netlib.train.trainer", "keras", "tensorflow"} & loaded


def test_the_run_folder_module_imports_nothing_heavy():
    # The app's pages import it before the window's first paint.
    loaded = _modules_after_import("netlib.runs")
    assert not {"keras", "tensorflow", "PySide6", "numpy", "netlib.train"} & loaded
