"""The layer table of a model: `Row`s, `Block`s, `Totals` and the `Summary` that holds them.

Plain data (frozen dataclasses of ints, strings and tuples), so that a summary can be
cached, compared, sent to another thread, and written as JSON (here) or as CSV, Markdown
or text (`netlib.inspect.render`, which reads summaries; this module does not import it).
"""

from __future__ import annotations

import dataclasses
import json

# What each figure means, written into every export so that a number never travels
# without its convention.
CONVENTIONS = {
    "macs": "multiply-accumulates per image (one image, batch 1); bias additions not counted",
    "flops": "2 x macs",
    "activation_bytes": "per image: the sum over every row's outputs (the input included), "
    "each at its own dtype",
    "weight_bytes": "all weights, trainable and not, at their storage dtype",
    "receptive_field": "in input pixels (Araujo, Norris and Sim, Distill 2019); 'global' "
    "rows see the whole input and show its size; totals give the last layer with a "
    "spatial output",
    "jump": "effective stride: input pixels between neighbouring outputs",
    "depth": "layers with a weight matrix (convolutions, dense) on the longest path",
}


@dataclasses.dataclass(frozen=True)
class Row:
    """One call of one layer. Shapes have no batch axis.

    `receptive_field` and `jump` are ints when the same along every spatial axis, else None
    (`receptive_field_axes` then has one size per axis). `field_kind` is "local", "global"
    (the row sees the whole input; `receptive_field` is the input size), "undefined" (see
    `note` here or upstream) or "not spatial". `note` explains anything unusual.
    """

    name: str
    type: str
    block: str
    inbound: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...]
    output_shapes: tuple[tuple[int, ...], ...]
    params: int
    trainable_params: int
    macs: int
    receptive_field: int | None
    jump: int | None
    field_kind: str
    receptive_field_axes: tuple[int, ...] | None
    activation_elements: int
    activation_bytes: int
    kernel_size: tuple[int, ...] | None = None
    strides: tuple[int, ...] | None = None
    padding: str | None = None
    dilation: tuple[int, ...] | None = None
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Block:
    """Consecutive rows of one block; output shape and field are those of its last row."""

    name: str
    rows: tuple[Row, ...]
    params: int
    trainable_params: int
    macs: int
    output_shape: tuple[int, ...]
    receptive_field: int | None
    jump: int | None
    field_kind: str

    @classmethod
    def of(cls, name: str, rows: tuple[Row, ...]) -> Block:
        last = rows[-1]
        return cls(
            name=name,
            rows=rows,
            params=sum(r.params for r in rows),
            trainable_params=sum(r.trainable_params for r in rows),
            macs=sum(r.macs for r in rows),
            output_shape=last.output_shape,
            receptive_field=last.receptive_field,
            jump=last.jump,
            field_kind=last.field_kind,
        )


@dataclasses.dataclass(frozen=True)
class Totals:
    """The whole model, per image. `params` counts each weight once (shared layers too);
    `flops` = 2 x `macs`; `activation_bytes` sums every row's outputs, input included;
    `receptive_field`/`jump` are those of `receptive_field_layer`, the last layer with a
    spatial output; `depth` counts weighted layers on the longest path; `layers` counts
    rows other than inputs."""

    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    flops: int
    weight_bytes: int
    activation_elements: int
    activation_bytes: int
    receptive_field: int | None
    jump: int | None
    receptive_field_layer: str
    layers: int
    depth: int


@dataclasses.dataclass(frozen=True)
class Summary:
    """The layer table of one model: what `netlib.summarize` returns."""

    name: str
    rows: tuple[Row, ...]
    totals: Totals
    compute_dtype: str
    input_shape: tuple[int, ...]

    def blocks(self) -> list[Block]:
        """Consecutive rows grouped by their block ("" groups the unnamed rows between)."""
        groups: list[tuple[str, list[Row]]] = []
        for row in self.rows:
            if groups and groups[-1][0] == row.block:
                groups[-1][1].append(row)
            else:
                groups.append((row.block, [row]))
        return [Block.of(name, tuple(rows)) for name, rows in groups]

    def row(self, name: str) -> Row:
        """The row called `name`; KeyError naming a few rows if there is none."""
        for row in self.rows:
            if row.name == name:
                return row
        sample = ", ".join(r.name for r in self.rows[:5])
        raise KeyError(f"{self.name} has no row {name!r}; rows are e.g. {sample}, ...")

    def to_dict(self, *, blocks: bool = False) -> dict:
        """JSON-ready: "model", "input_shape", "compute_dtype", "conventions", "rows"
        (or "blocks") and "totals", with snake_case keys."""
        result = {
            "model": self.name,
            "input_shape": list(self.input_shape),
            "compute_dtype": self.compute_dtype,
            "conventions": dict(CONVENTIONS),
        }
        if blocks:
            result["blocks"] = [_block_dict(b) for b in self.blocks()]
        else:
            result["rows"] = [_jsonable(dataclasses.asdict(r)) for r in self.rows]
        result["totals"] = dataclasses.asdict(self.totals)
        return result

    def to_json(self, *, blocks: bool = False, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(blocks=blocks), indent=indent)


def _block_dict(block: Block) -> dict:
    fields = dataclasses.asdict(block)
    fields["rows"] = [r.name for r in block.rows]
    return _jsonable(fields)


def _jsonable(value):
    """Tuples to lists, recursively (json would do it; this keeps to_dict() == loads(to_json()))."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
