"""How numbers, shapes and sizes are written in the app. No Qt in this module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def count(value: int | float | None) -> str:
    """12,345,678 (thousands separators); an em dash for unknown."""
    if value is None:
        return "—"
    return f"{int(round(value)):,}"


def si(value: float | None, unit: str = "") -> str:
    """4.09 G, 61.7 k: three significant figures with an SI prefix."""
    if value is None:
        return "—"
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}".rstrip()
    return f"{value:.3g} {unit}".rstrip()


def size_in_bytes(value: float | None) -> str:
    """97.5 MiB: binary prefixes, as file managers show memory."""
    if value is None:
        return "—"
    for factor, prefix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= factor:
            return f"{value / factor:.1f} {prefix}"
    return f"{int(value)} B"


def shape(value: Any) -> str:
    """(None, 56, 56, 64) -> "56 × 56 × 64" (the batch axis left out); several outputs
    are joined with commas."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and value and all(
        isinstance(v, Sequence) and not isinstance(v, str) for v in value
    ):
        return ", ".join(shape(v) for v in value)
    dims = list(value)
    if dims and dims[0] is None:
        dims = dims[1:]
    return " × ".join("?" if d is None else str(d) for d in dims)


def receptive_field(value: Any, kind: str = "local", axes: Sequence[int] | None = None) -> str:
    """A receptive field in pixels, as netlib.inspect gives it: `value` (an int when the
    same along every axis), its `kind` ("local", "global", "undefined", "not spatial")
    and, for a field that differs between axes, `axes`."""
    if kind == "not spatial":
        return ""
    if kind == "undefined":
        return "—"
    if value is None and axes:
        text = " × ".join(f"{int(v):,}" for v in axes)
    elif value is None:
        return "—"
    else:
        text = f"{int(value):,}"
    return f"all ({text})" if kind == "global" else text
