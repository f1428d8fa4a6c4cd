"""The Train page's "Start from": random weights, ImageNet's (with their size and whether
they are downloaded, and a Download button with a progress bar and Cancel), an earlier
run, or a weights file. It edits TrainConfig's `weights` (attached to the form)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.tasks import download_weights
from gui.widgets.download_bar import DownloadBar
from gui.workers import describe_error

__all__ = ["StartFromControl"]

SCRATCH, IMAGENET, RUN, FILE = "scratch", "imagenet", "run", "file"
WEIGHTS_FILTER = "Weights (*.h5 *.hdf5 *.keras)"


class StartFromControl(QWidget):
    """A choice of where a run's weights come from; `value()` is TrainConfig's `weights`."""

    #: The user chose another start (not emitted by `set_value`).
    changed = Signal()
    #: A download ended with its file in Keras' cache.
    downloaded = Signal(object)

    def __init__(self, workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.workers = workers
        self.runs_dir = Path("runs")
        self._value = SCRATCH
        self._model = ""
        self._file = None  # the ImageNet file the shown config needs
        self.combo = QComboBox()
        for label, kind in (("Scratch (random weights)", SCRATCH), ("ImageNet", IMAGENET),
                            ("An earlier run…", RUN), ("A weights file…", FILE)):
            self.combo.addItem(label, kind)
        # As narrow as the form's other lists (the open list shows the whole labels).
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.setToolTip("Where the run's weights come from; a pretrained start keeps "
                              "every layer that fits and trains a new classifier")
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Fetch the ImageNet weights into Keras' cache folder")
        self.download_button.hide()
        self.status = QLabel()
        self.status.setObjectName("mutedText")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_bar = DownloadBar()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.download_bar)
        self.combo.activated.connect(self._on_activated)
        self.download_button.clicked.connect(self.download)
        self.download_bar.cancel_requested.connect(self.download_bar.cancel)

    # -- the value --------------------------------------------------------------------------

    def value(self) -> str:
        return self._value

    def set_value(self, value: str) -> None:
        self._value = str(value)
        self._select(_kind(self._value))

    def set_model(self, name: str) -> None:
        """Offer ImageNet only for a network with published weights (else say so)."""
        from netlib import registry

        self._model = name
        info = registry.model_info(name)
        item = self.combo.model().item(self.combo.findData(IMAGENET))
        item.setEnabled(info.pretrained is not None)
        item.setText("ImageNet" if info.pretrained else f"ImageNet: none published for {name}")
        item.setToolTip(info.weights_note)
        if self._value == IMAGENET and info.pretrained is None:
            self.set_value(SCRATCH)

    def choose(self, kind: str, path: str | Path | None = None) -> None:
        """Start from `kind` (`path`: the run folder or file); what the menu does."""
        self._value = str(path) if kind in (RUN, FILE) else kind
        self._select(kind)
        self.changed.emit()

    def _on_activated(self, index: int) -> None:
        kind = self.combo.itemData(index)
        if kind == RUN:
            path = QFileDialog.getExistingDirectory(self, "Start from a run", str(self.runs_dir))
        elif kind == FILE:
            path, _ = QFileDialog.getOpenFileName(self, "Start from a weights file", "",
                                                  WEIGHTS_FILTER)
        else:
            path = None
        if kind in (RUN, FILE) and not path:
            self._select(_kind(self._value))  # the dialog was cancelled
            return
        self.choose(kind, path)

    def _select(self, kind: str) -> None:
        self.combo.setCurrentIndex(self.combo.findData(kind))

    # -- what it shows ------------------------------------------------------------------------

    def show_config(self, config) -> None:
        """Say what the start of `config` is: for ImageNet, the file for its options and
        size, and whether it is downloaded."""
        from netlib import registry, weights

        kind = _kind(config.weights)
        self._file, present = None, True
        if kind == IMAGENET:
            info = registry.model_info(config.model)
            self._file = info.pretrained.file_to_fine_tune(
                info.resolve_options(config.model_options), config.input_shape()[0])
            present = weights.cached(self._file) is not None
            where = "downloaded" if present else f"not downloaded yet (into {weights.cache_folder()})"
            text = (f"{info.pretrained.counterpart}'s weights, {self._file.input_size} px "
                    f"({self._file.name}): {where}.")
        elif kind == SCRATCH:
            info = registry.model_info(config.model)
            text = "Random weights." + ("" if info.pretrained else f" {info.weights_note}")
        else:
            text = f"{'The run' if kind == RUN else 'The file'} {config.weights}."
        self.status.setText(text)
        self.download_button.setVisible(kind == IMAGENET and not present
                                        and self.download_bar.isHidden())

    # -- downloading --------------------------------------------------------------------------

    def download(self) -> None:
        """Fetch the shown ImageNet file in a worker, with the bar and Cancel."""
        if self._file is None:
            return
        file = self._file
        worker = self.workers.start(
            download_weights, file,
            on_progress=self.download_bar.report,
            on_result=lambda path: self._downloaded(file, path),
            on_error=lambda error: self.status.setText(describe_error(error)),
            on_cancelled=lambda: self.status.setText("Download cancelled."),
            on_ended=self.download_bar.finish,
            name="download weights",
        )
        self.download_button.hide()
        self.download_bar.start(worker)

    def _downloaded(self, file, path) -> None:
        self.status.setText(f"Downloaded {file.name} into {Path(path).parent}.")
        self.downloaded.emit(path)


def _kind(weights: str) -> str:
    from netlib.train.config import start_kind

    return start_kind(weights) if weights else SCRATCH
