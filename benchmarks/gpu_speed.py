#!/usr/bin/env python3
"""Training speed on a GPU: ConvLab's own training path against keras.applications and
torchvision, measured in one run.

For each network (resnet50, mobilenet_v2, efficientnet_b0, vgg16) at 224 x 224, batch 256,
bfloat16 mixed precision, on the Keras backend in use (KERAS_BACKEND=jax for the figures
of issue 14), in the same run:

    (a) trainer        ConvLab's Trainer end to end (TrainConfig.for_model with the size,
                       batch and precision above, validation off) on a folder of generated
                       JPEGs whose image cache is built once beforehand; the first epoch is
                       the warm-up, each later epoch's training phase a timed window
    (b) builder        netlib.build's network in a bare `model.fit` on in-memory arrays
    (c) keras.app      keras.applications' counterpart, the same way
    (d) torch eager    torchvision's model, eager, bf16 autocast, channels-last
    (e) torch.compile  the same through torch.compile (both skipped without torchvision)

(b)-(e) train `--warmup` steps (tracing, compilation, allocation), then `--windows` timed
windows of `--steps` steps, each ended by reading the loss (which waits for the device).
Each figure is the median images per second of its windows, printed with its ratio to (c)
and to (e), the peak GPU memory of its process, and "input": the time to fetch one batch
(read from the cache or the in-memory array and copied to the device, timed alone) as a
share of one step. Keras overlaps the copy of the next batch with the current step on a
GPU, so "input" is what the pipeline would cost unhidden; (a)/(b) is what it costs.

Each measurement runs in a process of its own, so that its memory peak is its own, JAX's
preallocated pool and PyTorch's do not compete, and a failure costs one row. The baselines
run first ((c), (b), then (a), (e), (d) per network); a job that would start after
`--budget` seconds is skipped and said so, to fit one 10-minute device call.

    KERAS_BACKEND=jax python benchmarks/gpu_speed.py [--models resnet50,vgg16]
        [--batch-size 256] [--image-size 224] [--steps 20] [--windows 3] [--warmup 10]
        [--images 3072] [--paths abcde] [--budget 540]
    python benchmarks/gpu_speed.py --cpu-smoke     the same code, a few steps at 32 px and
                                                   batch 4 on a CPU, in one process (CI)

Without a GPU and without --cpu-smoke it says so and runs the smoke check. The smoke check
runs Keras' functions eagerly on TensorFlow (tracing four networks' steps into graphs would
take minutes there) and compiled on JAX; it takes about a minute and a half of CPU time.

On a JAX-only machine (the device machine has JAX, PyTorch and torchvision, no TensorFlow,
no Keras: carry the keras==3.15.1, namex and optree wheels), Keras' TensorBoard callback
cannot write (it uses tensorflow.summary) and the Trainer's run would fail at its first
epoch's end, so on JAX path (a) runs without it, and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

_LAUNCH_ENV = dict(os.environ)  # what each measurement's process starts from
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NETWORKS = ("resnet50", "mobilenet_v2", "efficientnet_b0", "vgg16")
# ConvLab name -> (keras.applications class, torchvision builder)
COUNTERPARTS = {
    "resnet50": ("ResNet50", "resnet50"),
    "mobilenet_v2": ("MobileNetV2", "mobilenet_v2"),
    "efficientnet_b0": ("EfficientNetB0", "efficientnet_b0"),
    "vgg16": ("VGG16", "vgg16"),
}
PATHS = {
    "a": "(a) trainer",
    "b": "(b) builder",
    "c": "(c) keras.app",
    "d": "(d) torch eager",
    "e": "(e) torch.compile",
}
RUN_ORDER = "cbaed"  # the ratios' baselines first, should the time budget run out
SHAPES = 4  # netlib.data.make_shapes draws four classes
GIB = 1024**3


@dataclasses.dataclass(frozen=True)
class Settings:
    models: tuple[str, ...]
    paths: str
    batch: int
    size: int
    steps: int
    windows: int
    warmup: int
    images: int
    budget: float
    smoke: bool
    eager: bool = False  # Keras functions uncompiled: the smoke check on TensorFlow


# ------------------------------------------------------------------ measurements


def _median_rate(images_per_window: list[int], seconds: list[float]) -> float:
    return statistics.median(n / s for n, s in zip(images_per_window, seconds))


def _to_device(array) -> None:
    """Copy `array` to the backend's default device and wait for the copy."""
    import keras

    tensor = keras.ops.convert_to_tensor(array)
    if hasattr(tensor, "block_until_ready"):  # JAX dispatches asynchronously
        tensor.block_until_ready()


def _fetch_seconds(fetch, count: int = 5) -> float:
    """Median time of `fetch(i)` for i < count, after one untimed call."""
    fetch(0)
    times = []
    for i in range(count):
        start = time.perf_counter()
        fetch(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def _tensorboard_off():
    """Keras' TensorBoard callback with nothing to do, for as long as the block runs.

    It writes through tensorflow.summary, which the JAX-only device machine lacks, so the
    Trainer's run would fail at its first epoch's end. Its cost is a few scalars an epoch.
    """
    import keras

    real = keras.callbacks.TensorBoard

    class NoTensorBoard(keras.callbacks.Callback):
        def __init__(self, *args, **kwargs):
            super().__init__()

    keras.callbacks.TensorBoard = NoTensorBoard
    try:
        yield
    finally:
        keras.callbacks.TensorBoard = real


def trainer_config(network: str, folder: Path, s: Settings):
    """The run (a) trains: the family's recipe at the benchmark's size, batch and precision,
    validation off (its compilation would eat the device call's time; a plateau schedule,
    which watches it, becomes constant)."""
    from netlib.train import TrainConfig

    epochs = 1 + s.windows
    family = TrainConfig.for_model(network, folder)
    overrides = dict(image_size=s.size, batch_size=s.batch, epochs=epochs, validation=0.0,
                     color_mode="rgb", mixed_precision="bfloat16")
    if family.schedule == "plateau":
        overrides["schedule"] = "constant"
    if family.warmup_epochs >= epochs:
        overrides["warmup_epochs"] = 0.0
    return TrainConfig.for_model(network, folder, **overrides)


def measure_trainer(network: str, s: Settings, work: Path) -> dict:
    """(a): ConvLab's Trainer on the cached folder; its own events give the images per
    epoch, a callback of ours each epoch's training phase."""
    import keras

    from netlib import backend
    from netlib.train import Finished, Trainer
    from netlib.train import events as ev
    from netlib.train.dataset import prepare_data

    class TrainingPhase(keras.callbacks.Callback):
        """Each epoch's start, and the end of its last training step."""

        def __init__(self):
            super().__init__()
            self.begins, self.ends = [], []

        def set_model(self, model):  # before fit makes its train function
            super().set_model(model)
            if s.eager:
                model.run_eagerly = True

        def on_epoch_begin(self, epoch, logs=None):
            self.begins.append(time.perf_counter())

        def on_train_batch_end(self, batch, logs=None):
            now = time.perf_counter()  # logs are read each step already (the Trainer's events)
            if len(self.ends) < len(self.begins):
                self.ends.append(now)
            else:
                self.ends[-1] = now

    config = trainer_config(network, work / "shapes", s)
    seen: dict = {"logs": []}

    def listen(event):
        if isinstance(event, ev.RunStarted):
            seen["started"] = event
        elif isinstance(event, ev.LogMessage):
            seen["logs"].append(event.text)

    phase = TrainingPhase()
    quiet = _tensorboard_off() if backend.name() == "jax" else contextlib.nullcontext()
    trainer = Trainer(config, runs_dir=work / "runs", callbacks=[phase])
    with quiet:
        outcome = trainer.fit(events=listen)
    if not isinstance(outcome, Finished):
        raise RuntimeError(f"{outcome.message} {getattr(outcome, 'details', '')[-1500:]}")
    started = seen["started"]
    seconds = [end - begin for begin, end in zip(phase.begins, phase.ends)][1:]
    rate = _median_rate([started.train_images] * len(seconds), seconds)
    epochs = [b - a for a, b in zip(phase.begins, phase.begins[1:])][1:]
    prepared = prepare_data(config)
    batches = prepared.batches("train", s.batch, shuffle=True, seed=0)
    fetch = _fetch_seconds(lambda i: _to_device(batches[i % len(batches)][0]))
    notes = [f"epochs of {started.steps_per_epoch} steps"]
    if epochs:  # an epoch's start to the next one's: its training, then its checkpoints
        overhead = statistics.median(epochs) - statistics.median(seconds[: len(epochs)])
        notes.append(f"checkpoints add {overhead:.2f} s an epoch")
    if not any("cache reused" in text for text in seen["logs"]):
        notes.append("cache built in the run")
    if backend.name() == "jax":
        notes.append("TensorBoard off (needs tensorflow)")
    return {
        "img_s": rate,
        "windows": [started.train_images / t for t in seconds],
        "peak_bytes": backend.peak_memory_bytes(),
        "fetch_s": fetch,
        "step_s": s.batch / rate,
        "note": "; ".join(notes),
    }


def measure_fit(network: str, path: str, s: Settings) -> dict:
    """(b) or (c): a bare `model.fit` on in-memory arrays, SGD with momentum, logits and
    sparse cross-entropy; the network built under the mixed_bfloat16 policy."""
    import keras
    import numpy as np

    import netlib
    from netlib import backend

    shape = (s.size, s.size, 3)
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        if path == "b":
            model = netlib.build(network, input_shape=shape, classes=SHAPES,
                                 classifier_activation=None)
        else:
            model = getattr(keras.applications, COUNTERPARTS[network][0])(
                weights=None, input_shape=shape, classes=SHAPES, classifier_activation=None
            )
    finally:
        keras.config.set_dtype_policy("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  run_eagerly=s.eager)
    rng = np.random.default_rng(0)
    one_batch = rng.standard_normal((s.batch, *shape), dtype=np.float32)
    # A window's worth of batches (one repeated: the data is synthetic either way).
    x = np.broadcast_to(one_batch, (s.steps, *one_batch.shape)).reshape(-1, *shape)
    y = rng.integers(0, SHAPES, len(x)).astype("int32")

    class Windows(keras.callbacks.Callback):
        """Each epoch (one window) from its start to its loss being read."""

        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])
            self.seconds.append(time.perf_counter() - self.start)

    warm = s.warmup * s.batch
    backend.build_before_fit(model, (x[: s.batch], y[: s.batch]))  # as the Trainer does
    model.fit(x[:warm], y[:warm], batch_size=s.batch, epochs=1, verbose=0, shuffle=False)
    windows = Windows()
    model.fit(x, y, batch_size=s.batch, epochs=s.windows, verbose=0, shuffle=False,
              callbacks=[windows])
    rate = _median_rate([len(x)] * s.windows, windows.seconds)
    fetch = _fetch_seconds(lambda i: _to_device(x[i % s.steps * s.batch :][: s.batch]))
    return {
        "img_s": rate,
        "windows": [len(x) / t for t in windows.seconds],
        "peak_bytes": backend.peak_memory_bytes(),
        "fetch_s": fetch,
        "step_s": s.batch / rate,
        "note": f"{model.count_params() / 1e6:.2f}M parameters",
    }


def measure_torch(network: str, compiled: bool, s: Settings) -> dict:
    """(d) or (e): torchvision's model, SGD with momentum, cross-entropy, bf16 autocast,
    channels-last; batches copied from pinned host memory each step."""
    import torch
    import torchvision

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cudnn.benchmark = True
    model = getattr(torchvision.models, COUNTERPARTS[network][1])(num_classes=SHAPES)
    model = model.to(device, memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    step_model = torch.compile(model) if compiled else model
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_host = torch.randn(s.batch, 3, s.size, s.size)
    y_host = torch.randint(0, SHAPES, (s.batch,))
    if device == "cuda":
        x_host, y_host = x_host.pin_memory(), y_host.pin_memory()

    def fetch():
        x = x_host.to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
        return x, y_host.to(device, non_blocking=True)

    def step():
        x, y = fetch()
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            loss = loss_fn(step_model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    def wait():
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(s.warmup):
        step()
    float(step().item())
    seconds = []
    for _ in range(s.windows):
        start = time.perf_counter()
        for _ in range(s.steps):
            loss = step()
        float(loss.item())
        seconds.append(time.perf_counter() - start)
    rate = _median_rate([s.steps * s.batch] * s.windows, seconds)

    def timed_fetch(_):
        fetch()
        wait()

    return {
        "img_s": rate,
        "windows": [s.steps * s.batch / t for t in seconds],
        "peak_bytes": torch.cuda.max_memory_allocated() if device == "cuda" else None,
        "fetch_s": _fetch_seconds(timed_fetch),
        "step_s": s.batch / rate,
        "note": f"{params / 1e6:.2f}M parameters" + ("" if device == "cuda" else "; on the CPU"),
    }


def measure(network: str, path: str, s: Settings, work: Path) -> dict:
    if path == "a":
        result = measure_trainer(network, s, work)
    elif path in "bc":
        result = measure_fit(network, path, s)
    else:
        result = measure_torch(network, compiled=path == "e", s=s)
    return result


# ------------------------------------------------------------------ the run


def _torch_missing() -> str | None:
    if importlib.util.find_spec("torchvision") is None:  # which needs torch
        return "skipped: torchvision not installed"
    return None


def prepare_folder(s: Settings, work: Path) -> None:
    """The JPEG folder (a) trains on, and its image cache, built once for every network."""
    from netlib import data
    from netlib.train.dataset import prepare_data

    start = time.perf_counter()
    per_class = max(1, math.ceil(s.images / SHAPES))
    folder = data.make_shapes(work / "shapes", per_class=per_class, size=s.size, seed=0,
                              image_format="jpeg")
    written = time.perf_counter()
    prepared = prepare_data(trainer_config(s.models[0], folder, s))
    _progress(f"{prepared.count('train')} JPEGs of {s.size}x{s.size} written in "
              f"{written - start:.1f} s, cached in {time.perf_counter() - written:.1f} s")


def run_isolated(network: str, path: str, s: Settings, work: Path, seconds_left: float) -> dict:
    """One measurement in a process of its own (`--job`), its output passed through."""
    result_file = work / f"{network}-{path}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--job", network, path,
               str(work), "--settings", json.dumps(dataclasses.asdict(s))]
    env = {**_LAUNCH_ENV, "CONVLAB_CACHE_DIR": str(work / "cache"),
           "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    # Initialisers and shared shapes compile once for all processes.
    env.setdefault("JAX_COMPILATION_CACHE_DIR", str(work / "jax-cache"))
    env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    tail: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env) as child:
        watchdog = threading.Timer(seconds_left, child.kill)  # the budget ends mid-run
        watchdog.start()
        try:
            for line in child.stdout:
                print(f"    | {line}", end="", flush=True)
                tail = (tail + [line.strip()])[-5:]
            child.wait()
        finally:
            watchdog.cancel()
    if not result_file.is_file() and child.returncode == -9:
        return {"note": "stopped: the time budget ran out during the run"}
    if child.returncode != 0 or not result_file.is_file():
        last = next((line for line in reversed(tail) if line), f"exit status {child.returncode}")
        return {"note": f"failed: {last[:160]}"}
    return json.loads(result_file.read_text())


def run_in_process(network: str, path: str, s: Settings, work: Path) -> dict:
    import keras

    try:
        return measure(network, path, s, work)
    except Exception as error:  # one row, not the run
        return {"note": f"failed: {type(error).__name__}: {str(error).splitlines()[0][:160]}"}
    finally:
        keras.backend.clear_session()


def _progress(text: str) -> None:
    print(f"[{time.perf_counter() - _START:6.0f} s] {text}", flush=True)


def _ratio(value, reference) -> str:
    if not value or not reference:
        return "-"
    return f"{value / reference:.2f}"


def _row(network: str, path: str, result: dict, results: dict) -> str:
    rate = result.get("img_s")
    if rate is None:
        return f"{network:16} {PATHS[path]:18} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {'-':>6}  {result['note']}"
    keras_app = results.get((network, "c"), {}).get("img_s")
    compiled = results.get((network, "e"), {}).get("img_s")
    peak = result.get("peak_bytes")
    memory = f"{peak / GIB:.1f}" if peak else "-"
    fetch, step = result.get("fetch_s"), result.get("step_s")
    share = f"{fetch / step:.1%}" if fetch is not None and step else "-"
    return (f"{network:16} {PATHS[path]:18} {rate:8.1f} {_ratio(rate, keras_app):>8} "
            f"{_ratio(rate, compiled):>8} {memory:>8} {share:>6}  {result.get('note', '')}")


HEADER = (f"{'network':16} {'path':18} {'img/s':>8} {'vs (c)':>8} {'vs (e)':>8} "
          f"{'peak GiB':>8} {'input':>6}  note")


def run(s: Settings, device: str, backend_name: str) -> dict:
    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="convlab-gpu-speed-") as scratch:
        work = Path(scratch)
        os.environ["CONVLAB_CACHE_DIR"] = str(work / "cache")  # not the user's cache
        if "a" in s.paths:
            prepare_folder(s, work)
        torch_missing = _torch_missing()
        for network in s.models:
            for path in (p for p in RUN_ORDER if p in s.paths):
                left = s.budget - (time.perf_counter() - _START)
                if path in "de" and torch_missing:
                    result = {"note": torch_missing}
                elif left <= 0:
                    result = {"note": f"skipped: time budget ({s.budget:.0f} s) spent"}
                else:
                    _progress(f"{network} {PATHS[path]} ...")
                    if s.smoke:
                        result = run_in_process(network, path, s, work)
                    else:
                        result = run_isolated(network, path, s, work, left)
                results[(network, path)] = result
                _progress(_row(network, path, result, results))
    return results


def print_table(s: Settings, results: dict) -> None:
    print(flush=True)
    print(HEADER)
    for network in s.models:
        for path in (p for p in PATHS if p in s.paths):
            print(_row(network, path, results[(network, path)], results))
    print("img/s: median of the timed windows; vs (c): over keras.applications in the same "
          "way; vs (e): over torch.compile; input: one batch's fetch and copy, timed alone, "
          "as a share of a step.", flush=True)


def parse_settings(argv) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(NETWORKS), help="comma-separated")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=3, help="timed windows (median)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    parser.add_argument("--images", type=int, default=3072, help="JPEGs for (a)")
    parser.add_argument("--paths", default="abcde", help="which of (a)-(e), e.g. bc")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds after which no measurement starts (default: 540, "
                        "none for --cpu-smoke)")
    parser.add_argument("--cpu-smoke", action="store_true",
                        help="a few steps at 32 px, batch 4, in one process: checks the code")
    args = parser.parse_args(argv)
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    unknown = [m for m in models if m not in COUNTERPARTS]
    bad_paths = set(args.paths) - set(PATHS)
    if unknown or bad_paths or not models:
        parser.error(f"--models from {', '.join(NETWORKS)}; --paths from {''.join(PATHS)}")
    if args.cpu_smoke:
        return Settings(models, args.paths, batch=4, size=32, steps=2, windows=1, warmup=1,
                        images=8, budget=args.budget or math.inf, smoke=True)
    return Settings(models, args.paths, args.batch_size, args.image_size, args.steps,
                    args.windows, args.warmup, args.images, args.budget or 540.0, smoke=False)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--job"]:  # one measurement, in its own process (run_isolated)
        network, path, work = argv[1], argv[2], Path(argv[3])
        settings = json.loads(argv[5])
        s = Settings(**{**settings, "models": tuple(settings["models"])})
        from netlib import backend

        backend.import_keras_quietly()
        result = measure(network, path, s, work)
        (work / f"{network}-{path}.json").write_text(json.dumps(result))
        return 0
    s = parse_settings(argv)
    # This process only writes the folder and reports: JAX must not take the GPU's memory
    # here (it preallocates three quarters of it), the measurements need it.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    from netlib import backend

    backend.import_keras_quietly()
    device, backend_name = backend.describe_device(), backend.name()
    if device == "CPU" and not s.smoke:
        print("No GPU here: this benchmark is for one; running its --cpu-smoke check instead.")
        s = parse_settings([*argv, "--cpu-smoke"])
    if s.smoke:
        # Tracing four networks' train steps into TensorFlow graphs would take minutes on
        # a CI machine, so the check runs them eagerly there; JAX compiles (its eager mode
        # compiles every operation apart, slower still).
        s = dataclasses.replace(s, eager=backend_name == "tensorflow")
    print(f"Device: {device} | Keras backend: {backend_name} | {s.size}x{s.size}, batch "
          f"{s.batch}, bf16 mixed precision | median of {s.windows} window(s) of {s.steps} "
          f"steps after {s.warmup} warm-up step(s)"
          + (" | CPU smoke check" + (", Keras eager" if s.eager else "") if s.smoke else ""),
          flush=True)
    if backend_name != "jax" and not s.smoke:
        print("note: the figures of issue 14 are taken with KERAS_BACKEND=jax", flush=True)
    results = run(s, device, backend_name)
    print_table(s, results)
    return 0


_START = time.perf_counter()

if __name__ == "__main__":
    sys.exit(main())
