"""`train`, `evaluate`, `predict` and `export`: the training engine, headless.

    python main.py train FOLDER --model NAME [--epochs N] [--batch-size N] [--image-size N]
                         [--lr X] [--optimizer NAME] [--set KEY=VALUE ...] [--runs DIR]
    python main.py train FOLDER --model mobilenet_v2 --weights imagenet|FILE|RUN
                         [--freeze-epochs N]
    python main.py train --resume RUN [--epochs N]
    python main.py train FOLDER --model NAME --cluster HOST:PORT,HOST:PORT --task-index I
    python main.py evaluate RUN [--split train|validation|test|all] [--data FOLDER] [--ten-crop]
    python main.py predict MODEL_OR_RUN IMAGE... [--top 5] [--format table|json]
    python main.py predict imagenet:mobilenet_v2 cat.jpg      # ImageNet weights in Keras' cache
    python main.py export RUN --format keras|saved_model|tflite [--output PATH]

The first line `train` prints names the device and the Keras backend. Ctrl-C (or SIGTERM)
stops a run at the end of the current batch, keeping it resumable and its status.json
saying "stopped" (a second one aborts).
Keras is imported inside the run functions only, so that `--help` answers at once.
"""

from __future__ import annotations

import json
import signal
import sys
import textwrap

from netlib.runs import DEFAULT_RUNS_DIR, RunFolder

EXIT_FAILED = 1
EXIT_STOPPED = 130  # as for a process ended by Ctrl-C (128 + the signal's number)
# The signals that stop a run resumably (Windows has no SIGTERM to catch).
_STOP_SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s)


def add_commands(commands) -> None:
    _add_train(commands)
    _add_evaluate(commands)
    _add_predict(commands)
    _add_export(commands)


# ------------------------------------------------------------------------------ parsers


def _add_train(commands) -> None:
    import argparse

    parser = commands.add_parser(
        "train",
        help="train a network on a folder of class sub-folders",
        description=textwrap.fill(
            "Train a network on a folder of images, one sub-folder per class. Defaults "
            "come from the network's family recipe (--recipe: by default the one measured "
            "here on small folders); every "
            "setting of the run can be changed with --set KEY=VALUE (listed below). Each "
            "run gets a folder under --runs with its config, metrics, TensorBoard logs and "
            "models.", 88),
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_setting_arguments(parser, "the dataset folder (not with --resume)")
    parser.add_argument("--runs", default=DEFAULT_RUNS_DIR, metavar="DIR",
                        help=f"where run folders are made (default: ./{DEFAULT_RUNS_DIR})")
    parser.add_argument("--resume", metavar="RUN", help="continue a stopped run folder")
    parser.add_argument(
        "--cluster", metavar="HOST:PORT,...",
        help="train on several machines (TensorFlow backend): every worker's address, "
        "the same list on each machine",
    )
    parser.add_argument("--task-index", type=int, metavar="I",
                        help="this machine's position in --cluster (0 writes the run)")
    parser.set_defaults(run=run_train)


# The flags that set a TrainConfig field directly (the rest go through --set): field ->
# (flag, type, metavar).
_FLAGS = {
    "epochs": ("--epochs", int, "N"), "batch_size": ("--batch-size", int, "N"),
    "image_size": ("--image-size", int, "N"), "learning_rate": ("--lr", float, "X"),
    "optimizer": ("--optimizer", str, "NAME"), "weights": ("--weights", str, "SOURCE"),
    "freeze_epochs": ("--freeze-epochs", int, "N"),
}
_SETTING_FLAGS = {key: flag for key, (flag, _, _) in _FLAGS.items()}


def add_setting_arguments(parser, folder_help: str) -> None:
    """FOLDER, --model, the common settings' own flags (their help is the schema's) and
    --set: what `train` and `lr-find` share."""
    from netlib.train.config import SETTINGS

    parser.add_argument("folder", nargs="?", help=folder_help)
    parser.add_argument("--model", help="a model name (python main.py list shows them)")
    parser.add_argument(
        "--recipe", default="default", metavar="NAME",
        help="whose settings are the defaults: 'default' (measured here on small folders), "
        "'paper' (the paper's own, where the family has one) or 'pretrained' (for a start "
        "from pretrained weights, chosen by --weights)",
    )
    for key, (flag, kind, metavar) in _FLAGS.items():
        setting = SETTINGS[key]
        parser.add_argument(flag, type=kind, dest=key, metavar=metavar,
                            help=f"{setting.help} ({setting.describe_valid()}; --set {key}=...)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
        help="any training setting below, or an option of the model, e.g. --set "
        "schedule=cosine --set shortcut=A (repeatable)",
    )


def settings_help(width: int = 88) -> str:
    """Every training setting, grouped as the app's form groups them: what it takes, its
    default (before the network's family changes it) and what it is for."""
    from netlib.train.config import GROUPS, SETTINGS

    lines = ["training settings (--set KEY=VALUE; the network's family sets other defaults):"]
    for group in GROUPS:
        lines.append(f"  {group}:")
        for name, setting in SETTINGS.items():
            if setting.group == group:
                text = textwrap.fill(setting.summary(), width, initial_indent=" " * 6,
                                     subsequent_indent=" " * 6)
                lines += [f"    {name}", text]
    return "\n".join(lines)


def _add_evaluate(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="accuracy, confusion matrix and mistakes of a trained run",
        description="Evaluate a run's best model on its validation images (or another part "
        "of its split, or all of them, or --data FOLDER): top-1, top-5 and balanced "
        "accuracy, macro F1, per-class precision and recall, the confusion matrix and the "
        "most confused pairs, every misclassified image, and each part's images with the "
        "highest loss (label errors hide among the training images), saved to "
        "evaluation.json.",
    )
    parser.add_argument("run_dir", metavar="RUN", help="a run folder")
    parser.add_argument("--split", choices=("train", "validation", "test", "all"),
                        default="validation",
                        help="the part(s) of the run's split to evaluate (default validation)")
    parser.add_argument("--data", metavar="FOLDER", help="evaluate on this folder instead")
    parser.add_argument("--ten-crop", action="store_true",
                        help="average over ten crops per image (AlexNet's test)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run_evaluate)


def _add_predict(commands) -> None:
    parser = commands.add_parser(
        "predict",
        help="top-k classes of images, with a run's or a .keras file's model",
        description="Classify images with a trained model: a run folder or a .keras "
        "file (loaded in safe mode). A file that cannot be read gets an error line.",
    )
    parser.add_argument("model", metavar="MODEL_OR_RUN",
                        help="a run folder, a .keras file, or imagenet:NAME[,OPTION=VALUE,...]"
                        "[,size=N] for a network whose ImageNet weights are in Keras' cache "
                        "(python main.py list marks them 'cached')")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--top", type=int, default=5, metavar="K")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run_predict)


def _add_export(commands) -> None:
    parser = commands.add_parser(
        "export",
        help="save a run's model as .keras, SavedModel or TFLite",
        description="Export a run's best model: it takes raw pixels (0-255) and returns "
        "class probabilities; the class names go with it.",
    )
    parser.add_argument("run_dir", metavar="RUN", help="a run folder")
    parser.add_argument("--format", choices=("keras", "saved_model", "tflite"), default="keras")
    parser.add_argument("--output", metavar="PATH", help="default: RUN/export/<model>.<ext>")
    parser.set_defaults(run=run_export)


# -------------------------------------------------------------------------------- train


def config_from_args(args, notices: list[str], command: str = "train"):
    """The TrainConfig the command line describes (the family's defaults, the flags,
    then --set in order)."""
    from netlib.train import TrainConfig

    if not args.folder or not args.model:
        raise ValueError(f"{command} needs a dataset FOLDER and --model NAME"
                         + (" (or --resume RUN)." if command == "train" else "."))
    flags = {key: getattr(args, key) for key in _SETTING_FLAGS}
    config = TrainConfig.for_model(
        args.model, args.folder, recipe=args.recipe, notices=notices,
        **{k: v for k, v in flags.items() if v is not None},
    )
    return config.with_settings(args.settings)


def run_train(args) -> int:
    from netlib import backend

    if args.cluster or args.task_index is not None:
        if not args.cluster or args.task_index is None:
            raise ValueError("--cluster and --task-index go together.")
        backend.configure_cluster(args.cluster, args.task_index)
    if args.resume:
        given = {"FOLDER": args.folder, "--model": args.model,
                 "--recipe": None if args.recipe == "default" else args.recipe} | {
            flag: getattr(args, key) for key, flag in _SETTING_FLAGS.items() if key != "epochs"
        }
        changed = [flag for flag, value in given.items() if value is not None]
        changed += ["--set"] if args.settings else []
        if changed:
            raise ValueError(
                f"--resume continues a run with its own settings; only --epochs may change "
                f"(received {', '.join(changed)})."
            )
    else:
        notices: list[str] = []
        config = config_from_args(args, notices)  # bad settings fail before anything heavy

    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True, markup=False)
    console.print(f"Device: {backend.describe_device()} | Keras backend: {backend.name()}")
    for notice in [] if args.resume else notices:
        console.print(f"note: {notice}", style="yellow")
    if not args.resume:
        download_weights(config, console)
    from netlib.train import Trainer

    if args.resume:
        trainer = Trainer.resume(args.resume, epochs=args.epochs)
    else:
        trainer = Trainer(config, runs_dir=args.runs)
    display = _TrainDisplay(console)
    received: list[int] = []

    def on_signal(signum, frame):
        # Ctrl-C, or a SIGTERM from a job scheduler, `kill` or a closing terminal: the run
        # stops at the end of this batch and records that it stopped (resumable).
        if trainer.stop_requested:  # a second one: abort at once
            raise KeyboardInterrupt
        received.append(signum)
        how = "Ctrl-C again" if signum == signal.SIGINT else "a second signal"
        console.print(f"Stopping at the end of this batch ({how} to abort)...")
        trainer.request_stop()

    previous = {number: signal.signal(number, on_signal) for number in _STOP_SIGNALS}
    try:
        outcome = trainer.fit(events=display)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        display.close()
    from netlib.train import Failed, Finished

    if isinstance(outcome, Finished):
        return 0
    if isinstance(outcome, Failed):
        return EXIT_FAILED
    return 128 + received[0] if received else EXIT_STOPPED


def download_weights(config, console) -> None:
    """The ImageNet file a run from ImageNet weights starts from, downloaded into Keras'
    cache first with a progress bar (DownloadError, a ValueError, says what to do
    offline)."""
    if config.weights != "imagenet":
        return
    from netlib import registry

    info = registry.model_info(config.model)
    options = info.resolve_options(config.model_options)
    file = info.pretrained.file_to_fine_tune(options, config.input_shape()[0])
    download(file, console)


def download(file, console):
    """`netlib.weights.fetch(file)` with a rich progress bar while it downloads."""
    from netlib import weights

    if weights.cached(file) is not None:
        return weights.cache_path(file)
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    console.print(f"Downloading {file.url} into {weights.cache_folder()}")
    with Progress(TextColumn(file.name), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("", total=None)
        return weights.fetch(file, progress=lambda done, total: bar.update(
            task, completed=done, total=total or None))


class _TrainDisplay:
    """Events to the terminal: a rich progress bar per epoch (with the run's elapsed time,
    time left and speed), one line per epoch (netlib.train.progress: the app's Train page
    prints the same)."""

    def __init__(self, console):
        self.console = console
        self.progress = None
        self.task = None
        self.run = None  # netlib.train.progress.RunProgress, from RunStarted

    def __call__(self, event) -> None:
        from netlib.train import events as ev

        handler = {
            ev.LogMessage: self._log,
            ev.RunStarted: self._started,
            ev.BatchEnd: self._batch,
            ev.EpochEnd: self._epoch,
            ev.Finished: self._end,
            ev.Stopped: self._end,
            ev.Failed: self._failed,
        }.get(type(event))
        if handler:
            handler(event)

    def _log(self, event):
        style = {"warning": "yellow", "error": "red"}.get(event.level, "")
        self.console.print(event.text, style=style)

    def _started(self, event):
        from netlib.train.progress import RunProgress

        self.run = RunProgress(event)
        self.console.print(
            f"{event.model}: {len(event.classes)} classes, {event.train_images} training and "
            f"{event.validation_images} validation images, batch {event.batch_size}, "
            f"{event.steps_per_epoch} steps per epoch"
            + (f", {event.replicas} replicas" if event.replicas > 1 else "")
            + (", mixed precision" if event.mixed_precision else "")
            + (f"; resuming after epoch {event.initial_epoch}" if event.initial_epoch else "")
        )

    def _batch(self, event):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        if self.run is not None:
            self.run.batch(event)
        if not self.console.is_terminal:
            return  # a log file or a pipe gets the epoch lines only, not a bar's residue
        if self.progress is None:
            self.progress = Progress(
                TextColumn("epoch {task.fields[epoch]}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("", total=event.steps, epoch="", status="")
        self.progress.update(
            self.task,
            completed=event.step,
            total=event.steps,
            epoch=f"{event.epoch}/{event.epochs}",
            status=self.run.describe() if self.run is not None else "",
        )

    def _epoch(self, event):
        from netlib.train.progress import epoch_line

        self.close()
        self.console.print(epoch_line(event))

    def _end(self, event):
        self.close()
        self.console.print(event.message)
        if event.run_dir:
            self.console.print(f"Run folder: {event.run_dir}")

    def _failed(self, event):
        self.close()
        self.console.print(f"error: {event.message}", style="red")
        if event.run_dir:
            self.console.print(f"Run folder: {event.run_dir}")

    def close(self):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


# ----------------------------------------------------------------------------- evaluate


def run_evaluate(args) -> int:
    from netlib.evaluate import evaluate

    if args.data and args.split != "validation":
        raise ValueError("--data evaluates a folder; --split chooses a part of the run's own split.")
    result = evaluate(args.run_dir, data=args.data, ten_crop=args.ten_crop, split=args.split)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True, markup=False)
    crop = " (ten crops)" if result.ten_crop else ""
    console.print(
        f"{result.run}: {result.images} images ({result.data}){crop}: "
        f"top-1 {result.top1:.2%}, top-5 {result.top5:.2%}, "
        f"balanced accuracy {result.balanced_accuracy:.2%}, macro F1 {result.macro_f1:.3f}, "
        f"{len(result.misclassified)} misclassified"
    )
    if len(result.splits) > 1:
        parts = Table("part", "images", "top-1", "balanced", "macro F1", "loss")
        for part, figures in result.splits.items():
            parts.add_row(part, str(figures["images"]), f"{figures['top1']:.2%}",
                          f"{figures['balanced_accuracy']:.2%}", f"{figures['macro_f1']:.3f}",
                          f"{figures['loss']:.3f}")
        console.print(parts)
    table = Table("class", "precision", "recall", "F1", "images")
    for row in result.per_class:
        table.add_row(row["class"], _percent(row["precision"]), _percent(row["recall"]),
                      "-" if row["f1"] is None else f"{row['f1']:.3f}", str(row["support"]))
    console.print(table)
    if result.most_confused:
        pairs = ", ".join(f"{c['true']} -> {c['predicted']} ({c['count']})"
                          for c in result.most_confused[:5])
        console.print(f"most confused: {pairs}")
    for part, images in result.top_losses.items():
        console.print(f"highest losses ({part}):")
        for image in images[:5]:
            verdict = "right" if image["true"] == image["predicted"] else f"taken for {image['predicted']}"
            console.print(f"  {image['path']}: {image['true']}, {verdict}, loss {image['loss']:.2f}")
    if result.skipped:
        console.print(f"{len(result.skipped)} file(s) could not be decoded.", style="yellow")
    console.print(f"Saved {RunFolder(args.run_dir).file(RunFolder.EVALUATION)}")
    return 0


def _percent(value) -> str:
    return "-" if value is None else f"{value:.1%}"


# ------------------------------------------------------------------------------ predict


def run_predict(args) -> int:
    from netlib.predict import load_model, predict

    loaded = load_model(args.model)  # "imagenet:NAME" too: netlib.predict knows it
    results = predict(loaded, args.images, top=args.top)
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for note in loaded.notes:
            print(f"note: {note}", file=sys.stderr)
        for result in results:
            if result.ok:
                ranked = "  ".join(f"{name} {p:.1%}" for name, p in result.top)
                print(f"{result.source}: {ranked}")
            else:
                print(f"{result.source}: error: {result.error}")
    return 0 if all(r.ok for r in results) else EXIT_FAILED


# ------------------------------------------------------------------------------- export


def run_export(args) -> int:
    from netlib.export import export

    path = export(args.run_dir, format=args.format, output=args.output)
    print(f"Exported {path}")
    return 0
