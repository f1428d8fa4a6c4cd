"""Jobs of the Architectures page: one network's layer table, and its published figure."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any


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


def check_reference(info, config: ModelConfig, totals):
    """`config`'s counts against the registry's figure for exactly that configuration (a
    netlib.registry.ReferenceCheck; an unset input size in a Reference is the paper's)."""
    return info.check_reference(totals, config.option_dict, config.classes, config.input_size)


def describe_check(check) -> str:
    """"25,557,032 trainable parameters - torchvision resnet50: 25,557,032, matches." and,
    where the source gives MACs, a second sentence on them."""
    from netlib.formatting import count

    kind = "trainable parameters" if check.trainable_only else "parameters"
    counted = f"{count(check.counted)} {kind}"
    reference = check.reference
    if reference is None:
        return f"{counted} - no published figure for this configuration."
    difference = check.counted - reference.params
    verdict = "matches" if difference == 0 else f"differs by {difference:+,}"
    source = reference.source.rstrip(".")  # a source written as a sentence ends with one
    text = f"{counted} - {source}: {count(reference.params)}, {verdict}."
    if check.macs_match is not None:
        source = reference.macs_source or reference.source
        offset = f"{check.macs_offset:+.1%}" if abs(check.macs_offset) >= 0.0005 else "0.0%"
        within = "within" if check.macs_match else "outside"
        text += (
            f" {count(check.macs)} MACs - {source}: {count(reference.macs)}, "
            f"{offset} ({within} its ±{reference.macs_tolerance:.0%})."
        )
    return text
