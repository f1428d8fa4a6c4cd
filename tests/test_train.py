"""The training engine: config, run folder, events, stop, resume, crash safety, OOM.

Small and real: LeNet-5 on 300 of the bundled digits (8 steps an epoch), real Keras
training on the CPU, a real subprocess killed with SIGKILL while it saves, TensorBoard
event files read back with TensorBoard's own reader.
"""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import keras
import numpy as np
import pytest

from netlib import backend, data
from netlib.train import (
    BatchEnd,
    EpochEnd,
    Failed,
    Finished,
    LogMessage,
    Preparing,
    RunStarted,
    Stopped,
    TrainConfig,
    Trainer,
)
from netlib.runs import TEMPORARY_MARK, RunFolder, read_model_metadata, write_bytes_atomic

# Keras 3.15's TensorBoard callback converts the learning-rate variable with np.array,
# whose __array__ lacks numpy 2's `copy` keyword: a warning from Keras, not from ConvLab.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

REPO = Path(__file__).resolve().parent.parent
PER_CLASS = 30
# Augmentation makes the runs draw random numbers every step: resuming must restore the
# random-seed state too, not only weights and optimizer.
AUGMENT = ["flip", {"name": "rotation", "factor": 0.05}]


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    """300 of the bundled digits (30 per class), copied to a temporary folder."""
    folder = tmp_path_factory.mktemp("digits")
    for class_dir in sorted(data.digits_folder().iterdir()):
        if class_dir.is_dir():
            (folder / class_dir.name).mkdir()
            for image in sorted(class_dir.iterdir())[:PER_CLASS]:
                shutil.copy(image, folder / class_dir.name / image.name)
    return folder


@pytest.fixture(scope="module")
def config(digits) -> TrainConfig:
    return TrainConfig.for_model("lenet5", digits, epochs=3, augment=AUGMENT, seed=3)


@pytest.fixture(scope="module")
def reference(config, tmp_path_factory):
    """An uninterrupted run, and the events it sent."""
    received = []
    outcome = Trainer(config, runs_dir=tmp_path_factory.mktemp("runs")).fit(received.append)
    assert isinstance(outcome, Finished), outcome
    return RunFolder(outcome.run_dir), received


def _assert_same_metrics(folder: RunFolder, reference: RunFolder):
    rows, expected = folder.metrics(), reference.metrics()
    assert [r["epoch"] for r in rows] == [r["epoch"] for r in expected] == [1, 2, 3]
    for row, want in zip(rows, expected):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
            assert math.isclose(row[key], want[key], rel_tol=1e-4, abs_tol=1e-6), (key, row, want)


# ------------------------------------------------------------------------------ config


def test_config_round_trips_through_json(tmp_path):
    config = TrainConfig.for_model(
        "resnet20", tmp_path, model_options={"shortcut": "B"}, schedule="cosine",
        warmup_epochs=1.5, augment=AUGMENT, lr_milestones=(0.3, 0.6),
    )
    path = config.save(tmp_path / "config.json")
    assert TrainConfig.load(path) == config
    assert TrainConfig.load(tmp_path) == config  # a folder holding config.json
    assert config.model_options == {"shortcut": "B"}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"optimizer": "rmsprop"}, "'sgd', 'adam', 'adamw'"),
        ({"schedule": "linear"}, "'constant', 'step', 'plateau', 'cosine'"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"mixed_precision": "yes"}, "'auto', 'off', 'float16', 'bfloat16'"),
        ({"validation": 0.6, "test": 0.5}, "below 1"),
        ({"image_size": 4}, "at least"),
        ({"model": "lenet6"}, "Did you mean lenet5"),
        ({"model_options": {"shortcut": "A"}}, "options are: activation"),
        ({"batchsize": 32}, "Did you mean batch_size"),
        ({"augment": ["sharpen"]}, "flip"),
    ],
)
def test_bad_settings_name_the_valid_ones(tmp_path, change, message):
    values = {**TrainConfig.for_model("lenet5", tmp_path).to_dict(), **change}
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_dict(values)


def test_command_line_settings_and_family_defaults(tmp_path):
    config = TrainConfig.for_model("resnet20", tmp_path, recipe="paper")
    assert (config.optimizer, config.momentum, config.schedule) == ("sgd", 0.9, "step")
    assert config.with_setting("shortcut", "B").model_options["shortcut"] == "B"
    assert config.with_setting("epochs", "7").epochs == 7
    assert config.with_setting("early_stopping", "none").early_stopping is None
    assert config.with_setting("lr_milestones", "0.25,0.5").lr_milestones == (0.25, 0.5)
    with pytest.raises(ValueError, match="neither a training setting .* nor an option"):
        config.with_setting("depth", "3")
    # A batch size without a rate keeps the family's rate per image.
    halved = TrainConfig.for_model("resnet20", tmp_path, recipe="paper", batch_size=32)
    assert math.isclose(halved.learning_rate, config.learning_rate / 2)


# ------------------------------------------------------------------------- files


def test_run_folders_never_collide(tmp_path):
    first = RunFolder.create(tmp_path, "lenet5")
    second = RunFolder.create(tmp_path, "lenet5")
    assert first.path != second.path and first.path.is_dir() and second.path.is_dir()
    assert second.path.name.startswith(first.path.name)


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "metrics.csv"
    write_bytes_atomic(target, b"old")

    def broken(file):
        file.write(b"half")
        raise OSError("disk full")

    from netlib.runs import write_atomic

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, broken)
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


# ------------------------------------------------------------------------------ runs


def test_a_run_sends_its_events_in_order_and_fills_its_folder(reference, config):
    folder, received = reference
    kinds = [type(e) for e in received]
    started = kinds.index(RunStarted)
    assert set(kinds[:started]) <= {LogMessage, Preparing}
    assert kinds[-1] is Finished and kinds.count(Finished) == 1
    epochs = [e for e in received if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    batches = [e for e in received if isinstance(e, BatchEnd)]
    assert batches and all(1 <= b.step <= b.steps == 8 for b in batches)
    last_steps = [
        previous.step
        for previous, event in zip(received, received[1:])
        if isinstance(event, EpochEnd) and isinstance(previous, BatchEnd)
    ]
    assert last_steps == [8, 8, 8]  # every epoch reports its last step
    assert all(b.images_per_second > 0 for b in batches if b.step > 1)
    # Each epoch's speed over its 240 training images, its steps' time only.
    assert all(0 < e.images_per_second < math.inf for e in epochs)
    assert all(e.images_per_second > 240 / e.seconds for e in epochs)
    # Preparation progress is thinned at the source, a few events a second.
    preparing = [e for e in received if isinstance(e, Preparing)]
    assert preparing and len(preparing) < 100 and preparing[-1].done == preparing[-1].total

    run_started = received[started]
    assert run_started.device == backend.describe_device() == "CPU"  # no GPU here
    assert run_started.backend == "tensorflow"
    assert run_started.classes == tuple(str(i) for i in range(10))
    assert (run_started.train_images, run_started.validation_images) == (240, 60)
    assert run_started.steps_per_epoch == 8 and run_started.mixed_precision is False

    assert folder.config() == config
    assert folder.classes() == [str(i) for i in range(10)]
    assert folder.status()["state"] == "finished"
    assert len(folder.split()["validation"]) == 60
    rows = folder.metrics()
    for row, event in zip(rows, epochs):
        assert math.isclose(row["val_accuracy"], event.val_accuracy, rel_tol=1e-6)
        assert math.isclose(row["learning_rate"], 1e-3, rel_tol=1e-6)
    metadata = read_model_metadata(folder.best_model)
    assert metadata["classes"] == folder.classes() and metadata["input_size"] == [32, 32]
    assert not list(folder.path.rglob(f"*{TEMPORARY_MARK}*"))


def test_saved_models_are_inference_models_of_raw_pixels(reference):
    import netlib.layers  # noqa: F401

    folder, _ = reference
    model = keras.saving.load_model(folder.last_model, safe_mode=True)
    assert model.inputs[0].dtype == "uint8"
    assert tuple(model.inputs[0].shape) == (None, 32, 32, 1)
    layer_types = {type(layer).__name__ for layer in model.layers}
    assert {"Rescaling", "Normalization"} <= layer_types
    assert not layer_types & {"RandomFlip", "RandomRotation", "Sequential"}
    pixels = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 1), dtype=np.uint8)
    probabilities = model.predict(pixels, verbose=0)
    assert probabilities.shape == (4, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_tensorboard_logs_read_back(reference):
    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder, _ = reference
    rows = folder.metrics()
    for subdir, prefix in (("train", ""), ("validation", "val_")):
        events = EventAccumulator(str(folder.tensorboard_dir / subdir))
        events.Reload()
        tags = events.Tags()["tensors"]
        assert {"epoch_loss", "epoch_accuracy"} <= set(tags), tags
        logged = [float(tf.make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")]
        expected = [row[prefix + "loss"] for row in rows]
        np.testing.assert_allclose(logged, expected, rtol=1e-5)


def test_stop_from_another_thread_within_one_batch_then_resume_exactly(config, reference, tmp_path):
    trainer = Trainer(config, runs_dir=tmp_path)
    log = []

    class StopInEpochTwo(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            log.append(("begin", self.epoch, batch))

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (1, 2):
                thread = threading.Thread(target=trainer.request_stop)  # like a GUI would
                thread.start()
                thread.join()
                log.append(("requested", self.epoch, batch))

    trainer.extra_callbacks.append(StopInEpochTwo())
    received = []
    outcome = trainer.fit(received.append)
    assert isinstance(outcome, Stopped) and outcome.epochs_completed == 1
    after = log[log.index(("requested", 1, 2)) + 1 :]
    assert len(after) <= 1, f"{len(after)} batches ran after the stop request"
    assert not any(isinstance(e, EpochEnd) and e.epoch == 2 for e in received)
    folder = RunFolder(outcome.run_dir)
    assert folder.status()["state"] == "stopped"
    assert [row["epoch"] for row in folder.metrics()] == [1]

    resumed = []
    outcome = Trainer.resume(folder.path).fit(resumed.append)
    assert isinstance(outcome, Finished), outcome
    started = next(e for e in resumed if isinstance(e, RunStarted))
    assert started.initial_epoch == 1
    _assert_same_metrics(folder, reference[0])


_CRASHING_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    from netlib.train import TrainConfig, Trainer

    mode, config_path, runs = sys.argv[2:5]
    calls = {"n": 0}

    def die():
        os.kill(os.getpid(), signal.SIGKILL)  # a real crash: no cleanup, no flush

    if mode == "before-rename":
        # Epoch 2's state.json is complete in its temporary file but not yet renamed.
        real_replace = os.replace
        def replace(source, target):
            if str(target).endswith("state.json"):
                calls["n"] += 1
                if calls["n"] == 2:
                    die()
            real_replace(source, target)
        os.replace = replace
    else:
        # Epoch 2's weights file is half written when the process dies.
        real_savez = np.savez
        def savez(file, **arrays):
            calls["n"] += 1
            if calls["n"] == 2:
                file.write(b"PK\\x03\\x04 only the beginning of a zip archive")
                file.flush()
                die()
            real_savez(file, **arrays)
        np.savez = savez
    Trainer(TrainConfig.load(config_path), runs_dir=runs).fit()
    """
)


@pytest.mark.parametrize("mode", ["before-rename", "mid-write"])
def test_a_run_killed_while_saving_resumes_from_its_last_good_checkpoint(
    config, reference, tmp_path, mode
):
    script = tmp_path / "child.py"
    script.write_text(_CRASHING_CHILD)
    config_path = config.save(tmp_path / "config.json")
    runs = tmp_path / "runs"
    child = subprocess.run(
        [sys.executable, str(script), str(REPO), mode, str(config_path), str(runs)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    (run_dir,) = runs.iterdir()
    stray = list((run_dir / "resume").glob(f".*{TEMPORARY_MARK}*"))
    assert stray, "the child should have died with a temporary file on disk"
    state = json.loads((run_dir / "resume" / "state.json").read_text())
    assert state["epoch"] == 1  # the last good checkpoint

    outcome = Trainer.resume(run_dir).fit()
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    assert not list(run_dir.rglob(f".*{TEMPORARY_MARK}*"))
    _assert_same_metrics(RunFolder(run_dir), reference[0])


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's tracing")
def test_the_training_step_creates_no_variable_so_tensorflow_traces_it_once(config, tmp_path):
    # A tf.function whose first trace creates variables (Keras 3.15 builds the optimizer
    # and the metrics there) is traced again without them: twice the graph building
    # before the first step (MobileNetV2: 26 s -> 14 s). backend.build_before_fit makes them first.
    import tensorflow as tf

    made_in_a_graph = []

    def creator(next_creator, **kwargs):
        if not tf.executing_eagerly():
            made_in_a_graph.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        outcome = Trainer(config.replace(epochs=1), runs_dir=tmp_path).fit()
    assert isinstance(outcome, Finished)
    assert made_in_a_graph == []


def test_out_of_memory_ends_the_run_with_advice_and_the_process_goes_on(config, tmp_path):
    class RunOutOfMemory(keras.callbacks.Callback):
        # No GPU runs here: raise the backend's own out-of-memory exception (the class
        # TensorFlow raises when an allocation fails) from inside the training loop.
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise backend.out_of_memory_error("OOM when allocating tensor")

    small = config.replace(epochs=1, batch_size=32)
    received = []
    outcome = Trainer(small, runs_dir=tmp_path, callbacks=[RunOutOfMemory()]).fit(received.append)
    assert isinstance(outcome, Failed) and outcome.out_of_memory
    assert "batch size 32" in outcome.message and "--batch-size 16" in outcome.message
    assert received[-1] is outcome
    assert RunFolder(outcome.run_dir).status()["state"] == "failed"

    again = Trainer(small, runs_dir=tmp_path).fit()
    assert isinstance(again, Finished)


def test_a_bad_dataset_fails_the_run_with_the_reason(tmp_path):
    (tmp_path / "only_class").mkdir()
    outcome = Trainer(TrainConfig.for_model("lenet5", tmp_path / "only_class"), runs_dir=tmp_path / "runs").fit()
    assert isinstance(outcome, Failed) and not outcome.out_of_memory
    assert "class" in outcome.message.lower()


def test_googlenet_aux_heads_train_with_the_papers_weights(tmp_path):
    from netlib.train.model import AUX_LOSS_WEIGHT, build_models, compile_for_training

    config = TrainConfig.for_model(
        "googlenet", tmp_path, image_size=64, model_options={"aux_heads": True},
        normalization="none",
    )
    models = build_models(config, classes=3)
    assert models.output_names == ("probabilities", "aux1_probabilities", "aux2_probabilities")
    compile_for_training(models, config, classes=3, steps_per_epoch=1)
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    labels = np.array([0, 1, 2, 0], np.int32)
    logs = models.training.evaluate(
        pixels, {n: labels for n in models.output_names}, verbose=0, return_dict=True
    )
    assert "probabilities_accuracy" in logs and "aux1_probabilities_accuracy" not in logs
    total = logs["probabilities_loss"] + AUX_LOSS_WEIGHT * (
        logs["aux1_probabilities_loss"] + logs["aux2_probabilities_loss"]
    )
    assert math.isclose(logs["loss"], total, rel_tol=1e-4)
    assert len(models.inference.outputs) == 1


def test_mixed_precision_path_runs_on_the_cpu(config, tmp_path):
    # "auto" turns float16 on only on a GPU (none here); forcing it runs the GPU path's
    # code on the CPU: float16 layers, float32 softmax, dynamic loss scaling, resumable.
    received = []
    trainer = Trainer(config.replace(epochs=1, mixed_precision="float16"), runs_dir=tmp_path)
    outcome = trainer.fit(received.append)
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    assert next(e for e in received if isinstance(e, RunStarted)).mixed_precision
    assert type(trainer.models.training.optimizer).__name__ == "LossScaleOptimizer"
    assert trainer.models.inference.outputs[0].dtype == "float32"
    state = json.loads((outcome.run_dir / "resume" / "state.json").read_text())
    assert any("loss_scale" in name or "step_counter" in name for name in state["optimizer_variables"])
    assert isinstance(Trainer.resume(outcome.run_dir, epochs=2).fit(), Finished)
