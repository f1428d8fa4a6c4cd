"""`lr-find`: the learning-rate finder, headless.

    python main.py lr-find FOLDER --model NAME [--weights imagenet|FILE|RUN] [--set ...]
                           [--steps 100] [--start 1e-7] [--end 10] [--format table|json]

Prints the smoothed loss against the rate on a log scale, as a text chart, and the rate it
suggests with the rule it used, ready for `train --lr`.
"""

from __future__ import annotations

import json
import math
import textwrap

from netlib.cli.train import add_setting_arguments, config_from_args, download_weights, settings_help

_BAR = 40  # characters of the longest bar
_ROWS = 16  # lines of the chart


def add_commands(commands) -> None:
    import argparse

    parser = commands.add_parser(
        "lr-find",
        help="sweep the learning rate over some batches and suggest one",
        description=textwrap.fill(
            "The learning-rate range test (Smith, 2015; fastai's lr_find): a copy of the "
            "model the run would train (its weights, preprocessing and, from pretrained "
            "weights, its frozen base) trains on some batches while the rate grows "
            "exponentially; the smoothed loss against the rate, and a suggested rate.", 88),
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_setting_arguments(parser, "the dataset folder")
    parser.add_argument("--steps", type=int, default=100, metavar="N",
                        help="batches to sweep over (default 100)")
    parser.add_argument("--start", type=float, default=1e-7, metavar="X",
                        help="the first rate (default 1e-7)")
    parser.add_argument("--end", type=float, default=10.0, metavar="X",
                        help="the last rate (default 10)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run_lr_find)


def run_lr_find(args) -> int:
    from rich.console import Console

    from netlib.train.lr_find import find_learning_rate

    notices: list[str] = []
    config = config_from_args(args, notices, command="lr-find")
    console = Console(highlight=False, soft_wrap=True, markup=False,
                      stderr=args.format == "json")
    download_weights(config, console)
    finding = find_learning_rate(config, start=args.start, end=args.end, steps=args.steps)
    if args.format == "json":
        print(json.dumps(finding.to_dict(), indent=2))
        return 0
    for line in chart(finding.rates, finding.smoothed):
        console.print(line)
    console.print(f"Suggested learning rate: {finding.suggestion:.3g} ({finding.rule}).")
    console.print(f"Train with it: python main.py train {args.folder} --model {config.model} "
                  f"--lr {finding.suggestion:.3g}"
                  + (f" --weights {config.weights}" if config.weights != "scratch" else ""))
    return 0


def chart(rates, losses) -> list[str]:
    """The smoothed loss at `_ROWS` rates spread evenly on a log scale, as bars."""
    picks = sorted({round(i * (len(rates) - 1) / (_ROWS - 1)) for i in range(_ROWS)})
    shown = [(rates[i], losses[i]) for i in picks if math.isfinite(losses[i])]
    low = min(loss for _, loss in shown)
    high = max(loss for _, loss in shown)
    lines = [f"{'rate':>9}  {'loss':>8}"]
    for rate, loss in shown:
        length = 1 + round((_BAR - 1) * (loss - low) / (high - low)) if high > low else 1
        lines.append(f"{rate:9.2e}  {loss:8.4f}  {'#' * length}")
    return lines
