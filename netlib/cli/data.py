"""`python main.py scan FOLDER [--duplicates]`: what a dataset folder holds, which files it
skips, how unequal its classes are, and its duplicates; and `python main.py relabel`:
move an image to another class or exclude it, through the folder's undoable journal."""

from __future__ import annotations

import argparse
import json
import sys


def add_commands(commands) -> None:
    scan = commands.add_parser(
        "scan",
        help="report the classes, image counts and skipped files of a dataset folder",
        description="Scan a dataset folder (one sub-folder per class, or train/ val/ test/ "
        "sub-folders each holding class folders) and report the classes, the images per "
        "class, and every file that would be skipped, with the reason.",
    )
    scan.add_argument("folder", help="the dataset folder")
    scan.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )
    scan.add_argument(
        "--no-verify",
        dest="verify",
        action="store_const",
        const=False,
        default="decode",
        help="check file extensions only, without opening the images",
    )
    scan.add_argument(
        "--header-only",
        dest="verify",
        action="store_const",
        const="header",
        help="open each image's header only (faster; a truncated file then passes)",
    )
    scan.add_argument(
        "--duplicates",
        action="store_true",
        help="also find exact and near-duplicate images, flagging groups that span classes "
        "(label conflicts) or the split (leakage into validation or test)",
    )
    from netlib.train.config import SETTINGS

    for key in ("validation", "test", "seed"):
        setting = SETTINGS[key]
        scan.add_argument(f"--{key}", type=setting.kind, default=setting.default,
                          metavar="N" if setting.kind is int else "F",
                          help=f"the split the leakage flags refer to: {setting.help.lower()} "
                          f"(default {setting.format(setting.default)}, as train's)")
    scan.set_defaults(run=run_scan, needs_keras=False)

    relabel = commands.add_parser(
        "relabel",
        help="move an image to another class or exclude it (undoable; no file is lost)",
        description="Move an image of a dataset folder to another class folder (--to "
        "CLASS) or into the folder's _excluded/ folder (--exclude), or undo such changes. "
        "Every change is written to the journal .convlab-journal.json in the folder before "
        "the file moves; nothing is ever deleted or overwritten, and a change interrupted "
        "by a crash is completed or rolled back the next time. Without an action: list the "
        "journal.",
    )
    relabel.add_argument("folder", help="the dataset folder")
    relabel.add_argument("image", nargs="?", help="the image (a path, or one relative to FOLDER)")
    action = relabel.add_mutually_exclusive_group()
    action.add_argument("--to", metavar="CLASS", help="move the image into this class's folder")
    action.add_argument("--exclude", action="store_true", help="move the image to _excluded/")
    action.add_argument("--undo", action="store_true", help="put back the most recent change")
    action.add_argument("--redo", action="store_true", help="make the last undone change again")
    relabel.add_argument("--all", action="store_true", help="with --undo: every change")
    relabel.set_defaults(run=run_relabel, needs_keras=False)


def run_scan(args: argparse.Namespace) -> int:
    import warnings

    from PIL import Image

    from netlib.data import scan

    # Bombs are reported as skipped files; Pillow's own warning about them would repeat it.
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
    bar = args.format == "table" and sys.stderr.isatty()
    with _ProgressBar("checking images", bar) as progress:
        index = scan(args.folder, verify=args.verify, progress=progress)
    report = index.report()
    if args.duplicates:
        with _ProgressBar("finding duplicates", bar) as progress:
            report["duplicates"] = _duplicates(index, args, progress)
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_table(report, index.predefined_split, index.samples)
    return 0


def _duplicates(index, args, progress) -> list[dict]:
    from netlib.data import find_duplicates, split

    parts = split(index, validation=args.validation, test=args.test, seed=args.seed)
    groups = find_duplicates(index, parts=parts, progress=progress)
    return [group.to_dict(index.root, index.classes) for group in groups]


class _ProgressBar:
    """A transient rich bar on stderr (`shown`), whose `progress(done, total)` the
    library calls; nothing when not shown."""

    def __init__(self, text: str, shown: bool):
        self.text, self.shown, self.bar = text, shown, None

    def __enter__(self):
        if not self.shown:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn(self.text), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        self.bar = Progress(*columns, transient=True, console=_console(stderr=True))
        self.bar.__enter__()
        task = self.bar.add_task("scan", total=None)
        return lambda done, total: self.bar.update(task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, markup=False)


def _print_table(report: dict, predefined_split: bool, samples) -> None:
    from rich.table import Table

    console = _console()
    console.print(report["root"], highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("label", justify="right")
    table.add_column("class")
    splits = ("train", "validation", "test") if predefined_split else ()
    per_split = {(s.label, s.split): 0 for s in samples}
    for sample in samples:
        per_split[sample.label, sample.split] += 1
    for split_name in splits:
        table.add_column(split_name, justify="right")
    table.add_column("images", justify="right")
    for label, name in enumerate(report["classes"]):
        cells = [str(per_split.get((label, s), 0)) for s in splits]
        table.add_row(str(label), name, *cells, str(report["counts"][name]))
    console.print(table)
    total = sum(report["counts"].values())
    console.print(f"{len(report['classes'])} classes, {total} images, {len(report['skipped'])} skipped")
    balance = report["balance"]
    ratio = "no image in the smallest" if balance["ratio"] is None else f"{balance['ratio']:.1f}"
    console.print(f"largest / smallest class: {ratio} ({balance['largest']} / {balance['smallest']})")
    if balance["warning"]:
        console.print(f"warning: {balance['warning']}", style="yellow")
    if report["skipped"]:
        skipped = Table(title="skipped files", title_justify="left", min_width=40)
        skipped.add_column("file")
        skipped.add_column("reason")
        skipped.add_column("detail", overflow="fold")
        for entry in report["skipped"]:
            skipped.add_row(entry["path"], entry["reason"], entry["detail"])
        console.print(skipped)
    if "duplicates" in report:
        _print_duplicates(console, report["duplicates"])


def _print_duplicates(console, groups: list[dict]) -> None:
    from rich.table import Table

    flagged = {flag: sum(flag in g["flags"] for g in groups) for flag in ("label conflict", "leakage")}
    console.print(
        f"{len(groups)} duplicate group(s): {sum(g['kind'] == 'exact' for g in groups)} exact, "
        f"{sum(g['kind'] == 'near' for g in groups)} near; {flagged['label conflict']} across "
        f"classes (label conflicts), {flagged['leakage']} across the split (leakage)"
    )
    if groups:
        table = Table(title="duplicates", title_justify="left")
        table.add_column("kind")
        table.add_column("flags")
        table.add_column("images (class, split)", overflow="fold")
        for group in groups:
            members = [f"{path} ({cls}, {part or '-'})" for path, cls, part
                       in zip(group["members"], group["classes"], group["splits"])]
            table.add_row(group["kind"], ", ".join(group["flags"]) or "-", "\n".join(members))
        console.print(table)


def run_relabel(args: argparse.Namespace) -> int:
    from netlib.data import Journal

    journal = Journal.open(args.folder)  # completes or rolls back a change a crash cut short
    if (args.to or args.exclude) and not args.image:
        raise ValueError("--to and --exclude need the IMAGE to change.")
    if args.image and not (args.to or args.exclude):
        raise ValueError("Say what to do with the image: --to CLASS or --exclude.")
    if args.all and not args.undo:
        raise ValueError("--all goes with --undo.")
    if args.to:
        changes = [journal.move(args.image, args.to)]
    elif args.exclude:
        changes = [journal.exclude(args.image)]
    elif args.undo:
        changes = journal.undo_all() if args.all else [c for c in [journal.undo()] if c]
        if not changes:
            print("Nothing to undo.")
    elif args.redo:
        changes = [c for c in [journal.redo()] if c]
        if not changes:
            print("Nothing to redo.")
    else:
        changes = journal.changes()
        if not changes:
            print(f"No changes journalled in {journal.root}.")
    for change in changes:
        print(change.describe())
    return 0
