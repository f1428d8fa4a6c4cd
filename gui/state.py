"""What the pages share, in one small model they observe: the dataset, its split, the
image cache a run would use and the augmentation it would draw, the network to train,
the runs folder, the run being trained, and moves of a dataset's files. No widgets here: pages change it through its setters and follow its signals.

A setter that changes nothing emits nothing, so two pages showing the same value (the
split is edited on the Dataset page and in the Train form) can follow each other without
echoing. The dataset changes only to a folder that scanned: a page asks for one with
`request_dataset`, the Dataset page (which scans) answers with `set_dataset` or
`refuse_dataset`, and a folder that fails to scan changes nothing else.

    state.split_changed.connect(page.show_split)     # a page follows the split
    state.set_split({"validation": 0.3})             # and changes it
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from gui.settings import read_float, read_int, read_str
from gui.tasks import DIGITS
from netlib.runs import DEFAULT_RUNS_DIR

#: The split's settings, as TrainConfig names them, and their defaults.
SPLIT_DEFAULTS = {"validation": 0.2, "test": 0.0, "seed": 0}
DEFAULT_NETWORK = "lenet5"  # with the digits: curves within seconds on a CPU

# Where each value is kept between sessions (the keys earlier versions used).
_DATASET_KEY = "dataset/source"
_SPLIT_KEYS = {name: f"dataset/{name}" for name in SPLIT_DEFAULTS}
_NETWORK_KEY = "train/model"
_RUNS_KEY = "runs/folder"


class AppState(QObject):
    #: The dataset changed: DIGITS or a folder path (one that scanned).
    dataset_changed = Signal(str)
    #: A page asks for this dataset (DIGITS or a folder): the Dataset page scans it.
    dataset_requested = Signal(str)
    #: A requested dataset could not be used: (source, message). Nothing else changed.
    dataset_refused = Signal(str, str)
    #: The split changed: {"validation", "test", "seed"}.
    split_changed = Signal(dict)
    #: The image cache a run would use: {"image_size", "color_mode", "resize"}.
    cache_changed = Signal(dict)
    #: The augmentation a run would draw changed (a netlib.augment_spec list, or None).
    augment_changed = Signal(object)
    #: Files of a dataset folder were moved or excluded (a relabel); carries the folder.
    files_moved = Signal(str)
    #: The network to train changed (chosen on the Train page).
    network_changed = Signal(str)
    #: Where runs are made and listed changed (Path).
    runs_dir_changed = Signal(object)
    #: Run folders were added or removed (other than by run_started), e.g. deleted.
    runs_changed = Signal()
    #: A run began training; carries its folder (Path).
    run_started = Signal(object)
    #: A run ended; carries its last event (Finished, Stopped or Failed).
    run_ended = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dataset: str = DIGITS
        self.split: dict[str, Any] = dict(SPLIT_DEFAULTS)
        self.cache: dict[str, Any] = {}
        self.augment: list | None = None
        self.network: str = DEFAULT_NETWORK
        self.runs_dir = Path(DEFAULT_RUNS_DIR)
        self.runs_dir_chosen = False  # the user chose it: saved in the settings
        self.active_run: Path | None = None  # being trained now
        self.closing = False  # the window is closing: pages start no new work

    # -- settings ------------------------------------------------------------------------

    def restore(self, settings: QSettings) -> None:
        """Read the values from the top level of `settings` (signals are not emitted: the
        pages read the state when they are set up)."""
        self.dataset = read_str(settings, _DATASET_KEY, DIGITS) or DIGITS
        self.split = {
            "validation": round(read_float(settings, _SPLIT_KEYS["validation"], 0.2), 4),
            "test": round(read_float(settings, _SPLIT_KEYS["test"], 0.0), 4),
            "seed": read_int(settings, _SPLIT_KEYS["seed"], 0),
        }
        self.network = read_str(settings, _NETWORK_KEY, DEFAULT_NETWORK) or DEFAULT_NETWORK
        folder = read_str(settings, _RUNS_KEY)
        if folder:
            self.runs_dir, self.runs_dir_chosen = Path(folder), True

    def save(self, settings: QSettings) -> None:
        settings.setValue(_DATASET_KEY, self.dataset)
        for name, key in _SPLIT_KEYS.items():
            settings.setValue(key, self.split[name])
        settings.setValue(_NETWORK_KEY, self.network)
        if self.runs_dir_chosen:
            settings.setValue(_RUNS_KEY, str(self.runs_dir))

    # -- the dataset -----------------------------------------------------------------------

    def request_dataset(self, source: str | Path) -> None:
        """Ask for `source` to become the dataset once it has been scanned."""
        self.dataset_requested.emit(normalize_source(source))

    def set_dataset(self, source: str | Path) -> None:
        """`source` scanned: it is the dataset of every page now."""
        source = normalize_source(source)
        if source != self.dataset:
            self.dataset = source
            self.dataset_changed.emit(source)

    def refuse_dataset(self, source: str | Path, message: str) -> None:
        self.dataset_refused.emit(normalize_source(source), message)

    # -- the rest ----------------------------------------------------------------------------

    def set_split(self, values: dict[str, Any]) -> None:
        """Change the split's settings given in `values` (the others stay)."""
        split = {**self.split, **{k: values[k] for k in SPLIT_DEFAULTS if k in values}}
        if split != self.split:
            self.split = split
            self.split_changed.emit(dict(split))

    def set_cache(self, values: dict[str, Any]) -> None:
        if values != self.cache:
            self.cache = dict(values)
            self.cache_changed.emit(dict(values))

    def set_augment(self, spec: list | None) -> None:
        if spec != self.augment:
            self.augment = spec
            self.augment_changed.emit(spec)

    def notify_files_moved(self, folder: str | Path) -> None:
        self.files_moved.emit(str(folder))

    def set_network(self, name: str) -> None:
        if name != self.network:
            self.network = name
            self.network_changed.emit(name)

    def set_runs_dir(self, folder: str | Path) -> None:
        self.runs_dir_chosen = True
        folder = Path(folder).expanduser()
        if folder != self.runs_dir:
            self.runs_dir = folder
            self.runs_dir_changed.emit(folder)

    def notify_runs_changed(self) -> None:
        self.runs_changed.emit()

    def start_run(self, run_dir: str | Path) -> None:
        self.active_run = Path(run_dir)
        self.run_started.emit(self.active_run)

    def end_run(self, outcome) -> None:
        self.active_run = None
        self.run_ended.emit(outcome)


def normalize_source(source: str | Path) -> str:
    """A dataset source as the state keeps it: DIGITS, or the folder as an absolute path."""
    if source == DIGITS:
        return DIGITS
    return str(Path(source).expanduser().resolve())
