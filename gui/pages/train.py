"""The Train page: a network, a dataset and the run's hyperparameters; Start, Stop,
Resume; progress, throughput, the device, live curves and the run's log.

The run is netlib.train's Trainer, made on the GUI thread (a bad setting is refused at
once) and fitted in a worker thread. Its events travel to the GUI thread as the worker's
progress signal, thinned by :class:`EventThrottle` (at most ten progress updates a
second; epoch ends, log lines and the outcome always pass, in order). A thread suffices:
TensorFlow and JAX release the GIL while they compute, and benchmarks/gui_latency.py
measures how late the GUI's timers fire during a run. Stop asks the Trainer to stop at
the end of the current batch, which keeps the run resumable from its last epoch.
"""

from __future__ import annotations

import dataclasses
import html
import math
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.pages.base import Page
from gui.settings import read_json, read_str, write_json
from gui.tasks import DIGITS, BackendInfo, dataset_folder
from gui.widgets.train_form import TrainConfigForm
from gui.workers import Worker, describe_error
from netlib.runs import DEFAULT_RUNS_DIR, RunFolder

DEFAULT_MODEL = "lenet5"  # with the digits: curves within seconds on a CPU
#: Progress events (BatchEnd, Preparing) reach the GUI at most this often.
EVENT_INTERVAL_S = 0.1
SPLIT_KEYS = ("validation", "test", "seed")  # the settings shared with the Dataset page
#: Epochs of the run `--screenshot` trains on the digits.
SCREENSHOT_EPOCHS = 10


class EventThrottle:
    """Forwards training events to `send`, thinning the frequent ones.

    BatchEnd and Preparing are sent at most once every `interval` seconds; one that
    arrives sooner is held, and sent before the next event of any other kind (so an
    epoch's last batch always precedes its EpochEnd) or by `flush`. Every other event is
    sent at once. Called on the training thread; no Qt here.
    """

    def __init__(self, send: Callable[[object], None], interval: float = EVENT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.send = send
        self.interval = interval
        self.clock = clock
        self._last = -math.inf
        self._pending = None

    def __call__(self, event) -> None:
        from netlib.train import BatchEnd, Preparing

        if isinstance(event, (BatchEnd, Preparing)):
            now = self.clock()
            if now - self._last >= self.interval:
                self._last = now
                self._pending = None
                self.send(event)
            else:
                self._pending = event
            return
        self.flush()
        self.send(event)

    def flush(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.send(pending)


def fit_in_worker(trainer, context):
    """Job: `trainer.fit`, its events sent to the GUI as progress (thinned)."""
    throttle = EventThrottle(context.report)
    outcome = trainer.fit(events=throttle)
    throttle.flush()
    return outcome


class TrainPage(Page):
    key = "train"
    title = "Train"
    summary = "Train a network on a dataset: live curves, stop and resume"

    #: A run began training (its data is ready); carries the run folder (Path).
    #: The form's split changed: {"validation", "test", "seed"} (the Dataset page follows).
    split_settings_changed = Signal(dict)
    #: The image cache a run would use: {"image_size", "color_mode", "resize"}, resolved
    #: (the network's input size and channels where the form says "network's").
    cache_settings_changed = Signal(dict)
    run_started = Signal(object)
    #: A run ended; carries the last event (Finished, Stopped or Failed).
    run_ended = Signal(object)
    #: Every training event shown on the page, in order (after thinning).
    event_shown = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.backend: BackendInfo | None = None
        self.model_name = DEFAULT_MODEL
        self._split: dict = {}  # the Dataset page's split, kept across network changes
        self.dataset_source: str = DIGITS  # DIGITS or a folder path
        self.runs_dir = Path(DEFAULT_RUNS_DIR)
        self.trainer = None
        self.run_dir: Path | None = None  # the run on screen
        self.resume_target: Path | None = None  # what Resume continues
        self.curves = None  # TrainingCurves, made once pyqtgraph may be imported
        self._worker: Worker | None = None
        self._restored_config: dict | None = None
        self._started = None  # the RunStarted event of the run on screen
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_elapsed)
        self._last_batch = None
        self._build_layout()
        self._set_running(False)

    # -- layout -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Train")
        heading.setObjectName("pageHeading")

        self.model_combo = QComboBox()
        self.model_combo.setToolTip("The network to train (the Architectures page describes each)")
        self.model_combo.addItem(DEFAULT_MODEL)
        self.defaults_label = QLabel()
        self.defaults_label.setObjectName("mutedText")
        self.defaults_label.setWordWrap(True)
        self.dataset_label = QLabel()
        self.dataset_label.setWordWrap(True)
        self.dataset_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.digits_button = QPushButton("Digits")
        self.digits_button.setToolTip("The bundled UCI digits: 1,797 8×8 images in 10 classes")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip("A folder of images, one sub-folder per class")
        dataset_row = QHBoxLayout()
        dataset_row.addWidget(self.dataset_label, 1)
        dataset_row.addWidget(self.digits_button)
        dataset_row.addWidget(self.folder_button)
        top_form = QFormLayout()
        top_form.addRow("Network", self.model_combo)
        top_form.addRow(self.defaults_label)
        top_form.addRow("Dataset", dataset_row)

        self.form = TrainConfigForm()
        self.reset_button = QPushButton("Reset to the network's defaults")
        settings_box = QWidget()
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.setContentsMargins(0, 0, 8, 0)
        settings_layout.addLayout(top_form)
        settings_layout.addWidget(self.form)
        settings_layout.addWidget(self.reset_button)
        settings_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(settings_box)
        scroll.setMinimumWidth(250)

        self.start_button = QPushButton("▶ Start")
        self.start_button.setToolTip("Train a new run with these settings")
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.setToolTip("Stop at the end of the current batch; the run can be resumed")
        self.resume_button = QPushButton("⟳ Resume")
        self.device_label = QLabel("Device: —")
        self.device_label.setObjectName("mutedText")
        self.device_label.setMinimumWidth(40)  # clipped rather than widening the window
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(self.device_label, 1)

        self.run_label = QLabel("No run yet: press Start.")
        self.run_label.setObjectName("mutedText")
        self.run_label.setWordWrap(True)
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("")
        self.progress_bar.setValue(0)
        self.stats_label = QLabel("")
        self.stats_label.setWordWrap(True)
        self.message_label = QLabel("")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.curves_box = QVBoxLayout()
        self.curves_placeholder = QLabel("The curves appear once Keras has loaded.")
        self.curves_placeholder.setObjectName("mutedText")
        self.curves_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.curves_box.addWidget(self.curves_placeholder, 1)
        curves_widget = QWidget()
        curves_widget.setLayout(self.curves_box)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setPlaceholderText("The run's log")
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.setChildrenCollapsible(False)
        lower.addWidget(curves_widget)
        lower.addWidget(self.log)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        lower.setSizes([560, 160])  # the curves first; the log below them
        self.lower_splitter = lower

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.run_label)
        right_layout.addWidget(self.progress_bar)
        right_layout.addWidget(self.stats_label)
        right_layout.addWidget(self.message_label)
        right_layout.addWidget(lower, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.addWidget(heading)
        layout.addWidget(self.splitter, 1)

        self.model_combo.currentTextChanged.connect(self._on_model_chosen)
        self.digits_button.clicked.connect(lambda: self.set_dataset(DIGITS))
        self.folder_button.clicked.connect(self._ask_folder)
        self.form.changed.connect(self.validate)
        self.form.changed.connect(self._announce_split)
        self.reset_button.clicked.connect(self.reset_to_defaults)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self.resume)

    # -- Page hooks -------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        from gui.widgets.curves import TrainingCurves  # pyqtgraph: only now

        self.backend = backend
        self.device_label.setText(f"Device: {backend.device} · {backend.backend}")
        self.curves = TrainingCurves()
        self.curves_box.replaceWidget(self.curves_placeholder, self.curves)
        self.curves_placeholder.hide()

        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItems(list(backend.models))
        self.model_combo.blockSignals(False)
        restored = self._config_from(self._restored_config)
        if restored is not None:
            self.model_name = restored.model
            self._select_model(restored.model)
            self.form.set_config(restored)
            self._show_defaults_source()
        else:
            if self.model_name not in backend.models:
                self.model_name = DEFAULT_MODEL
            self._select_model(self.model_name)
            self.reset_to_defaults()
        self._show_dataset()
        self.validate()

    def restore_settings(self, settings: QSettings) -> None:
        self.model_name = read_str(settings, "model", DEFAULT_MODEL) or DEFAULT_MODEL
        self.dataset_source = read_str(settings, "dataset", DIGITS) or DIGITS
        self._restored_config = read_json(settings, "config")
        for splitter, key in ((self.splitter, "splitter"), (self.lower_splitter, "lower_splitter")):
            sizes = read_json(settings, key)
            if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
                splitter.setSizes(sizes)
        self._show_dataset()

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("model", self.model_name)
        settings.setValue("dataset", self.dataset_source)
        config = self._form_config(quiet=True)
        if config is not None:
            write_json(settings, "config", config.to_dict())
        write_json(settings, "splitter", self.splitter.sizes())
        write_json(settings, "lower_splitter", self.lower_splitter.sizes())

    def screenshot_plan(self):
        if self.run_dir is not None:  # a run is on screen already: picture it
            return [(self.key, lambda: None)]
        return [(None, self.start_screenshot_run), (self.key, lambda: None)]

    def confirm_close(self) -> bool:
        """Ask before the window closes during a run (a real QMessageBox): True to go on
        (the run is then stopped, resumable), False to keep the window open."""
        if not self.is_training():
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Training in progress")
        box.setText("A training run is in progress. Stop it and close ConvLab?")
        box.setInformativeText(
            "The run stops at the end of the current batch and can be resumed later from "
            "its last completed epoch (Runs page, or python main.py train --resume)."
        )
        stop = box.addButton("Stop and close", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.exec()
        return box.clickedButton() is stop

    def shutdown(self) -> None:
        self._tick.stop()
        if self.trainer is not None:
            self.trainer.request_stop()
        super().shutdown()

    # -- public -------------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self._worker is not None

    def set_model(self, name: str) -> None:
        """Train `name` with its family's defaults (the Architectures page calls this)."""
        if self.is_training() or (self.backend and name not in self.backend.models):
            return
        if name != self.model_name:
            self._select_model(name)

    def set_dataset(self, source: str) -> None:
        """Train on `source`: DIGITS or a folder of class sub-folders."""
        self.dataset_source = source if source == DIGITS else str(Path(source))
        self._show_dataset()
        self.validate()

    def set_runs_dir(self, folder: str | Path) -> None:
        self.runs_dir = Path(folder)

    def _announce_split(self) -> None:
        values = self.form.read()
        self.split_settings_changed.emit({key: values[key] for key in SPLIT_KEYS})

    def set_split_settings(self, values: dict) -> None:
        """Train with the split chosen on the Dataset page (kept across a change of
        network, whose defaults would otherwise replace it)."""
        self._split = {key: values[key] for key in SPLIT_KEYS if key in values}
        if self.form.fields and not self.is_training():
            self.form.set_values(self._split)

    def reset_to_defaults(self) -> None:
        """Fill the form with the network's family defaults (netlib.train), the Dataset
        page's split kept."""
        from netlib.train import TrainConfig

        try:
            config = TrainConfig.for_model(self.model_name, self._dataset_path())
        except ValueError as error:
            self.form.set_problem(error)
            return
        self.form.set_config(config)
        self.form.set_values(self._split)
        self._show_defaults_source()
        self.validate()

    def start(self) -> bool:
        """Start a new run with the form's settings; False (and the reason shown) when
        a setting is refused or a run is in progress."""
        if self.is_training():
            return False
        from netlib.train import Trainer

        config = self._form_config()
        if config is None:
            return False
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._launch(Trainer(config, runs_dir=self.runs_dir), f"Starting {config.model}…")
        return True

    def resume(self) -> bool:
        """Continue `resume_target` from its last completed epoch (its own settings; the
        Epochs field may raise its total)."""
        if self.is_training() or self.resume_target is None:
            return False
        from netlib.train import Trainer

        epochs = self.form.read().get("epochs")
        try:
            trainer = Trainer.resume(self.resume_target, epochs=epochs)
        except ValueError as error:
            self._show_message(describe_error(error), error=True)
            return False
        self._launch(trainer, f"Resuming {self.resume_target.name}…", resuming=True)
        return True

    def resume_run(self, run_dir: str | Path) -> None:
        """Show run `run_dir` (its settings and curves) ready to be resumed."""
        if self.is_training():
            self._show_message("A run is in progress; stop it before resuming another.",
                               error=True)
            return
        try:
            folder = RunFolder.open(run_dir)
            config = folder.config()
        except ValueError as error:
            self._show_message(describe_error(error), error=True)
            return
        self.run_dir = folder.path
        self.resume_target = folder.path
        self._select_model(config.model, keep_form=True)
        self.form.set_config(config)
        self.dataset_source = _source_of(config.dataset)
        self._show_dataset()
        status = folder.status()
        done = status.get("epochs_completed") or 0
        self.run_label.setText(f"Run {folder.path}")
        self._show_message(
            f"{folder.path.name}: {status.get('state', 'unknown')} after {done} of "
            f"{config.epochs} epochs. Resume continues from epoch {done + 1} with the run's "
            f"own settings (raise Epochs to train longer)."
        )
        if self.curves is not None:
            self.curves.set_history(folder.metrics())
        self._set_running(False)

    def stop(self) -> None:
        """Ask the run to stop at the end of the current batch."""
        if self.trainer is not None and self.is_training():
            self.trainer.request_stop()
            self.stop_button.setEnabled(False)
            self._show_message("Stopping at the end of this batch…")

    def start_screenshot_run(self, model_options: str = "") -> None:
        """`--screenshot`: a short LeNet-5 run on the digits, with the family's defaults
        (and `model_options`, e.g. "activation=relu")."""
        self.set_dataset(DIGITS)
        self._select_model(DEFAULT_MODEL)
        self.reset_to_defaults()
        self.form.fields["epochs"].setValue(SCREENSHOT_EPOCHS)
        self.form.fields["model_options"].setText(model_options)
        self.validate()
        if not self.start():
            raise RuntimeError(f"The screenshot run could not start: {self.form.problem()}")

    # -- running --------------------------------------------------------------------------------

    def _launch(self, trainer, message: str, resuming: bool = False) -> None:
        self.trainer = trainer
        self.resume_target = None
        self._started = None
        self._last_batch = None
        if self.curves is not None and not resuming:
            self.curves.reset()
        self.log.clear()
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat("Preparing the data…")
        self.stats_label.setText("")
        self._show_message(message)
        self._set_running(True)
        self._worker = self.workers.start(
            fit_in_worker,
            trainer,
            on_progress=self._on_event,
            on_error=self._on_crash,
            on_ended=self._on_worker_ended,
            name="train",
        )

    def _on_event(self, event) -> None:
        from netlib.train import events as ev

        handlers = {
            ev.Preparing: self._on_preparing,
            ev.LogMessage: lambda e: self._append_log(e.text, e.level),
            ev.RunStarted: self._on_run_started,
            ev.BatchEnd: self._on_batch,
            ev.EpochEnd: self._on_epoch,
            ev.Finished: self._on_outcome,
            ev.Stopped: self._on_outcome,
            ev.Failed: self._on_outcome,
        }
        handler = handlers.get(type(event))
        if handler is not None:
            handler(event)
        self.event_shown.emit(event)

    def _on_preparing(self, event) -> None:
        self.progress_bar.setRange(0, max(1, event.total))
        self.progress_bar.setValue(event.done)
        self.progress_bar.setFormat(f"{event.stage.capitalize()}: {event.done:,} / {event.total:,}")

    def _on_run_started(self, event) -> None:
        self._started = event
        self.run_dir = Path(event.run_dir)
        precision = " · mixed precision" if event.mixed_precision else ""
        replicas = f" · {event.replicas} replicas" if event.replicas > 1 else ""
        self.device_label.setText(f"Device: {event.device} · {event.backend}{precision}{replicas}")
        self.run_label.setText(
            f"Run {event.run_dir} · {event.model} · {len(event.classes)} classes · "
            f"{event.train_images:,} training / {event.validation_images:,} validation images"
        )
        if event.initial_epoch and self.curves is not None:
            done = event.initial_epoch
            rows = [r for r in RunFolder(event.run_dir).metrics() if r["epoch"] <= done]
            self.curves.set_history(rows)
        if self.curves is not None:
            self.curves.set_epochs(event.epochs)
        total = max(1, (event.epochs - event.initial_epoch) * event.steps_per_epoch)
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"Epoch {event.initial_epoch + 1} of {event.epochs}")
        self._clock.start()
        self._tick.start()
        self._show_message(f"Training {event.model} on {event.device}.")
        self.run_started.emit(self.run_dir)

    def _on_batch(self, event) -> None:
        self._last_batch = event
        if self.curves is not None:
            self.curves.add_batch(event.epoch, event.step, event.steps, event.loss,
                                  event.accuracy, event.top5)
        self.progress_bar.setValue(self._steps_done(event))
        self.progress_bar.setFormat(
            f"Epoch {event.epoch} of {event.epochs} · batch {event.step:,} of {event.steps:,}"
        )
        self._update_elapsed()

    def _on_epoch(self, event) -> None:
        if self.curves is not None:
            self.curves.add_epoch(dataclasses.asdict(event))
        mark = " (best so far)" if event.improved else ""
        self._append_log(
            f"epoch {event.epoch}/{event.epochs}: loss {event.loss:.4f}, accuracy "
            f"{event.accuracy:.2%}, validation loss {event.val_loss:.4f}, validation accuracy "
            f"{event.val_accuracy:.2%} (top-5 {event.val_top5:.2%}), learning rate "
            f"{event.learning_rate:.3g}, {event.seconds:.1f} s{mark}"
        )

    def _on_outcome(self, event) -> None:
        from netlib.train import Failed, Finished, Stopped

        self._tick.stop()
        self._update_elapsed()
        if isinstance(event, Finished):
            self.progress_bar.setValue(self.progress_bar.maximum())
            self._show_message(event.message)
        elif isinstance(event, Stopped):
            self.resume_target = Path(event.run_dir) if event.run_dir else None
            self._show_message(event.message)
        elif isinstance(event, Failed):
            if event.resumable and event.run_dir:
                self.resume_target = Path(event.run_dir)
            self._show_message(event.message, error=True)
            self._append_log(event.details.strip().splitlines()[-1], "error")
        self._append_log(event.message, "error" if isinstance(event, Failed) else "info")
        self.run_ended.emit(event)

    def _on_crash(self, error: Exception) -> None:
        # fit reports what goes wrong in a run as a Failed event; this is anything else.
        self._show_message(f"Training stopped with an error: {describe_error(error)}", error=True)
        self._append_log(getattr(error, "formatted_traceback", str(error)), "error")

    def _on_worker_ended(self) -> None:
        self._worker = None
        self.trainer = None
        self._tick.stop()
        if self.progress_bar.maximum() == 0:  # never got past preparing
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setFormat("")
        self._set_running(False)

    def _steps_done(self, batch) -> int:
        started = self._started
        if started is None:
            return 0
        return (batch.epoch - started.initial_epoch - 1) * batch.steps + batch.step

    def _update_elapsed(self) -> None:
        if self._started is None or not self._clock.isValid():
            return
        elapsed = self._clock.elapsed() / 1000
        parts = [f"elapsed {_duration(elapsed)}"]
        batch = self._last_batch
        if batch is not None:
            done = self._steps_done(batch)
            total = self.progress_bar.maximum()
            if 0 < done < total and self.is_training():
                parts.append(f"ETA {_duration(elapsed * (total - done) / done)}")
            if math.isfinite(batch.images_per_second):
                parts.append(f"{batch.images_per_second:,.0f} images/s")
            parts.append(
                f"loss {batch.loss:.4f} · accuracy {batch.accuracy:.1%} · top-5 {batch.top5:.1%}"
            )
        self.stats_label.setText(" · ".join(parts))

    # -- helpers --------------------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        ready = self.backend is not None and not self.form.problem()
        self.start_button.setEnabled(not running and ready)
        self.stop_button.setEnabled(running)
        self.resume_button.setEnabled(not running and self.resume_target is not None)
        self.resume_button.setToolTip(
            f"Continue {self.resume_target.name} from its last completed epoch"
            if self.resume_target else "Nothing to resume: stop a run, or pick one on the Runs page"
        )
        for widget in (self.model_combo, self.form, self.reset_button, self.digits_button,
                       self.folder_button):
            widget.setEnabled(not running)

    def validate(self) -> None:
        """Check the form (the reason shown when a value is refused) and announce the
        image cache a run would use."""
        config = self._form_config()
        if config is not None:
            height, _, _ = config.input_shape()
            self.cache_settings_changed.emit({"image_size": height,
                                              "color_mode": config.resolved_color_mode(),
                                              "resize": config.resize})
        self._set_running(self.is_training())

    def current_config(self):
        """The form's TrainConfig, or None while it is refused (other pages read it)."""
        return self._form_config(quiet=True)

    def _form_config(self, quiet: bool = False):
        """The form's TrainConfig, or None (with the reason shown unless `quiet`)."""
        if self.backend is None:
            return None
        try:
            config = self.form.config(self.model_name, self._dataset_path())
        except ValueError as error:
            if not quiet:
                self.form.set_problem(error)
            return None
        if not quiet:
            self.form.set_problem(None)
        return config

    def _config_from(self, values):
        from netlib.train import TrainConfig

        if not isinstance(values, dict):
            return None
        try:
            config = TrainConfig.from_dict(values)
        except (ValueError, TypeError):
            return None
        if self.backend is not None and config.model not in self.backend.models:
            return None
        return config.replace(dataset=self._dataset_path())

    def _on_model_chosen(self, name: str) -> None:
        if name and name != self.model_name and self.backend is not None:
            self.model_name = name
            self.reset_to_defaults()

    def _select_model(self, name: str, keep_form: bool = False) -> None:
        self.model_combo.blockSignals(True)
        index = self.model_combo.findText(name)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)
        changed = name != self.model_name
        self.model_name = name
        if changed and not keep_form and self.backend is not None:
            self.reset_to_defaults()
        self._show_defaults_source()

    def _show_defaults_source(self) -> None:
        from netlib.train import defaults_for

        try:
            source = defaults_for(self.model_name).source
        except ValueError:
            source = ""
        self.defaults_label.setText(f"Defaults: {source}" if source else "")

    def _dataset_path(self) -> str:
        return str(dataset_folder(self.dataset_source))

    def _show_dataset(self) -> None:
        if self.dataset_source == DIGITS:
            self.dataset_label.setText("Digits (bundled)")
            self.dataset_label.setToolTip(self._dataset_path())
        else:
            self.dataset_label.setText(self.dataset_source)
            self.dataset_label.setToolTip(self.dataset_source)

    def _ask_folder(self) -> None:
        start = "" if self.dataset_source == DIGITS else self.dataset_source
        folder = QFileDialog.getExistingDirectory(self, "Choose a dataset folder", start)
        if folder:
            self.set_dataset(folder)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setObjectName("errorText" if error else "")
        self.message_label.setStyleSheet("color: #b03030;" if error else "")
        self.message_label.setText(text)
        if text:
            self.status_message.emit(text)

    def _append_log(self, text: str, level: str = "info") -> None:
        colour = {"warning": "#a0620a", "error": "#b03030"}.get(level)
        stamp = time.strftime("%H:%M:%S")
        line = html.escape(f"{stamp}  {text}").replace("\n", "<br>")
        self.log.appendHtml(f'<span style="color:{colour}">{line}</span>' if colour else line)


def _source_of(dataset: str) -> str:
    """DIGITS for the bundled digits' folder, else the folder."""
    try:
        if Path(dataset).resolve() == dataset_folder(DIGITS).resolve():
            return DIGITS
    except OSError:
        pass
    return dataset


def _duration(seconds: float) -> str:
    seconds = round(max(0.0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
