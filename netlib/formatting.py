"""How ConvLab writes numbers, sizes and shapes: one convention for the command line, the
exported tables (CSV, Markdown) and the app. Plain ASCII, so that a table reads the same
in a terminal, a file and a window. Imports nothing heavy: the app uses it before Keras.

    >>> count(25557032), si(3.858e9, "MACs"), size_in_bytes(102_760_448), shape((56, 56, 64))
    ('25,557,032', '3.86 GMACs', '98.0 MiB', '56x56x64')
"""

from __future__ import annotations

from collections.abc import Sequence

MISSING = "-"  # an unknown or undefined figure
_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
_BINARY = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))


def count(value: float | None) -> str:
    """12,345,678: a whole number with thousands separators."""
    if value is None:
        return MISSING
    return f"{int(round(value)):,}"


def si(value: float | None, unit: str = "", digits: int = 3) -> str:
    """3.86 G, 61.7 k, 386 M: `digits` significant figures and an SI prefix, then `unit`
    ("3.86 GMACs"). Decimal prefixes, as the papers give MACs and FLOPs."""
    if value is None:
        return MISSING
    factor, prefix = 1.0, ""
    for scale, name in _SI:
        # Round first, so that 999,960 is "1 M", not "1e+03 k".
        if abs(float(f"{value / scale:.{digits}g}")) >= 1:
            factor, prefix = scale, name
            break
    return f"{float(f'{value / factor:.{digits}g}'):g} {prefix}{unit}".rstrip()


def size_in_bytes(value: float | None) -> str:
    """97.5 MiB: bytes with binary prefixes, as file managers show memory."""
    if value is None:
        return MISSING
    for factor, prefix in _BINARY:
        if value >= factor:
            return f"{value / factor:,.1f} {prefix}"
    return f"{int(value)} B"


def shape(dims: Sequence[int | None] | None) -> str:
    """(56, 56, 64) -> "56x56x64" (no batch axis: pass the shape without it); an unknown
    size is "?"; no shape at all is "-"."""
    if not dims:
        return MISSING
    return "x".join("?" if d is None else str(d) for d in dims)


def receptive_field(
    value: int | None, kind: str = "local", axes: Sequence[int] | None = None
) -> str:
    """A receptive field in input pixels, as netlib.inspect gives it: `value` (an int when
    the same along every axis) or `axes` (one size per axis), and its `kind`: "local",
    "global" (the field is the whole input: "global (224)"), "undefined" or "not spatial"
    (both "-")."""
    if kind in ("undefined", "not spatial"):
        return MISSING
    if value is not None:
        text = count(value)
    elif axes:
        text = shape(axes)
    else:
        return MISSING
    return f"global ({text})" if kind == "global" else text
