"""Time from `python main.py` to the window's first paint, against `python -c "import keras"`.

Both are measured here, in the same run, as whole processes (interpreter start-up
included), five times each; the medians and their ratio are printed. The app is started
with CONVLAB_STARTUP_PROBE=1: its window prints a marker line once its first frame has
been painted, and quits. A fresh temporary settings folder keeps the user's settings out.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RUNS = 5
MARKER = "convlab: first paint"  # gui.main_window.STARTUP_MARKER (not imported: keeps Qt out)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def time_first_paint(env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawning the app to its first-paint marker, and the marker line."""
    env = dict(env, CONVLAB_STARTUP_PROBE="1", CONVLAB_SETTINGS_DIR=tempfile.mkdtemp())
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "main.py"], cwd=REPO, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        for line in process.stdout:
            if line.startswith(MARKER):
                return time.perf_counter() - start, line.strip()
        raise RuntimeError(f"main.py exited with {process.wait()} before its first paint")
    finally:
        process.stdout.close()
        process.wait(timeout=60)


def time_import_keras(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import keras"], cwd=REPO, env=env, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    env = environment()
    paints, keras_imports, markers = [], [], set()
    for _ in range(RUNS):  # interleaved, so that both see the same machine load
        seconds, marker = time_first_paint(env)
        paints.append(seconds)
        markers.add(marker)
        keras_imports.append(time_import_keras(env))
    paint, keras = statistics.median(paints), statistics.median(keras_imports)
    print(f"platform: {env.get('QT_QPA_PLATFORM', 'default')}, {os.cpu_count()} CPU cores, "
          f"median of {RUNS}")
    print(f"python main.py to first paint:  {paint:6.2f} s  "
          f"(runs: {', '.join(f'{s:.2f}' for s in paints)})")
    print(f'python -c "import keras":       {keras:6.2f} s  '
          f"(runs: {', '.join(f'{s:.2f}' for s in keras_imports)})")
    print(f"first paint / import keras:     {paint / keras:6.2f}")
    for marker in sorted(markers):
        print(marker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
