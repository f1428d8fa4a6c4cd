"""Text forms of a `Summary`: a plain table, Markdown, CSV, and the cells a richer
front end (the CLI's rich table) lays out itself. Numbers follow `netlib.formatting`.

    >>> print(plain_text(netlib.summarize(model)))

This module reads summaries; netlib.inspect.summary does not import it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import textwrap

from netlib import formatting
from netlib.inspect.summary import Block, Row, Summary

# Short forms of long Keras class names, so that the text table fits 100 columns.
# Exports (JSON, CSV) keep the class names.
SHORT_TYPES = {
    "BatchNormalization": "BatchNorm",
    "LocalResponseNormalization": "LRN",
    "GlobalAveragePooling1D": "GlobalAvgPool1D",
    "GlobalAveragePooling2D": "GlobalAvgPool2D",
    "GlobalAveragePooling3D": "GlobalAvgPool3D",
    "GlobalMaxPooling1D": "GlobalMaxPool1D",
    "GlobalMaxPooling2D": "GlobalMaxPool2D",
    "GlobalMaxPooling3D": "GlobalMaxPool3D",
    "AveragePooling2D": "AvgPool2D",
    "MaxPooling2D": "MaxPool2D",
    "ZeroPadding2D": "ZeroPad2D",
    "SeparableConv2D": "SepConv2D",
    "DepthwiseConv2D": "DWConv2D",
    "Conv2DTranspose": "Conv2DTransp",
}

ROW_HEADERS = ("Layer", "Type", "Output shape", "Params", "MACs", "RF", "Jump")
BLOCK_HEADERS = ("Block", "Layers", "Output shape", "Params", "MACs", "RF", "Jump")
# Left-aligned text, right-aligned numbers.
ROW_ALIGN = ("left", "left", "right", "right", "right", "right", "right")
BLOCK_ALIGN = ("left", "right", "right", "right", "right", "right", "right")


@dataclasses.dataclass
class Cells:
    """A table as strings: headers, rows, and the notes the rows point to with [n]."""

    headers: tuple[str, ...]
    align: tuple[str, ...]  # "left" or "right" per column
    rows: list[list[str]]
    notes: list[str]  # "[1] text (rows: a, b)"
    markers: list[str]  # per row: "" or "[n]", to append to its first cell


def table_cells(summary: Summary, *, blocks: bool = False) -> Cells:
    if blocks:
        cells = [_block_cells(b) for b in summary.blocks()]
        return Cells(BLOCK_HEADERS, BLOCK_ALIGN, cells, [], [""] * len(cells))
    texts: dict[str, list[str]] = {}  # note -> rows that carry it, in order
    for row in summary.rows:
        if row.note:
            texts.setdefault(row.note, []).append(row.name)
    number = {text: i + 1 for i, text in enumerate(texts)}
    notes = [f"[{number[t]}] {t} ({_listed(names)})" for t, names in texts.items()]
    markers = [f"[{number[r.note]}]" if r.note else "" for r in summary.rows]
    return Cells(ROW_HEADERS, ROW_ALIGN, [_row_cells(r) for r in summary.rows], notes, markers)


def totals_lines(summary: Summary) -> list[str]:
    """The totals beneath the table, conventions stated."""
    t = summary.totals
    count, si, size_of = formatting.count, formatting.si, formatting.size_in_bytes
    lines = [
        f"Params: {count(t.params)} = trainable {count(t.trainable_params)} + non-trainable "
        f"{count(t.non_trainable_params)}; weights {size_of(t.weight_bytes)}",
        f"MACs per image: {count(t.macs)} ({si(t.macs)}); FLOPs = 2 x MACs = {si(t.flops)}",
        f"Activations per image: {count(t.activation_elements)} values, "
        f"{size_of(t.activation_bytes)} (sum of every layer's output, input included)",
    ]
    if t.receptive_field_layer:
        size = "not defined" if t.receptive_field is None else f"{count(t.receptive_field)} px"
        jump = count(t.jump)
        lines.append(
            f"Receptive field: {size}, jump {jump}, at {t.receptive_field_layer} "
            f"(the last layer with a spatial output)"
        )
    lines.append(f"Depth: {t.depth} weighted layers on the longest path; {t.layers} layers")
    return lines


def title_line(summary: Summary) -> str:
    return (
        f"Model: {summary.name}  input {formatting.shape(summary.input_shape)}  "
        f"compute dtype {summary.compute_dtype}"
    )


def plain_text(summary: Summary, *, width: int = 100, blocks: bool = False) -> str:
    cells = table_cells(summary, blocks=blocks)
    firsts = [_fit(r[0], 10**6, m) for r, m in zip(cells.rows, cells.markers)]
    rows = [[first, *r[1:]] for first, r in zip(firsts, cells.rows)]
    lines = [title_line(summary), ""]
    lines.extend(columns(cells.headers, cells.align, rows, width=width, markers=cells.markers))
    below = totals_lines(summary) + (["Notes:", *cells.notes] if cells.notes else [])
    for line in below:
        lines.extend(textwrap.wrap(line, width, subsequent_indent="    ") or [""])
    return "\n".join(lines) + "\n"


def columns(headers, aligns, rows, *, width: int = 100, markers=None) -> list[str]:
    """Plain-text columns: a header, a rule, the rows and a rule. The first column is
    narrowed (cut on the left, keeping any note marker) to fit `width` if it must."""
    markers = markers or [""] * len(rows)
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    others = sum(widths[1:]) + 2 * (len(widths) - 1)
    widths[0] = max(16, min(widths[0], width - others))
    rule = _plain_line(["-" * w for w in widths], widths, aligns)
    lines = [_plain_line(headers, widths, aligns), rule]
    for row, marker in zip(rows, markers):
        first = row[0]
        if len(first) > widths[0]:
            first = _fit(_strip(first, marker), widths[0], marker)
        lines.append(_plain_line([first, *row[1:]], widths, aligns))
    lines.append(rule)
    return lines


def _strip(text: str, marker: str) -> str:
    return text[: -len(marker) - 1] if marker and text.endswith(" " + marker) else text


def markdown_text(summary: Summary, *, blocks: bool = False) -> str:
    cells = table_cells(summary, blocks=blocks)
    rule = ["---" if a == "left" else "---:" for a in cells.align]
    lines = [f"**{title_line(summary)}**", "", _md_line(cells.headers), _md_line(rule)]
    for row, marker in zip(cells.rows, cells.markers):
        first = f"{row[0]} {marker}" if marker else row[0]
        lines.append(_md_line([first, *row[1:]]))
    lines.append("")
    lines.extend(f"- {line}" for line in totals_lines(summary))
    if cells.notes:
        lines.extend(["", "Notes:", ""])
        lines.extend(f"- {note}" for note in cells.notes)
    return "\n".join(lines) + "\n"


def csv_text(summary: Summary, *, blocks: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    kind = Block if blocks else Row
    names = [f.name for f in dataclasses.fields(kind)]
    writer.writerow(names)
    for item in summary.blocks() if blocks else summary.rows:
        writer.writerow(_csv_value(getattr(item, n)) for n in names)
    return out.getvalue()


def _row_cells(row: Row) -> list[str]:
    extra = f" +{len(row.output_shapes) - 1}" if len(row.output_shapes) > 1 else ""
    return [
        row.name,
        SHORT_TYPES.get(row.type, row.type),
        formatting.shape(row.output_shape) + extra,
        *_figures(row, row.receptive_field_axes),
    ]


def _block_cells(block: Block) -> list[str]:
    return [
        block.name or "-",
        str(len(block.rows)),
        formatting.shape(block.output_shape),
        *_figures(block),
    ]


def _figures(item: Row | Block, axes=None) -> list[str]:
    """Params, MACs, receptive field and jump of a row or block."""
    return [
        formatting.count(item.params),
        formatting.count(item.macs),
        formatting.receptive_field(item.receptive_field, item.field_kind, axes),
        formatting.count(item.jump),
    ]


def _fit(text: str, width: int, marker: str) -> str:
    """`text` and its note marker in `width` characters, cutting the text's left end
    (the end of a layer name tells it apart from its neighbours)."""
    tail = f" {marker}" if marker else ""
    room = width - len(tail)
    if len(text) > room:
        text = ".." + text[-(room - 2):]
    return text + tail


def _plain_line(cells, widths, aligns) -> str:
    parts = [
        c.ljust(w) if align == "left" else c.rjust(w)
        for c, w, align in zip(cells, widths, aligns)
    ]
    return "  ".join(parts).rstrip()


def _md_line(cells) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def _listed(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) for v in value):
            return " ".join(formatting.shape(v) for v in value)
        if value and all(isinstance(v, str) for v in value):
            return " ".join(value)
        if value and all(isinstance(v, Row) for v in value):
            return str(len(value))
        return formatting.shape(value) if value else ""
    return str(value)
