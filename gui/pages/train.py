"""The Train page: the network to train, the dataset and the run's settings; Start,
Stop, Resume; progress, throughput, the device, live curves and the run's log.

The network is chosen here (the Architectures page's "Train this network" comes here
too); the dataset and its split are the app's (gui.state), shown and changed on the
Dataset page as well. The run is a netlib.train Trainer, made on the GUI thread (a bad
setting is refused at once) and fitted in a worker (gui.training). Its batches only
update numbers; what they change on screen is drawn every DISPLAY_INTERVAL_MS.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.pages.base import Page
from gui.settings import read_json, read_str, write_json
from gui.state import DEFAULT_NETWORK, SPLIT_DEFAULTS, normalize_source
from gui.tasks import DIGITS, BackendInfo, dataset_folder
from gui.training import TrainingSession
from gui.widgets.message_line import MessageLine
from gui.widgets.run_log import RunLog
from gui.widgets.run_progress import RunProgressView
from gui.widgets.train_settings import TrainSettingsPanel
from gui.workers import describe_error
from netlib.runs import RunFolder

DEFAULT_MODEL = DEFAULT_NETWORK
#: How often what the latest batches changed is drawn (curves, bar, figures).
DISPLAY_INTERVAL_MS = 500
#: Epochs of the run `--screenshot` trains on the digits.
SCREENSHOT_EPOCHS = 10
START_TIP = "Train a new run with these settings"


class TrainPage(Page):
    key = "train"
    title = "Train"
    summary = "Train a network on a dataset: live curves, stop and resume"

    #: A run began training (its data is ready); carries the run folder (Path).
    run_started = Signal(object)
    #: A run ended; carries the last event (Finished, Stopped or Failed).
    run_ended = Signal(object)
    #: Every training event shown on the page, in order.
    event_shown = Signal(object)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.backend: BackendInfo | None = None
        self.training = TrainingSession(self.workers, self)
        self.run_dir: Path | None = None  # the run on screen
        self.resume_target: Path | None = None  # what Resume continues
        self.curves = None  # TrainingCurves, made once pyqtgraph may be imported
        self._restored_config: dict | None = None
        self._restored_recipe = ""  # the recipe the restored config was made from
        self._warnings: list[str] = []  # the run's warnings (netlib.train.diagnose, ...)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._display = QTimer(self)
        self._display.setInterval(DISPLAY_INTERVAL_MS)
        self._build_layout()
        self._connect()
        self._show_dataset()

    # -- layout -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Train")
        heading.setObjectName("pageHeading")

        self.settings = TrainSettingsPanel(self.state.network, self.workers)
        # The panel's parts, as tests and the benchmarks reach them.
        self.form = self.settings.form
        self.model_combo = self.settings.model_combo
        self.defaults_label = self.settings.defaults_label
        self.settings_message = self.settings.message
        self.start_from = self.settings.start_from
        self.find_rate_button = self.settings.find_rate_button

        self.start_button = QPushButton("▶ Start")
        self.start_button.setToolTip(START_TIP)
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
        self.progress_view = RunProgressView()
        self.progress_bar = self.progress_view.bar
        self.stats_label = self.progress_view.stats
        self.message_label = MessageLine(lines=2)
        self.warning_label = MessageLine(lines=2)  # the run's warnings, until the next run
        self.warning_label.hide()

        self.curves_box = QVBoxLayout()
        self.curves_placeholder = QLabel("The curves appear once Keras has loaded.")
        self.curves_placeholder.setObjectName("mutedText")
        self.curves_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.curves_box.addWidget(self.curves_placeholder, 1)
        curves_widget = QWidget()
        curves_widget.setLayout(self.curves_box)
        self.log = RunLog()
        self.lower_splitter = QSplitter(Qt.Orientation.Vertical)
        self.lower_splitter.setChildrenCollapsible(False)
        self.lower_splitter.addWidget(curves_widget)
        self.lower_splitter.addWidget(self.log)
        self.lower_splitter.setStretchFactor(0, 3)
        self.lower_splitter.setStretchFactor(1, 1)
        self.lower_splitter.setSizes([560, 160])  # the curves first; the log below them

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.run_label)
        right_layout.addWidget(self.progress_view)
        right_layout.addWidget(self.message_label)
        right_layout.addWidget(self.warning_label)
        right_layout.addWidget(self.lower_splitter, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.settings)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.addWidget(heading)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.settings.network_chosen.connect(self.set_model)
        self.settings.dataset_asked.connect(self.set_dataset)
        self.settings.reset_requested.connect(lambda: self.reset_to_defaults())
        self.settings.changed.connect(self._on_settings_changed)
        self.settings.find_rate_requested.connect(self.find_learning_rate)
        self.start_from.runs_dir = self.runs_dir
        self.state.runs_dir_changed.connect(
            lambda folder: setattr(self.start_from, "runs_dir", Path(folder)))
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(self.resume)
        self.training.event.connect(self._on_event)
        self.training.crashed.connect(self._on_crash)
        self.training.ended.connect(self._on_worker_ended)
        self._tick.timeout.connect(self.progress_view.tick)
        self._display.timeout.connect(self._draw)
        self.state.dataset_changed.connect(lambda _source: self._show_dataset())
        self.state.dataset_refused.connect(
            lambda source, message: self._show_message(message, error=True))
        self.state.split_changed.connect(self._on_split_changed)

    # -- Page hooks -------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        from gui.widgets.curves import TrainingCurves  # pyqtgraph: only now

        self.backend = backend
        self.device_label.setText(f"Device: {backend.device} · {backend.backend}")
        self.curves = TrainingCurves()
        self.curves_box.replaceWidget(self.curves_placeholder, self.curves)
        self.curves_placeholder.hide()

        if self.state.network not in backend.models:
            self.state.set_network(DEFAULT_MODEL)
        self.settings.set_networks(list(backend.models))
        restored = self._config_from(self._restored_config)
        if restored is not None and restored.model == self.model_name:
            self.settings.show_restored(restored, self._restored_recipe)
            self.form.set_values(self.state.split)
        else:
            self.reset_to_defaults()
        self.validate()

    def restore_settings(self, settings: QSettings) -> None:
        self._restored_config = read_json(settings, "config")
        self._restored_recipe = read_str(settings, "recipe")
        for splitter, key in ((self.splitter, "splitter"), (self.lower_splitter, "lower_splitter")):
            sizes = read_json(settings, key)
            if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
                splitter.setSizes(sizes)
        self.model_combo.setItemText(0, self.state.network)
        self._show_dataset()

    def save_settings(self, settings: QSettings) -> None:
        config = self.settings.config(quiet=True)
        if config is not None:
            write_json(settings, "config", config.to_dict())
            settings.setValue("recipe", self.settings.recipe)
        write_json(settings, "splitter", self.splitter.sizes())
        write_json(settings, "lower_splitter", self.lower_splitter.sizes())

    def screenshot_plan(self):
        if self.run_dir is not None:  # a run is on screen already: picture it
            return [(self.key, lambda: None)]
        return [(None, self.start_screenshot_run), (self.key, lambda: None)]

    def is_idle(self) -> bool:
        return not self.is_training() and super().is_idle()

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
        self._display.stop()
        self.training.stop()
        super().shutdown()

    # -- what the page shows of the app's state -------------------------------------------------

    @property
    def model_name(self) -> str:
        return self.state.network

    @property
    def dataset_source(self) -> str:
        return self.state.dataset

    @property
    def runs_dir(self) -> Path:
        return self.state.runs_dir

    @property
    def trainer(self):
        return self.training.trainer

    def is_training(self) -> bool:
        return self.training.is_running()

    # -- public -------------------------------------------------------------------------------

    def set_model(self, name: str, changes: dict | None = None) -> bool:
        """Train `name` with its family's defaults, and `changes` to them (the options
        and image size chosen on the Architectures page); False during a run."""
        if self.is_training():
            self._show_message(f"A run is in progress: {name} can be chosen once it ends.",
                               error=True)
            return False
        if self.backend and name not in self.backend.models:
            return False
        self._select_model(name)
        self.reset_to_defaults(changes)
        return True

    def set_dataset(self, source: str) -> None:
        """Train on `source` (DIGITS or a folder of class sub-folders) once it has been
        scanned: it becomes every page's dataset; a folder that fails to scan is
        reported and changes nothing."""
        if normalize_source(source) != self.dataset_source:
            self.state.request_dataset(source)

    def reset_to_defaults(self, changes: dict | None = None) -> None:
        """Fill the form with the network's family defaults (netlib.train) and `changes`,
        the app's split kept."""
        refused = self.settings.reset_to_defaults(changes, keep=self.state.split)
        if refused:
            self._show_message(refused, error=True)
        self.validate()

    def start(self) -> bool:
        """Start a new run with the form's settings; False (and the reason shown) when
        a setting is refused or a run is in progress."""
        if self.is_training():
            return False
        from netlib.train import Trainer

        config = self.settings.config()
        if config is None:
            return False
        notices = list(self.settings.notices)
        self._launch(Trainer(config, runs_dir=self.runs_dir), f"Starting {config.model}…")
        for notice in notices:
            self.log.add(f"note: {notice}", "warning")
        return True

    def find_learning_rate(self):
        """Open the learning-rate finder on the form's settings; its "Use this rate"
        fills in the form's rate. Returns the dialog (None when a setting is refused)."""
        from gui.widgets.lr_finder import LrFinderDialog

        config = self.settings.config()
        if config is None or self.is_training():
            return None
        dialog = LrFinderDialog(config, self.workers, self)
        dialog.rate_chosen.connect(lambda rate: self.form.set_values({"learning_rate": rate}))
        dialog.open()
        return dialog

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
        self._select_model(config.model)
        self.settings.set_config(config)
        self.set_dataset(_source_of(config.dataset))
        status = folder.status()
        done = status.get("epochs_completed") or 0
        self.run_label.setText(f"Run {folder.path}")
        self._show_message(
            f"{folder.path.name}: {status.get('state', 'unknown')} after {done} of "
            f"{config.epochs} epochs. Resume continues from epoch {done + 1} with the run's "
            f"own settings (raise Epochs to train longer)."
        )
        if self.curves is not None:
            self.curves.set_history(folder.metrics(), epochs=config.epochs)
            self._mark_unfrozen(config)
        self._set_running(False)

    def stop(self) -> None:
        """Ask the run to stop at the end of the current batch."""
        if self.training.stop():
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

    # -- the run --------------------------------------------------------------------------------

    def _launch(self, trainer, message: str, resuming: bool = False) -> None:
        self.resume_target = None
        if self.curves is not None and not resuming:
            self.curves.reset()
        self.log.clear()
        self._warnings = []
        self.warning_label.hide()
        self.progress_view.preparing_data()
        self._show_message(message)
        self.training.start(trainer)
        self._set_running(True)

    def _on_event(self, event) -> None:
        from netlib.train import events as ev

        handlers = {
            ev.Preparing: self.progress_view.preparing,
            ev.LogMessage: self._on_log,
            ev.RunStarted: self._on_run_started,
            ev.PhaseStarted: self._on_phase,
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

    def _on_log(self, event) -> None:
        self.log.add(event.text, event.level)
        if event.level == "warning":  # seen beyond the log: a diagnosis, skipped files
            self._warnings.append(event.text)
            more = f" ({len(self._warnings)} warnings: see the log)" if len(self._warnings) > 1 else ""
            self.warning_label.show_text(f"⚠ {event.text}{more}", "warning")
            self.warning_label.show()

    def _on_run_started(self, event) -> None:
        self.run_dir = Path(event.run_dir)
        precision = " · mixed precision" if event.mixed_precision else ""
        replicas = f" · {event.replicas} replicas" if event.replicas > 1 else ""
        self.device_label.setText(f"Device: {event.device} · {event.backend}{precision}{replicas}")
        self.run_label.setText(
            f"Run {event.run_dir} · {event.model} · {len(event.classes)} classes · "
            f"{event.train_images:,} training / {event.validation_images:,} validation images"
        )
        if self.curves is not None:
            if event.initial_epoch:
                done = event.initial_epoch
                rows = [r for r in RunFolder(event.run_dir).metrics() if r["epoch"] <= done]
                self.curves.set_history(rows)
            self.curves.set_epochs(event.epochs)
        self.progress_view.started(event)
        self._tick.start()
        self._display.start()
        self._show_message(f"Training {event.model} on {event.device}.")
        self.state.start_run(self.run_dir)
        self.run_started.emit(self.run_dir)

    def _on_phase(self, event) -> None:
        if event.phase == "fine-tuning" and event.epoch > 1 and self.curves is not None:
            self.curves.mark_unfrozen(event.epoch - 1)

    def _mark_unfrozen(self, config) -> None:
        from netlib.train.fine_tuning import unfreeze_epoch

        epoch = unfreeze_epoch(config)
        if epoch is not None:
            self.curves.mark_unfrozen(epoch)

    def _on_batch(self, event) -> None:
        self.progress_view.batch(event)
        if self.curves is not None:
            self.curves.add_batch(event.epoch, event.step, event.steps, event.loss,
                                  event.accuracy, event.top5)

    def _draw(self) -> None:
        """What the batches since the last call changed, drawn (DISPLAY_INTERVAL_MS)."""
        self.progress_view.refresh()
        if self.curves is not None:
            self.curves.refresh()

    def _on_epoch(self, event) -> None:
        from netlib.train.progress import epoch_line

        if self.curves is not None:
            self.curves.add_epoch(dataclasses.asdict(event))
        self.log.add(epoch_line(event))

    def _on_outcome(self, event) -> None:
        from netlib.train import Failed, Stopped

        self._tick.stop()
        self._display.stop()
        self._draw()
        self.progress_view.ended(event)
        if isinstance(event, Stopped):
            self.resume_target = Path(event.run_dir) if event.run_dir else None
        if isinstance(event, Failed):
            if event.resumable and event.run_dir:
                self.resume_target = Path(event.run_dir)
            self.log.add(event.details.strip().splitlines()[-1], "error")
        self._show_message(event.message, error=isinstance(event, Failed))
        self.log.add(event.message, "error" if isinstance(event, Failed) else "info")
        self.state.end_run(event)
        self.run_ended.emit(event)

    def _on_crash(self, error: Exception) -> None:
        # fit reports what goes wrong in a run as a Failed event; this is anything else.
        self._show_message(f"Training stopped with an error: {describe_error(error)}", error=True)
        self.log.add(getattr(error, "formatted_traceback", str(error)), "error")

    def _on_worker_ended(self) -> None:
        self._tick.stop()
        self._display.stop()
        self.progress_view.idle()
        self._set_running(False)

    # -- the settings ---------------------------------------------------------------------------

    def validate(self) -> None:
        """Check the form (the reason shown when a value is refused), and announce the
        image cache a run would use."""
        config = self.settings.validate()
        if config is not None:
            height, _, _ = config.input_shape()
            self.state.set_cache({"image_size": height,
                                  "color_mode": config.resolved_color_mode(),
                                  "resize": config.resize})
            self.state.set_augment(config.augment)
        self._set_running(self.is_training())

    def _on_settings_changed(self) -> None:
        values = self.form.read()
        self.state.set_split({key: values[key] for key in SPLIT_DEFAULTS})
        self.validate()

    def _on_split_changed(self, split: dict) -> None:
        if not self.is_training():
            self.form.set_values(split)

    def _set_running(self, running: bool) -> None:
        blocked = "A run is in progress: stop it first." if running else self.settings.refusal()
        self.start_button.setEnabled(not blocked)
        self.start_button.setToolTip(blocked or START_TIP)
        self.stop_button.setEnabled(running)
        self.resume_button.setEnabled(not running and self.resume_target is not None)
        self.resume_button.setToolTip(
            f"Continue {self.resume_target.name} from its last completed epoch"
            if self.resume_target else "Nothing to resume: stop a run, or pick one on the Runs page"
        )
        self.settings.set_editable(not running)

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

    def _select_model(self, name: str) -> None:
        self.state.set_network(name)
        self.settings.show_network(name)

    # -- the dataset ----------------------------------------------------------------------------

    def _dataset_path(self) -> str:
        return str(dataset_folder(self.dataset_source))

    def _show_dataset(self) -> None:
        self.settings.show_dataset(self.dataset_source, self._dataset_path())
        self.validate()

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message_label.show_text(text, "error" if error else "info")
        if text:
            self.status_message.emit(text)


def _source_of(dataset: str) -> str:
    """DIGITS for the bundled digits' folder, else the folder."""
    try:
        if Path(dataset).resolve() == dataset_folder(DIGITS).resolve():
            return DIGITS
    except OSError:
        pass
    return dataset
