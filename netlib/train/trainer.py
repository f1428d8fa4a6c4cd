"""Trainer: one training run, from a TrainConfig to a run folder, with events on the way.

    >>> trainer = Trainer(TrainConfig.for_model("lenet5", netlib.data.digits_folder()))
    >>> outcome = trainer.fit(events=print)       # Finished, Stopped or Failed
    >>> Trainer.resume(outcome.run_dir).fit()     # after a stop: carry on

`fit` is Keras' `model.fit` with callbacks (see netlib.train.callbacks), once per phase of
a run from pretrained weights (netlib.train.fine_tuning: the base frozen, then unfrozen
and recompiled at a lower rate; a run stopped in either phase resumes in it); it never raises
for what goes wrong during a run (bad images, out of memory, a stop request): the run ends
with a Failed or Stopped event and `fit` returns it, so a GUI process hosting the run
survives. A bad configuration raises ValueError when the Trainer is made.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import keras

from netlib import backend
from netlib.cancel import Cancelled
from netlib.runs import DEFAULT_RUNS_DIR, RunFolder
from netlib.train import events as ev
from netlib.train.batchnorm import PreciseBatchNorm
from netlib.train.callbacks import (
    DiagnosisReporter,
    EpochRecorder,
    EventReporter,
    LearningRateLogger,
    StopRequested,
)
from netlib.train.checkpoint import load_resume_state, restore_variables
from netlib.train.config import SCRATCH, TrainConfig
from netlib.train.dataset import MultiHeadBatches, PreparedData, prepare_data
from netlib.train.fine_tuning import (
    DOWNLOADING,
    Phase,
    Start,
    phase_at,
    phases,
    resolve_start,
    set_trainable,
)
from netlib.train.progress import every
from netlib.train.model import (
    TrainingModels,
    build_models,
    compile_for_training,
    main_metric_names,
    mixed_precision_policy,
)

__all__ = ["Trainer", "MODEL_FORMAT"]

MODEL_FORMAT = "convlab-model/1"
# Preparing events (one per file scanned or cached) reach the listener at most this often.
_PROGRESS_INTERVAL_S = 0.1


class Trainer:
    """Train `config` into a new run folder under `runs_dir` (or continue one: `resume`).

    Args:
        config: the run's settings.
        runs_dir: where run folders are made (default netlib.runs.DEFAULT_RUNS_DIR).
        callbacks: extra Keras callbacks for `model.fit` (run after ConvLab's reporting
            and before its checkpointing).
    """

    def __init__(
        self,
        config: TrainConfig,
        runs_dir: str | os.PathLike = DEFAULT_RUNS_DIR,
        *,
        callbacks: Sequence[keras.callbacks.Callback] = (),
    ):
        if not isinstance(config, TrainConfig):
            raise ValueError(f"config must be a TrainConfig; received {type(config).__name__}.")
        self.config = config
        self.runs_dir = Path(runs_dir)
        self.extra_callbacks = list(callbacks)
        self.folder: RunFolder | None = None
        self.models: TrainingModels | None = None  # the Keras models, once fit built them
        self._resuming = False
        self._training = False
        self._stop = threading.Event()

    @classmethod
    def resume(
        cls,
        run_dir: str | os.PathLike,
        *,
        epochs: int | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (),
    ) -> Trainer:
        """A Trainer that continues the run in `run_dir` from its last completed epoch.

        `epochs` raises (or lowers) the run's total; a step or cosine schedule is then laid
        out over the new total. ValueError if `run_dir` is not a run folder.
        """
        folder = RunFolder.open(run_dir)
        config = folder.config()
        if epochs is not None:
            config = config.replace(epochs=epochs)
        trainer = cls(config, folder.path.parent, callbacks=callbacks)
        trainer.folder = folder
        trainer._resuming = True
        return trainer

    @property
    def run_dir(self) -> Path | None:
        """The run folder, once `fit` has made it (at once for a resumed run)."""
        return self.folder.path if self.folder else None

    def request_stop(self) -> None:
        """Ask the run to stop at the end of the current batch (thread-safe). The run
        keeps its last completed epoch and can be resumed."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ---------------------------------------------------------------------- fit

    def fit(self, events: Callable[[ev.Event], None] | None = None) -> ev.Event:
        """Run the training; return the last event (Finished, Stopped or Failed)."""
        listener = _Listener(events, lambda: self.folder)
        try:
            outcome = self._fit(listener)
        except (StopRequested, Cancelled):
            outcome = self._stopped()
        except Exception as error:  # the run ends; the process (maybe a GUI) goes on
            outcome = self._failed(error)
        if self.folder is not None:
            _write_outcome(self.folder, outcome)
        listener.emit(outcome)
        return outcome

    def _fit(self, listener: _Listener) -> ev.Event:
        config = self.config
        strategy = backend.distribution_strategy()  # before any model: TensorFlow's rule
        backend.prepare_devices()
        device = backend.describe_device()
        policy = mixed_precision_policy(config.mixed_precision, uses_gpu=device != "CPU")
        resumed = self._open_folder(strategy) if self._resuming else None
        backend.set_seed(config.seed, deterministic=config.deterministic)

        prepared = self._prepare_data(listener)
        if not self._resuming:
            # Only now: a folder that cannot be scanned, or a stop while the images are
            # cached, leaves no run folder behind for a run that never started.
            self._open_folder(strategy)
        listener.log(f"Run folder {self.folder.path}")
        self._record_data(prepared, resumed is not None)
        start = self._start(listener, resumed)

        models, train, validation, initial_epoch = self._build(
            prepared, strategy, policy, resumed, start, listener
        )
        rows = [r for r in self.folder.metrics() if r["epoch"] <= initial_epoch]
        keys = main_metric_names(models)
        callbacks, recorder, early_stopping = self._callbacks(
            listener, models, prepared, train, keys, rows, resumed
        )
        listener.emit(
            ev.RunStarted(
                run_dir=self.folder.path,
                model=config.model,
                device=device,
                backend=backend.name(),
                mixed_precision=policy is not None,
                classes=tuple(prepared.classes),
                train_images=prepared.count("train"),
                validation_images=prepared.count("validation"),
                test_images=prepared.count("test"),
                skipped_files=len(prepared.skipped),
                batch_size=config.batch_size,
                steps_per_epoch=len(train),
                epochs=config.epochs,
                initial_epoch=initial_epoch,
                replicas=strategy.num_replicas_in_sync if strategy is not None else 1,
            )
        )
        self.folder.write_status("running", "training", **recorder.summary())
        if initial_epoch >= config.epochs:
            return self._finished(recorder, f"The run had already completed {initial_epoch} epochs.")
        train.set_epoch(initial_epoch)
        self._training = True  # from here on, a ValueError is Keras' or TensorFlow's
        started = time.perf_counter()
        self._train(models, train, validation, initial_epoch, callbacks, listener, policy, strategy)
        if self._batch_norm.seconds:
            share = self._batch_norm.seconds / max(time.perf_counter() - started, 1e-9)
            listener.log(
                f"Batch-norm statistics re-estimated each epoch on "
                f"{min(prepared.count('train'), self._batch_norm.steps * config.batch_size)} "
                f"training images: {self._batch_norm.seconds:.1f} s, {share:.1%} of the run."
            )
        return self._finished(recorder, _early_stop_message(early_stopping, config))

    # ------------------------------------------------------------------ stages

    def _build(self, prepared: PreparedData, strategy, policy, resumed, start: Start, listener):
        """The models (compiled, and restored when resuming), the batches, and the epoch
        to start from; under the distribution strategy's scope when there is one."""
        config, classes = self.config, len(prepared.classes)
        self._class_count = classes
        initial_epoch = int(resumed["epoch"]) if resumed is not None else 0
        scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
        with scope:
            models = build_models(config, classes, prepared.statistics, prepared.pca, policy,
                                  preprocessing=start.preprocessing_layers())
            self._loaded = self._load_start(start, models, listener)
            train = self._batches(prepared, "train", models, shuffle=True)
            validation = None
            if prepared.count("validation"):
                validation = self._batches(prepared, "validation", models, shuffle=False)
            self._phase = phase_at(config, initial_epoch)
            # Resumed where a new phase begins: its optimizer starts afresh, as it did in
            # an uninterrupted run at the same epoch.
            boundary = resumed is not None and initial_epoch == self._phase.first > 0
            self._compile_phase(self._phase, models, len(train), policy, strategy,
                                fresh_optimizer=boundary)
            if resumed is not None:
                restore_variables(self.folder.resume_dir, models.training, resumed,
                                  optimizer=not boundary)
        self.models = models
        return models, train, validation, initial_epoch

    def _train(self, models, train, validation, initial_epoch, callbacks, listener, policy,
               strategy) -> None:
        """`fit` once per phase left (one for a run from scratch), switching phases where
        an uninterrupted run does."""
        for phase in phases(self.config):
            if phase.end <= initial_epoch:
                continue
            if phase != self._phase:
                self._enter_phase(phase, models, len(train), policy, strategy)
            self._announce_phase(listener, models)
            backend.build_before_fit(models.training, train[0])  # one trace of the step, not two
            models.training.fit(
                train,
                validation_data=validation,
                epochs=phase.end,
                initial_epoch=max(initial_epoch, phase.first),
                callbacks=callbacks,
                verbose=0,
            )
            if models.training.stop_training:  # early stopping ends the run, not the phase
                return

    # ---------------------------------------------------------------- fine-tuning

    def _start(self, listener: _Listener, resumed) -> Start:
        """Where the weights come from. A new run downloads and reads them (ImageNet's
        file into Keras' cache, progress as Preparing events) and records the file and
        its hash in config.json; a resumed one restores every variable from its own
        state and only needs weights.json's record of what was loaded."""
        config = self.config
        if config.weights == SCRATCH:
            return Start(SCRATCH)
        record = self.folder.weights()
        if resumed is not None and record is not None:
            return Start(record["kind"], Path(record["file"]), record=record)

        def progress(done, total):
            listener.emit(ev.Preparing(DOWNLOADING, done, total))

        start = resolve_start(config, progress=progress, cancel=self._stop.is_set)
        from netlib.weights import file_hash

        self.config = config.replace(weights_file=str(start.path),
                                     weights_sha256=file_hash(start.path))
        self.folder.write_config(self.config)
        return start

    def _load_start(self, start: Start, models: TrainingModels, listener) -> set[str]:
        """The start's weights into the network (not when resuming: the state has them);
        the names of the layers that hold pretrained weights."""
        if not start.pretrained:
            return set()
        if start.record is not None:
            return set(start.record["loaded"])
        report = start.load_into(models.network)
        listener.log(report.summary())
        self.folder.write_weights({
            "weights": self.config.weights,
            "kind": start.kind,
            "file": str(start.path),
            "sha256": self.config.weights_sha256,
            "loaded": list(report.loaded),
            "new": list(report.new),
            "preprocessing": [keras.saving.serialize_keras_object(layer)
                              for layer in models.preprocessing],
        })
        return set(report.loaded)

    def _compile_phase(self, phase: Phase, models, steps: int, policy, strategy, *,
                       fresh_optimizer: bool) -> None:
        """Freeze or unfreeze for `phase`, then compile at its rate; a fresh optimizer
        takes up the schedule where the run is (its step count)."""
        self._trainable = set_trainable(models.network, phase, self._loaded, self.config)
        config = self.config
        if phase.rate_scale != 1.0:
            config = config.replace(learning_rate=config.learning_rate * phase.rate_scale)
        compile_for_training(models, config, self._class_count, steps, policy)
        backend.adapt_model_to_strategy(models.training, strategy)
        if fresh_optimizer:
            optimizer = models.training.optimizer
            optimizer.build(models.training.trainable_variables)
            optimizer.iterations.assign(phase.first * steps)

    def _enter_phase(self, phase: Phase, models, steps: int, policy, strategy) -> None:
        """Switch an uninterrupted run to its next phase at the phase's first epoch."""
        self._phase = phase
        scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
        with scope:  # the new optimizer's variables, like the first's
            self._compile_phase(phase, models, steps, policy, strategy, fresh_optimizer=True)
        self._batch_norm.refresh()  # the unfrozen batch-norm layers are estimated again

    def _announce_phase(self, listener: _Listener, models) -> None:
        phase = self._phase
        if phase.name == "training":
            return
        layers = sum(1 for layer in models.network.layers if layer.weights)
        rate = self.config.learning_rate * phase.rate_scale
        what = ("the base frozen (batch normalisation in inference mode)" if phase.frozen
                else "the base unfrozen" + (f" (its last {self.config.unfreeze} blocks)"
                                            if self.config.unfreeze else ""))
        message = (f"Epochs {phase.first + 1}-{phase.end}: {what}; {self._trainable} of "
                   f"{layers} layers with weights train, learning rate {rate:g}.")
        listener.log(message)
        listener.emit(ev.PhaseStarted(phase.name, phase.first + 1, self._trainable, layers,
                                      rate, message))

    def _open_folder(self, strategy) -> dict[str, Any] | None:
        if self._resuming:
            if self.folder.config() != self.config:  # resumed with another epoch count
                self.folder.write_config(self.config)
            state = load_resume_state(self.folder)
            if state is None:
                self.folder.log("No resume state: the run starts again from epoch 1.", "warning")
            return state
        suffix = ""
        if not backend.is_chief(strategy):
            suffix = f"-worker{backend.cluster_from_environment()['task']['index']}"
        self.folder = RunFolder.create(self.runs_dir, self.config.model, suffix=suffix)
        self.folder.write_config(self.config)
        self.folder.write_status("running", "preparing the data")
        return None

    def _prepare_data(self, listener: _Listener) -> PreparedData:
        listener.log(f"Reading {self.config.dataset}")

        due = every(_PROGRESS_INTERVAL_S)

        def progress(stage, done, total):
            if due(done, total):
                listener.emit(ev.Preparing(stage, done, total))

        prepared = prepare_data(self.config, progress=progress, cancel=self._stop.is_set)
        counts = ", ".join(f"{prepared.count(p)} {p}" for p in ("train", "validation", "test"))
        listener.log(f"{len(prepared.classes)} classes; images: {counts}")
        height, width = prepared.cache.image_size
        how = "reused" if prepared.cache.reused else "built"
        listener.log(f"Image cache {how}: {height}x{width} {prepared.cache.color_mode}")
        if prepared.skipped:
            listener.log(
                f"{len(prepared.skipped)} file(s) skipped (listed in dataset.json), e.g. "
                f"{prepared.skipped[0]['path']}: {prepared.skipped[0]['reason']}",
                "warning",
            )
        self._log_balance(listener, prepared)
        return prepared

    def _log_balance(self, listener: _Listener, prepared: PreparedData) -> None:
        balance, config = prepared.balance(), self.config
        counts = ", ".join(f"{name} {n:,}" for name, n in balance.counts.items())
        listener.log(f"Training images per class: {counts} (largest / smallest "
                     f"{balance.ratio:.1f})")
        if config.class_weight != "none" or config.sampling != "uniform":
            listener.log(f"Making up for the class balance: class_weight={config.class_weight}, "
                         f"sampling={config.sampling}")
        elif balance.warning:
            listener.log(balance.warning, "warning")
        if prepared.duplicate_groups:
            listener.log(f"{prepared.duplicate_groups} group(s) of duplicate images, each kept "
                         f"in one part of the split")

    def _record_data(self, prepared: PreparedData, resuming: bool) -> None:
        if resuming:
            saved = self.folder.classes()
            if saved != prepared.classes:
                raise ValueError(
                    f"The dataset's classes changed since the run started "
                    f"(was {saved}, now {prepared.classes}); start a new run instead."
                )
            return
        self.folder.write_classes(prepared.classes)
        self.folder.write_dataset(prepared.description())
        self.folder.write_split(prepared.split_listing())

    def _batches(self, prepared: PreparedData, part: str, models: TrainingModels, *, shuffle):
        config = self.config
        training = part == "train"
        batches = prepared.batches(
            part, config.batch_size, shuffle=shuffle, seed=config.seed,
            sampling=config.sampling if training else "uniform",
            class_weights=prepared.class_weights() if training and config.class_weight == "balanced" else None,
        )
        if shuffle:
            # The epoch's order follows Keras' epoch index, also when resuming.
            self._epoch_callback = batches.epoch_callback()
        if models.multi_output:
            return MultiHeadBatches(batches, models.output_names)
        return batches

    def _callbacks(self, listener, models, prepared, train, keys, rows, resumed):
        config = self.config
        has_validation = prepared.count("validation") > 0
        monitor = config.monitor if has_validation else config.monitor.removeprefix("val_")
        mode = "min" if monitor.endswith("loss") else "max"
        watch = {"val_loss": "val_loss", "loss": "loss"}.get(monitor, f"val_{keys['accuracy']}")
        if not has_validation and mode == "max":
            watch = keys["accuracy"]
        callbacks: list[keras.callbacks.Callback] = [
            self._epoch_callback,
            EventReporter(
                listener.emit,
                self._stop,
                epochs=config.epochs,
                steps=len(train),
                batch_size=config.batch_size,
                keys=keys,
                images=prepared.count("train"),
            ),
            LearningRateLogger(),
        ]
        states: dict[str, keras.callbacks.Callback] = {}
        if config.schedule == "plateau":
            states["plateau"] = keras.callbacks.ReduceLROnPlateau(
                monitor=watch, mode=mode, factor=config.lr_decay_factor,
                patience=config.plateau_patience, min_lr=config.learning_rate * 1e-4,
            )
        if config.early_stopping:
            states["early_stopping"] = keras.callbacks.EarlyStopping(
                monitor=watch, mode=mode, patience=config.early_stopping
            )
        callbacks += list(states.values())
        if backend.has_tensorflow():
            # Keras' TensorBoard callback writes through tensorflow.summary whatever the
            # backend: on a JAX-only machine the run would fail at its first epoch's end.
            callbacks.append(
                keras.callbacks.TensorBoard(
                    log_dir=str(self.folder.tensorboard_dir),
                    write_graph=backend.name() == "tensorflow",
                )
            )
        else:
            listener.log("No TensorBoard logs: TensorFlow is not installed (metrics.csv "
                         "has every epoch).", "warning")
        callbacks += self.extra_callbacks
        # Before the recorder: the epoch's model is saved with re-estimated statistics.
        # The statistics of batches drawn as training draws them (balanced sampling too).
        self._batch_norm = PreciseBatchNorm(
            models.training,
            prepared.batches("train", config.batch_size, shuffle=True, seed=config.seed,
                             sampling=config.sampling),
            PreciseBatchNorm.steps_for(config.batch_size, prepared.count("train")),
        )
        callbacks.append(self._batch_norm)
        recorder = EpochRecorder(
            self.folder,
            listener.emit,
            inference_model=models.inference,
            model_metadata=self._model_metadata(prepared, models),
            epochs=config.epochs,
            keys=keys,
            monitor=config.monitor,
            has_validation=has_validation,
            rows=rows,
            states=states,
            resumed=resumed,
            seed=config.seed,
        )
        callbacks.append(recorder)
        self._recorder = recorder
        if has_validation:
            callbacks.append(DiagnosisReporter(
                recorder.rows, lambda text: listener.log(text, "warning"),
                classes=len(prepared.classes), chance=prepared.majority_share("validation"),
                learning_rate=config.learning_rate,
            ))
        return callbacks, recorder, states.get("early_stopping")

    def _model_metadata(self, prepared: PreparedData, models: TrainingModels) -> dict[str, Any]:
        """convlab.json inside every saved .keras file: what predict needs to use it."""
        height, width, channels = (int(d) for d in models.inference.inputs[0].shape[1:])
        return {
            "format": MODEL_FORMAT,
            "model": self.config.model,
            "classes": list(prepared.classes),
            "image_size": list(prepared.cache.image_size),  # the size images are decoded at
            "input_size": [height, width],  # the model's input (a centre crop if smaller)
            "channels": channels,
            "color_mode": prepared.cache.color_mode,
            "resize": prepared.cache.resize,
            "run": self.folder.path.name,
        }

    # ------------------------------------------------------------------ outcomes

    def _finished(self, recorder: EpochRecorder, message: str) -> ev.Finished:
        done = recorder.epochs_completed
        # "Best" is the epoch best.keras holds, chosen by the monitor (val_loss by
        # default): its accuracy need not be the highest of the run, so say which it is.
        lowest = "lowest" if recorder.monitor.endswith("loss") else "highest"
        summary = f"Finished {done} epoch(s)" + (
            f"; best.keras is epoch {recorder.best_epoch} ({lowest} {recorder.monitor}), "
            f"validation accuracy {recorder.best_val_accuracy:.2%}"
            if not math.isnan(recorder.best_val_accuracy) else ""
        )
        return ev.Finished(
            run_dir=self.folder.path,
            epochs_completed=done,
            best_epoch=recorder.best_epoch,
            best_val_accuracy=recorder.best_val_accuracy,
            message=f"{message} {summary}." if message else f"{summary}.",
        )

    def _completed_epochs(self) -> int:
        recorder = getattr(self, "_recorder", None)
        if recorder is not None:
            return recorder.epochs_completed
        if self.folder is not None:
            state = _safe_state(self.folder)
            return int(state["epoch"]) if state else 0
        return 0

    def _stopped(self) -> ev.Stopped:
        done = self._completed_epochs()
        where = f"after epoch {done}" if done else "before the first epoch ended"
        message = f"Stopped {where}; resume to continue from there."
        if self.folder is None:
            message = "Stopped while the images were being prepared; no run was made."
        return ev.Stopped(
            run_dir=self.folder.path if self.folder else None,
            epochs_completed=done,
            message=message,
        )

    def _failed(self, error: Exception) -> ev.Failed:
        details = "".join(traceback.format_exception_only(type(error), error)).strip()
        out_of_memory = backend.is_out_of_memory(error)
        if out_of_memory:
            message = _out_of_memory_message(self.config)
        elif isinstance(error, ValueError) and not self._training:
            message = str(error)  # ours or the data layer's: written for the user
        else:
            first_line = details.splitlines()[0] if details else type(error).__name__
            message = "Training failed: " + _shorten(first_line)
        # Free what the failed run holds (device memory above all) for the next run.
        keras.backend.clear_session()
        gc.collect()
        resumable = self.folder is not None and self.folder.can_resume()
        return ev.Failed(
            run_dir=self.folder.path if self.folder else None,
            message=message,
            details=traceback.format_exc(),
            out_of_memory=out_of_memory,
            resumable=resumable,
        )


# ---------------------------------------------------------------------------- helpers


class _Listener:
    """Sends events to the caller's callback and log messages to train.log too. An error
    in the caller's callback is not the run's: it is reported once and then ignored."""

    def __init__(self, callback, folder: Callable[[], RunFolder | None]):
        self.callback = callback
        self.folder = folder
        self.broken = False
        self._unwritten: list[ev.LogMessage] = []  # said before the run folder was made

    def emit(self, event: ev.Event) -> None:
        if isinstance(event, ev.LogMessage):
            self._unwritten.append(event)
            if self.folder() is not None:
                for message in self._unwritten:
                    self.folder().log(message.text, message.level)
                self._unwritten.clear()
        if self.callback is None or self.broken:
            return
        try:
            self.callback(event)
        except (StopRequested, Cancelled):
            raise
        except Exception:  # a listener's bug must not kill the run
            self.broken = True
            if self.folder() is not None:
                self.folder().log("The event listener failed:\n" + traceback.format_exc(), "error")

    def log(self, text: str, level: str = "info") -> None:
        self.emit(ev.LogMessage(text, level))


def _safe_state(folder: RunFolder):
    try:
        return folder.resume_state()
    except ValueError:
        return None


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _out_of_memory_message(config: TrainConfig) -> str:
    smaller = max(1, config.batch_size // 2)
    return (
        f"Out of memory with batch size {config.batch_size} "
        f"({backend.describe_device()}). Try a smaller batch size, e.g. --batch-size "
        f"{smaller} (or --set batch_size={smaller}), or a smaller image size."
    )


def _early_stop_message(callback, config: TrainConfig) -> str:
    if callback is None or not callback.stopped_epoch:
        return ""
    return (
        f"Early stopping: {callback.monitor} did not improve for {config.early_stopping} "
        f"epoch(s)."
    )


def _write_outcome(folder: RunFolder, outcome: ev.Event) -> None:
    state = {
        ev.Finished: "finished",
        ev.Stopped: "stopped",
        ev.Failed: "failed",
    }[type(outcome)]
    fields = {"epochs_completed": getattr(outcome, "epochs_completed", None)}
    if isinstance(outcome, ev.Finished):
        fields.update(best_epoch=outcome.best_epoch, best_val_accuracy=outcome.best_val_accuracy)
    try:
        folder.write_status(state, outcome.message, **fields)
        folder.log(outcome.message, "error" if state == "failed" else "info")
        if isinstance(outcome, ev.Failed):
            folder.log(outcome.details, "error")
    except OSError:
        pass
