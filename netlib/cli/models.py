"""`list` and `summary`: the registered networks, and the layer table of one of them.

    python main.py list [FILTER] [--no-counts] [--format table|json]
    python main.py summary NAME [--input-size N] [--classes N] [--set KEY=VALUE ...]
                                [--format table|markdown|csv|json] [--blocks]

Keras is imported inside the run functions only, so that `--help` answers at once.
"""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap
from pathlib import Path

from netlib.runs import cache_root, write_json_atomic

FORMATS = ("table", "markdown", "csv", "json")
# Bump when what the counts cache stores, or how it is computed, changes.
_COUNTS_VERSION = 2  # 2: counted at the paper's class count


def add_commands(commands) -> None:
    listing = commands.add_parser(
        "list",
        help="the networks ConvLab can build, with their parameters and MACs",
        description="List the registered networks: name, family, year, parameters and "
        "multiply-accumulates (MACs) per image at the paper's input size and class count. "
        "Counting builds each network once; the counts are cached.",
    )
    listing.add_argument(
        "filter", nargs="?", default=None,
        help="a name pattern: 'resnet*', '*net_b?', or a plain substring such as 'mobile'",
    )
    listing.add_argument(
        "--no-counts", action="store_true",
        help="list names, families and years at once, without building anything",
    )
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(run=run_list)

    summary = commands.add_parser(
        "summary",
        help="the layer table of a network: shapes, parameters, MACs, receptive fields",
        description="Build a network and print its layer table: output shapes, "
        "parameters, multiply-accumulates (MACs; FLOPs = 2 x MACs), receptive field and "
        "jump (effective stride) in input pixels, with totals and the published counts.",
    )
    summary.add_argument("name", help="a model name (python main.py list shows them)")
    summary.add_argument(
        "--input-size", type=int, default=None, metavar="N",
        help="square input of N x N pixels (default: the paper's)",
    )
    summary.add_argument("--classes", type=int, default=None, metavar="N",
                         help="number of classes (default: the paper's dataset's, e.g. 10 "
                         "for LeNet-5 and the CIFAR networks, 1000 for ImageNet)")
    summary.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="options",
        help="an architecture option, e.g. --set shortcut=A (repeatable)",
    )
    summary.add_argument("--format", choices=FORMATS, default="table")
    summary.add_argument("--blocks", action="store_true",
                         help="one line per block (conv2_block1, inception_3a, ...)")
    summary.set_defaults(run=run_summary)


# ----------------------------------------------------------------------------- summary


def run_summary(args) -> int:
    import netlib
    from netlib.inspect import render
    from netlib.inspect.store import summarize_config

    info = netlib.model_info(args.name)
    options = parse_options(info, args.options)
    if args.classes is None:
        args.classes = info.paper_classes
    summary = summarize_config(args.name, input_size=args.input_size, classes=args.classes,
                               options=options)
    if args.format == "json":
        print(summary.to_json(blocks=args.blocks))
    elif args.format == "csv":
        sys.stdout.write(render.csv_text(summary, blocks=args.blocks))
    else:
        checks = reference_checks(info, summary, options, args.classes, args.input_size)
        if args.format == "markdown":
            sys.stdout.write(render.markdown_text(summary, blocks=args.blocks))
            print("\n".join(_checks_as_text(checks, markdown=True)))
        elif sys.stdout.isatty():
            _print_rich(summary, blocks=args.blocks, extra=_checks_as_text(checks))
        else:
            sys.stdout.write(render.plain_text(summary, width=100, blocks=args.blocks))
            print("\n".join(_checks_as_text(checks)))
    return 0


def parse_options(info, pairs: list[str]) -> dict:
    """`KEY=VALUE` strings to validated options; ValueError with the registry's message."""
    from netlib.registry import parse_assignments, parse_option_value

    try:
        assignments = parse_assignments(pairs, what="--set")
    except ValueError as error:
        valid = ", ".join(o.name for o in info.options) or "(none)"
        raise ValueError(f"{error} Options of {info.name}: {valid}.") from None
    return {key: parse_option_value(info, key, value) for key, value in assignments}


def reference_checks(info, summary, options: dict, classes: int, input_size) -> list[str]:
    """Our counts against the published ones for exactly this configuration, one check
    a line ([] when the registry has no figure for it)."""
    from netlib.formatting import count, si

    check = info.check_reference(summary.totals, options, classes, input_size)
    ref = check.reference
    if ref is None:
        return []
    kind = "trainable" if check.trainable_only else "total"
    verdict = "matches" if check.params_match else f"DIFFERS by {check.counted - ref.params:+,}"
    checks = [f"params {count(check.counted)} {kind}; {ref.source.rstrip('.')}: "
              f"{count(ref.params)} - {verdict}"]
    if check.macs_match is not None:
        verdict = (f"within {ref.macs_tolerance:.0%}" if check.macs_match
                   else f"OFF by {check.macs_offset:+.1%} (tolerance {ref.macs_tolerance:.0%})")
        source = ref.macs_source.rstrip(".") or "reference"
        # Four figures: the published ones have two or three, and a tolerance of a few %.
        checks.append(f"MACs {si(check.macs, digits=4)}; {source}: "
                      f"{si(ref.macs, digits=4)} - {verdict}")
    return checks


def _checks_as_text(checks: list[str], *, markdown: bool = False) -> list[str]:
    if not checks:
        line = "Published counts: none for this configuration (options, classes, input size)."
        return [f"- {line}" if markdown else line]
    if markdown:
        return ["- Published counts:", *(f"  - {check}" for check in checks)]
    lines = ["Published counts:"]
    for check in checks:  # wrapped for a 100-column terminal
        lines.extend(textwrap.wrap(check, 100, initial_indent="  ", subsequent_indent="    "))
    return lines


def _print_rich(summary, *, blocks: bool, extra: list[str]) -> None:
    """The same cells as the plain table, laid out by rich for a terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from netlib.inspect import render

    cells = render.table_cells(summary, blocks=blocks)
    table = Table(title=render.title_line(summary), header_style="bold",
                  box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for header, align in zip(cells.headers, cells.align):
        table.add_column(header, justify=align, no_wrap=align == "right",
                         overflow="fold")
    for row, marker in zip(cells.rows, cells.markers):
        first = Text(row[0])  # Text, not markup: a name may hold brackets
        if marker:
            first.append(f" {marker}", style="dim")
        table.add_row(first, *row[1:])
    console = Console(highlight=False, markup=False)
    console.print(table)
    for line in [*render.totals_lines(summary), *extra]:
        console.print(line, markup=False)
    if cells.notes:
        console.print("Notes:", style="bold")
        for note in cells.notes:
            console.print(note, markup=False)


# -------------------------------------------------------------------------------- list


def run_list(args) -> int:
    import netlib

    names = netlib.list_models(args.filter)
    if not names:
        raise ValueError(
            f"No model matches {args.filter!r}. Models: {', '.join(netlib.list_models())}."
        )
    infos = [netlib.model_info(n) for n in names]
    counts = {} if args.no_counts else model_counts(names)
    if args.format == "json":
        print(json.dumps([_list_entry(i, counts.get(i.name)) for i in infos], indent=2))
        return 0
    from netlib import formatting

    headers = ("Name", "Family", "Year", "Input", "Params", "MACs", "ImageNet")
    aligns = ("left", "left", "right", "right", "right", "right", "left")
    rows = []
    for info in infos:
        count = counts.get(info.name, {})
        rows.append([
            info.name, info.family, str(info.year), formatting.shape(info.input_shape),
            formatting.count(count.get("params")), formatting.si(count.get("macs")),
            _imagenet(info),
        ])
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, header_style="bold", pad_edge=False)
        for header, align in zip(headers, aligns):
            table.add_column(header, justify=align)
        for row in rows:
            table.add_row(*row)
        Console(highlight=False, markup=False).print(table)
    else:
        from netlib.inspect.render import columns

        print("\n".join(columns(headers, aligns, rows)))
    if counts:
        print("Params: all weights at the paper's input size and class count (10 for "
              "LeNet-5 and the CIFAR networks, else 1000); "
              "MACs: multiply-accumulates per image (FLOPs = 2 x MACs); "
              "ImageNet: weights published by keras.applications (train --weights "
              "imagenet), cached: in Keras' cache (predict imagenet:NAME works offline), "
              "-: none published.")
    return 0


def _imagenet(info) -> str:
    """"cached" where a file with the classifier is in Keras' cache, "yes" where
    keras.applications publishes weights, "-" where it has none."""
    if info.pretrained is None:
        return "-"
    from netlib.weights import cache_path

    cached = any(f.include_top and cache_path(f).is_file() for f in info.pretrained.files)
    return "cached" if cached else "yes"


def _list_entry(info, count) -> dict:
    entry = {
        "name": info.name, "family": info.family, "year": info.year,
        "paper": info.paper, "input_shape": list(info.input_shape),
        "imagenet_weights": info.weights_note if info.pretrained is not None else None,
    }
    if count:
        entry.update(count)
    return entry


def model_counts(names: list[str]) -> dict[str, dict]:
    """{name: {"params", "trainable_params", "macs"}} at each model's defaults.

    Building a network to count it takes seconds, so counts are kept in
    `<cache folder>/model_counts.json`, each under a key that changes whenever the
    builder's module, ConvLab's custom layers, netlib.inspect or Keras change.
    """
    path = counts_file()
    stored = _read_counts(path)
    fresh = {}
    for i, name in enumerate(names, 1):
        key = _count_key(name)
        entry = stored.get(name)
        if not entry or entry.get("key") != key:
            print(f"counting {name} ({i}/{len(names)}): building it once; cached in {path}",
                  file=sys.stderr, flush=True)
            entry = {"key": key, **_count(name)}
            stored[name] = fresh[name] = entry
    if fresh:
        _write_counts(path, stored)
    return {n: {k: v for k, v in stored[n].items() if k != "key"} for n in names}


def counts_file() -> Path:
    return cache_root() / "model_counts.json"


def _count(name: str) -> dict:
    """Counts from the layer table at the paper's configuration (itself cached on disk,
    where the app's Architectures page finds it)."""
    import gc

    import keras

    from netlib.inspect.store import summarize_config

    totals = summarize_config(name).totals
    keras.backend.clear_session()
    gc.collect()
    return {"params": totals.params, "trainable_params": totals.trainable_params,
            "macs": totals.macs}


def _count_key(name: str) -> str:
    import keras

    from netlib.inspect.store import source_digest

    digest = hashlib.sha256(f"{_COUNTS_VERSION} {keras.__version__} {name}".encode())
    digest.update(source_digest(name).encode())
    return digest.hexdigest()[:16]


def _read_counts(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["models"] if data.get("version") == _COUNTS_VERSION else {}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}  # missing or damaged: count again


def _write_counts(path: Path, models: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, {"version": _COUNTS_VERSION, "models": models}, indent=1)
