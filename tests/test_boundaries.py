"""The architecture is the direction of imports: gui -> netlib, never the reverse, and
TensorFlow only where it is TensorFlow-only by nature."""

import ast
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


def _module_name(path: Path) -> str:
    parts = path.relative_to(NETLIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The netlib modules `path` imports when it is imported: statements outside any
    function or class body (inside `if`/`try` too), relative imports resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    pending = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # A submodule (`from netlib.inspect import macs`) is that module; any other
            # name is read from the package's __init__.
            names = [f"{base}.{alias.name}" for alias in node.names]
            found.update(n for n in names if n in modules)
            if not all(n in modules for n in names):
                found.add(base)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return {m for m in found if m in modules and m != name}


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in NETLIB.rglob("*.py")}
    return {name: _module_level_imports(path, set(paths)) for name, path in paths.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (depth-first search)."""
    cycles, state = [], {}
    for start in sorted(graph):
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path, state[start] = [start], "open"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = "done"
            elif state.get(child) == "open":
                cycles.append(path[path.index(child):] + [child])
            elif child not in state:
                state[child] = "open"
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return cycles


def test_no_import_cycle_in_netlib():
    # `from netlib.inspect import x` runs netlib/inspect/__init__.py: where that imports the
    # importing module back, it is a cycle too.
    graph = _import_graph()
    assert "netlib.inspect.render" in graph["netlib.inspect"]  # the scan sees imports
    assert _cycles(graph) == []


def test_the_cycle_search_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
