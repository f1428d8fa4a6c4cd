"""How late the GUI's event loop runs while a network trains, against the same window idle.

The app's real window is opened offscreen (temporary settings, cache and runs folder); a
QTimer due every 10 ms records, at each tick, how much later than due it fired. That
delay is measured twice in the same process: for a few seconds with nothing running,
then while the Train page trains a real run (LeNet-5 on the bundled digits by default,
or resnet20), from its first batch until the run ends or the measuring time is over.
Medians and 99th percentiles are printed, with their ratios. The aim: p99 under 50 ms
during training (a window that answers within a frame or three).

The other side of the question (does the GUI slow the training down?) is answered by the
same run's throughput in the window against the same configuration trained headless in
this process, with no event loop, for as long.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_latency.py [--model resnet20]
        [--seconds 12] [--epochs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

INTERVAL_MS = 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class LatenessProbe:
    """A precise QTimer due every INTERVAL_MS; each tick records how late it came (ms)."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.delays: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self._last = None

    def start(self) -> None:
        self.delays = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.delays

    def _tick(self) -> None:
        now = time.perf_counter()
        self.delays.append(max(0.0, (now - self._last) * 1000 - INTERVAL_MS))
        self._last = now


def run_until(condition, timeout_s: float) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.001)


def run_for(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def median_speed(batches) -> float:
    """The median images/s of BatchEnd events (NaN-free), skipping each epoch's first
    reports, which include the validation pass and saving of the epoch before."""
    speeds = [b.images_per_second for b in batches
              if b.step > b.steps // 4 and b.images_per_second == b.images_per_second]
    return statistics.median(speeds) if speeds else float("nan")


def headless_speed(config, seconds: float) -> float:
    """Train `config` with no GUI for `seconds` after its first batch; median images/s."""
    from netlib.train import BatchEnd, Trainer

    trainer = Trainer(config, runs_dir=tempfile.mkdtemp(prefix="convlab-latency-headless-"))
    batches: list = []
    started: list[float] = []

    def listen(event) -> None:
        if isinstance(event, BatchEnd):
            started.append(started[0] if started else time.monotonic())
            batches.append(event)
            if time.monotonic() - started[0] > seconds:
                trainer.request_stop()

    trainer.fit(events=listen)
    return median_speed(batches)


def describe(name: str, delays: list[float]) -> tuple[float, float]:
    median, p99 = statistics.median(delays), percentile(delays, 0.99)
    print(f"{name:<28} {len(delays):>6} ticks   median {median:6.2f} ms   p99 {p99:7.2f} ms   "
          f"max {max(delays):7.2f} ms")
    return median, p99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lenet5", help="lenet5 (default) or resnet20, ...")
    parser.add_argument("--seconds", type=float, default=12.0, help="measuring time for each")
    parser.add_argument("--epochs", type=int, default=30, help="the run's epochs (it is stopped "
                        "when the measuring time is over)")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["CONVLAB_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="convlab-latency-settings-")
    os.environ["CONVLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="convlab-latency-cache-")
    from PySide6.QtWidgets import QApplication

    from gui.settings import open_settings

    settings = open_settings()
    settings.setValue("runs/folder", tempfile.mkdtemp(prefix="convlab-latency-runs-"))
    settings.setValue("architectures/model", "lenet5")
    settings.sync()
    app = QApplication.instance() or QApplication([])
    from gui.main_window import MainWindow

    window = MainWindow()
    window.resize(1360, 860)
    window.show()
    run_until(lambda: window.backend is not None and window.is_idle(), 300)
    if window.backend is None:
        print("error: Keras did not load", file=sys.stderr)
        return 1
    print(f"{window.backend.describe()} · Python {sys.version.split()[0]} · "
          f"{os.cpu_count()} CPU cores · timer every {INTERVAL_MS} ms")

    probe = LatenessProbe()
    window.show_page("train")
    probe.start()
    run_for(args.seconds)
    idle = describe("idle window", probe.stop())

    train = window.page("train")
    train.set_dataset("digits")
    train.set_model(args.model)
    train.reset_to_defaults()
    train.form.fields["epochs"].setValue(args.epochs)
    batches = []
    train.event_shown.connect(
        lambda event: batches.append(event) if type(event).__name__ == "BatchEnd" else None
    )
    if not train.start():
        print(f"error: the run did not start: {train.form.problem()}", file=sys.stderr)
        return 1
    run_until(lambda: batches or not train.is_training(), 300)
    batches.clear()
    probe.start()
    deadline = time.monotonic() + args.seconds
    run_until(lambda: not train.is_training() or time.monotonic() > deadline, args.seconds + 5)
    delays = probe.stop()
    still_running = train.is_training()
    train.stop()
    run_until(lambda: not train.is_training(), 120)
    training = describe(f"training {args.model}", delays)
    in_window = median_speed(batches)
    config = train.form.config(args.model, train._dataset_path())
    headless = headless_speed(config, args.seconds)
    ended = "" if still_running else " (the run ended before the measuring time)"
    print(f"training throughput: in the window {in_window:,.0f} images/s{ended}, headless "
          f"{headless:,.0f} images/s (ratio {in_window / headless:.2f})")
    print(f"ratio training / idle: median {training[0] / max(idle[0], 1e-3):.1f}x, "
          f"p99 {training[1] / max(idle[1], 1e-3):.1f}x; p99 under 50 ms: "
          f"{'yes' if training[1] < 50 else 'NO'}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
