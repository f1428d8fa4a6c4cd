"""How late the GUI's event loop runs while a network trains, against the same window idle,
and how fast the run trains in the window against the same run headless.

The app's real window is opened offscreen (temporary settings, cache and runs folder); a
QTimer due every 10 ms records, at each tick, how much later than due it fired. That
delay is measured for a few seconds with nothing running, then while the Train page
trains a real run (LeNet-5 on the bundled digits by default, or resnet20, ...), from its
first batch for `--seconds`. The aim: p99 under 50 ms during training (a window that
answers within a frame or three).

The other side of the question (does the GUI slow the training down?) is answered by the
same configuration trained headless in this process, with no event loop, for as long.
The two alternate, `--rounds` times (window, headless, window, headless, ...), so that a
machine shared with other work loads both alike; the medians over the rounds and their
ratio are printed, with the machine's load average before and after each round.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_latency.py [--model resnet20]
        [--seconds 12] [--rounds 3] [--epochs 30] [--image-size 64]
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
    """Run the event loop as the app does (blocked in Qt until an event comes, the GIL
    free) until `condition()` holds; it is checked ten times a second."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(100)
    check.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    check.start()
    if not condition():
        loop.exec()
    check.stop()


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


def load() -> str:
    """The machine's load average over 1 minute, and its core count."""
    one, _, _ = os.getloadavg()
    return f"load {one:.2f} on {os.cpu_count()} cores"


def window_round(window, probe, model: str, epochs: int, seconds: float, image_size=None):
    """One run trained in the window: (event-loop delays in ms, median images/s, config)."""
    train = window.page("train")
    train.set_dataset("digits")
    train.set_model(model)
    train.reset_to_defaults()
    train.form.fields["epochs"].setValue(epochs)
    if image_size:
        train.form.fields["image_size"].setValue(image_size)
    batches: list = []

    def keep(event) -> None:
        if type(event).__name__ == "BatchEnd":
            batches.append(event)

    train.event_shown.connect(keep)
    try:
        if not train.start():
            raise RuntimeError(f"the run did not start: {train.form.problem()}")
        run_until(lambda: batches or not train.is_training(), 300)
        batches.clear()
        probe.start()
        deadline = time.monotonic() + seconds
        run_until(lambda: not train.is_training() or time.monotonic() > deadline, seconds + 5)
        delays = probe.stop()
        if not train.is_training():
            print("  (the run ended before the measuring time)")
        train.stop()
        run_until(lambda: not train.is_training(), 120)
    finally:
        train.event_shown.disconnect(keep)
    from netlib.data import digits_folder

    config = train.form.config(model, str(digits_folder()))
    return delays, median_speed(batches), config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lenet5", help="lenet5 (default) or resnet20, ...")
    parser.add_argument("--seconds", type=float, default=12.0, help="measuring time for each")
    parser.add_argument("--rounds", type=int, default=3,
                        help="window and headless runs, alternating (default 3 of each)")
    parser.add_argument("--epochs", type=int, default=30, help="the run's epochs (it is stopped "
                        "when the measuring time is over)")
    parser.add_argument("--image-size", type=int, help="instead of the network's own (e.g. 64 "
                        "for mobilenet_v2, whose 224 px take minutes an epoch on a laptop CPU)")
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
          f"{os.cpu_count()} CPU cores · timer every {INTERVAL_MS} ms · {args.model}, "
          f"{args.rounds} rounds of {args.seconds:g} s"
          + (f" at {args.image_size} px" if args.image_size else ""))

    probe = LatenessProbe()
    window.show_page("train")
    probe.start()
    run_for(args.seconds)
    idle = describe("idle window", probe.stop())

    in_window, headless, p99s, medians = [], [], [], []
    for number in range(1, args.rounds + 1):
        before = load()
        try:
            delays, speed, config = window_round(window, probe, args.model, args.epochs,
                                                 args.seconds, args.image_size)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        median, p99 = describe(f"round {number}: window", delays)
        alone = headless_speed(config, args.seconds)
        in_window.append(speed)
        headless.append(alone)
        p99s.append(p99)
        medians.append(median)
        print(f"round {number}: in the window {speed:,.0f} images/s, headless {alone:,.0f} "
              f"images/s (ratio {speed / alone:.2f}); {before} before, {load()} after")
    window_speed, alone_speed = statistics.median(in_window), statistics.median(headless)
    ratios = [w / h for w, h in zip(in_window, headless)]
    p99 = statistics.median(p99s)
    print(f"training throughput, medians of {args.rounds} rounds: in the window "
          f"{window_speed:,.0f} images/s, headless {alone_speed:,.0f} images/s (ratio "
          f"{window_speed / alone_speed:.2f}; median of the rounds' ratios "
          f"{statistics.median(ratios):.2f})")
    print(f"event loop while training, median of the rounds: median "
          f"{statistics.median(medians):.2f} ms, p99 {p99:.2f} ms ({p99 / max(idle[1], 1e-3):.1f}x "
          f"idle); p99 under 50 ms: {'yes' if p99 < 50 else 'NO'}")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
