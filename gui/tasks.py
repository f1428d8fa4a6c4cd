"""The app's background jobs and the plain data they return. No Qt in this module.

Each job is a function `job(*args, context)` run by a :class:`gui.workers.Worker`;
`context` reports progress and carries the cancel request (see gui/workers.py). Keras,
netlib and numpy are imported inside the jobs, in the worker thread, never at import
time: this module is imported before the window's first paint.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# -- Keras and the registry ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """What the status bar shows once Keras has loaded, and the registry's contents."""

    keras_version: str
    backend: str
    device: str
    models: tuple[str, ...]
    families: tuple[str, ...]
    seconds: float

    def describe(self) -> str:
        return f"Keras {self.keras_version} · {self.backend} backend · {self.device}"


def load_backend(context) -> BackendInfo:
    """Import Keras and every architecture module (seconds), then list the registry."""
    start = time.perf_counter()
    from netlib.backend import describe_device, import_keras_quietly

    keras = import_keras_quietly()
    import netlib

    models = tuple(netlib.list_models())
    families = tuple(netlib.list_families())
    return BackendInfo(
        keras_version=keras.__version__,
        backend=keras.backend.backend(),
        device=describe_device(),
        models=models,
        families=families,
        seconds=time.perf_counter() - start,
    )


# -- One network's layer table ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """A network and the arguments it is built with: what the layer table shows."""

    model: str
    input_size: int
    classes: int
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def create(
        cls, model: str, input_size: int, classes: int, options: Mapping[str, Any]
    ) -> ModelConfig:
        return cls(model, int(input_size), int(classes), tuple(sorted(options.items())))

    @property
    def option_dict(self) -> dict[str, Any]:
        return dict(self.options)

    def label(self, defaults: Mapping[str, Any] | None = None) -> str:
        """`resnet50`, or `googlenet (naive=True)`: the options that differ from `defaults`."""
        changed = [
            f"{key}={value!r}"
            for key, value in self.options
            if defaults is None or defaults.get(key) != value
        ]
        return f"{self.model} ({', '.join(changed)})" if changed else self.model


@dataclasses.dataclass(frozen=True)
class ModelSummary:
    """A network's layer table (netlib.inspect.Summary), what it was built from, and
    how long it took (`cached`: read from the disk cache rather than built)."""

    config: ModelConfig
    summary: Any
    seconds: float
    cached: bool


def summarize_model(config: ModelConfig, context) -> ModelSummary:
    """The layer table of `config`: from the disk cache when this configuration was
    tabulated before (by this version of the code), else built with netlib.build and
    tabulated with netlib.summarize (seconds for the large networks)."""
    from netlib.inspect.store import summarize_config, stored_summary

    context.check()
    start = time.perf_counter()
    arguments = dict(input_size=config.input_size, classes=config.classes,
                     options=config.option_dict)
    summary = stored_summary(config.model, **arguments)
    cached = summary is not None
    if not cached:
        summary = summarize_config(config.model, **arguments)
    return ModelSummary(config=config, summary=summary,
                        seconds=time.perf_counter() - start, cached=cached)


# -- The published figure for a configuration ------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReferenceCheck:
    """A configuration's parameter count (and MACs) against its published figures."""

    counted: int
    trainable_only: bool
    reference: Any  # netlib.registry.Reference, or None when none applies
    macs: int = 0

    @property
    def matches(self) -> bool | None:
        """Parameters equal and, where the source gives MACs, MACs within its tolerance."""
        if self.reference is None:
            return None
        return self.counted == self.reference.params and self.macs_match is not False

    @property
    def macs_match(self) -> bool | None:
        if self.reference is None or not self.reference.macs:
            return None
        published = self.reference.macs
        return abs(self.macs - published) <= self.reference.macs_tolerance * published

    def describe(self) -> str:
        """"25,557,032 trainable parameters - torchvision resnet50: 25,557,032, matches." and,
        where the source gives MACs, a second sentence on them."""
        kind = "trainable parameters" if self.trainable_only else "parameters"
        counted = f"{self.counted:,} {kind}"
        if self.reference is None:
            return f"{counted} - no published figure for this configuration."
        published = f"{self.reference.source}: {self.reference.params:,}"
        difference = self.counted - self.reference.params
        verdict = "matches" if difference == 0 else f"differs by {difference:+,}"
        text = f"{counted} - {published}, {verdict}."
        if self.macs_match is not None:
            source = self.reference.macs_source or self.reference.source
            relative = (self.macs - self.reference.macs) / self.reference.macs
            offset = f"{relative:+.1%}" if abs(relative) >= 0.0005 else "0.0%"
            within = "within" if self.macs_match else "outside"
            text += (
                f" {self.macs:,} MACs - {source}: {self.reference.macs:,.0f}, "
                f"{offset} ({within} its ±{self.reference.macs_tolerance:.0%})."
            )
        return text


def check_reference(info, config: ModelConfig, totals) -> ReferenceCheck:
    """Compare with the registry's Reference whose options, classes and input size are
    those of `config` (an unset input size in a Reference is the paper's own)."""
    reference = info.reference_for(config.option_dict, config.classes, config.input_size)
    if reference is not None:
        return ReferenceCheck(
            _count(totals, reference.trainable_only),
            reference.trainable_only,
            reference,
            int(totals.macs),
        )
    trainable_only = bool(info.references) and all(r.trainable_only for r in info.references)
    return ReferenceCheck(_count(totals, trainable_only), trainable_only, None, int(totals.macs))


def _count(totals, trainable_only: bool) -> int:
    return int(totals.trainable_params if trainable_only else totals.params)


# -- Datasets ---------------------------------------------------------------------------

DIGITS = "digits"  # the source name of the bundled sample


def dataset_folder(source: str | Path) -> Path:
    """The folder of a dataset source: the bundled digits, or a folder of the user's."""
    if source == DIGITS:
        from netlib.data import digits_folder

        return Path(digits_folder())
    return Path(source)


def scan_dataset(source: str | Path, context):
    """Job: netlib.data.scan of the source's folder (a DatasetIndex), with progress."""
    from netlib import data

    # A cancelled scan raises netlib.cancel.Cancelled; the worker reports it as cancelled.
    return data.scan(
        dataset_folder(source), progress=context.progress_reporter(), cancel=context.cancelled
    )


@dataclasses.dataclass(frozen=True)
class ScannedDataset:
    """A scan whose decode built (or found) the image cache: the index, the cache (an
    ImageCache, or None when it would not fit on the disk) and its CacheResult."""

    index: Any
    cache: Any
    result: CacheResult | None


def scan_dataset_into_cache(source: str | Path, settings: Mapping[str, Any], context) -> ScannedDataset:
    """Job: netlib.data.scan_into_cache of the source's folder with the cache `settings`
    (image_size, color_mode, resize): each image decoded once, into the cache a run with
    these settings uses; where that cache would not fit on the disk, a plain scan.
    A relabel a crash cut short is completed or rolled back first."""
    from netlib import data

    folder = dataset_folder(source)
    if folder.is_dir():
        data.Journal.open(folder)
    start = time.perf_counter()
    report = context.progress_reporter()
    try:
        index, cache = data.scan_into_cache(
            folder, **settings, progress=lambda stage, done, total: report(done, total),
            cancel=context.cancelled,
        )
    except data.CacheTooLarge:
        return ScannedDataset(data.scan(folder, progress=report, cancel=context.cancelled), None, None)
    return ScannedDataset(index, cache, _cache_result(cache, time.perf_counter() - start))


@dataclasses.dataclass(frozen=True)
class SplitCounts:
    """Images in each part of a split, and the settings that made it; `per_class`:
    {part: {class: images}}; `parts`: the netlib.data.Split itself."""

    train: int
    validation: int
    test: int
    settings: tuple[float, float, int]
    per_class: Mapping[str, Mapping[str, int]] = dataclasses.field(default_factory=dict)
    parts: Any = None


def split_counts(index, validation: float, test: float, seed: int, context) -> SplitCounts:
    """Job: netlib.data.split of `index`, counted."""
    from netlib import data

    parts = data.split(index, validation=validation, test=test, seed=seed)
    per_class = {}
    for name in ("train", "validation", "test"):
        counts = dict.fromkeys(index.classes, 0)
        for sample in getattr(parts, name):
            counts[index.classes[sample.label]] += 1
        per_class[name] = counts
    return SplitCounts(
        len(parts.train), len(parts.validation), len(parts.test), (validation, test, seed),
        per_class, parts,
    )


@dataclasses.dataclass(frozen=True)
class CacheResult:
    """What building (or reopening) an image cache gave."""

    images: int
    shape: tuple[int, ...]
    file: Path
    file_bytes: int
    reused: bool
    skipped: list
    seconds: float


def build_image_cache(
    samples, image_size: int, color_mode: str, resize: str, context
) -> CacheResult:
    """Job: netlib.data.build_cache of `samples`, with progress and cancel."""
    from netlib import data

    start = time.perf_counter()
    cache = data.build_cache(
        samples,
        image_size=image_size,
        color_mode=color_mode,
        resize=resize,
        progress=context.progress_reporter(),
        cancel=context.cancelled,
    )
    return _cache_result(cache, time.perf_counter() - start)


def _cache_result(cache, seconds: float) -> CacheResult:
    file = Path(cache.file)
    return CacheResult(
        images=len(cache),
        shape=tuple(cache.images.shape),
        file=file,
        file_bytes=file.stat().st_size if file.exists() else 0,
        reused=cache.reused,
        skipped=list(cache.skipped),
        seconds=seconds,
    )

