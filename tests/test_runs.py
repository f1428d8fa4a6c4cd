"""netlib.runs: what a run folder says about itself (when it started, whether it can
resume, whether its evaluation is current, its validation images), read from a real run
stopped after its first epoch; the cache root; and the atomic writer's temporaries and
folder swaps."""

import datetime
import os
import shutil
import subprocess
import sys

import pytest

from netlib.cli.models import counts_file
from netlib.data import default_cache_dir, digits_folder
from netlib.evaluate import evaluate
from netlib.inspect.store import default_folder
from netlib.runs import (
    CACHE_DIR_VARIABLE,
    TEMPORARY_MARK,
    RunFolder,
    cache_root,
    produce_folder_atomic,
    remove_temporaries,
    temporary_path,
    write_bytes_atomic,
)
from netlib.train import EpochEnd, Stopped, TrainConfig, Trainer


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory) -> RunFolder:
    """LeNet-5 on the digits, asked to stop when its first of two epochs ended."""
    trainer = Trainer(TrainConfig.for_model("lenet5", digits_folder(), epochs=2),
                      tmp_path_factory.mktemp("runs"))
    outcome = trainer.fit(events=lambda e: trainer.request_stop() if isinstance(e, EpochEnd) else None)
    assert isinstance(outcome, Stopped) and outcome.epochs_completed == 1
    return RunFolder(outcome.run_dir)


@pytest.fixture
def run(stopped_run, tmp_path) -> RunFolder:
    """A copy of the stopped run, free to change."""
    return RunFolder(shutil.copytree(stopped_run.path, tmp_path / stopped_run.path.name))


# ---------------------------------------------------------------------------- the run


def test_a_run_started_when_its_folder_was_made(tmp_path):
    before = datetime.datetime.now().replace(microsecond=0)
    made = RunFolder.create(tmp_path, "lenet5")
    after = datetime.datetime.now()
    assert before <= made.started() <= after
    # A folder named otherwise (copied in by hand) started when it was last changed.
    other = tmp_path / "my-old-run"
    other.mkdir()
    os.utime(other, (1_600_000_000, 1_600_000_000))
    assert RunFolder(other).started() == datetime.datetime.fromtimestamp(1_600_000_000)


def test_a_stopped_run_can_resume_from_its_last_epoch(run):
    assert run.status()["state"] == "stopped"
    assert run.can_resume() and run.resume_state()["epoch"] == 1


def test_a_run_without_a_good_resume_state_cannot_resume(run):
    state = run.resume_state()
    (run.resume_dir / state["arrays"]).unlink()  # edited by hand
    assert not run.can_resume()
    with pytest.raises(ValueError, match="missing; the run cannot resume"):
        run.resume_state()
    (run.resume_dir / RunFolder.RESUME_STATE).write_text("{not json")
    assert not run.can_resume()
    (run.resume_dir / RunFolder.RESUME_STATE).unlink()
    assert run.resume_state() is None and not run.can_resume()


def test_the_validation_samples_are_the_files_of_the_split(run):
    samples = run.validation_samples()
    listing = run.split()["validation"]
    classes = run.classes()
    assert len(samples) == len(listing) > 0
    for (path, label), (relative, listed) in zip(samples, listing):
        assert path == digits_folder() / relative and path.is_file()
        assert label == listed and path.parent.name == classes[label]


def test_an_evaluation_is_current_until_the_model_changes(run):
    assert run.has_model() and not run.evaluation_is_current()  # never evaluated
    evaluate(run.path)
    assert run.evaluation_is_current() and run.evaluation()["run"] == run.path.name
    later = run.file(RunFolder.EVALUATION).stat().st_mtime + 10
    os.utime(run.model_path(), (later, later))  # trained on since
    assert not run.evaluation_is_current()
    for model in (run.best_model, run.last_model):
        model.unlink()
    assert not run.has_model() and not run.evaluation_is_current()


# ---------------------------------------------------------------------------- places


def test_every_cache_lives_under_the_cache_root(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "caches"))
    assert cache_root() == tmp_path / "caches"
    for place in (default_cache_dir(), default_folder(), counts_file()):
        assert place.parent == cache_root()


# ---------------------------------------------------------------------------- atomic writes


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_only_the_temporaries_of_writers_that_are_gone_are_removed(tmp_path):
    mine = temporary_path(tmp_path / "status.json")
    mine.write_text("being written by this process")
    dead = tmp_path / f".status.json.{_dead_pid()}-0badf00d{TEMPORARY_MARK}.json"
    dead.write_text("half")
    older = tmp_path / f".metrics.csv.{_dead_pid()}{TEMPORARY_MARK}.csv"  # no random part
    older.write_text("half")
    (tmp_path / "status.json").write_text("{}")
    assert remove_temporaries(tmp_path, prefix="status") == [dead]
    assert remove_temporaries(tmp_path) == [older]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "status.json"])


def test_two_writes_of_one_file_never_share_a_temporary(tmp_path):
    names = {temporary_path(tmp_path / "best.keras").name for _ in range(100)}
    assert len(names) == 100 and all(n.endswith(f"{TEMPORARY_MARK}.keras") for n in names)


def test_a_folder_is_swapped_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / "model"

    def write(files):
        def produce(folder):
            folder.mkdir()
            for name, text in files.items():
                write_bytes_atomic(folder / name, text.encode())
        return produce

    produce_folder_atomic(target, write({"a": "1", "b": "2"}))
    produce_folder_atomic(target, write({"c": "3"}))
    assert sorted(p.name for p in target.iterdir()) == ["c"]

    def broken(folder):
        write({"half": "x"})(folder)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        produce_folder_atomic(target, broken)
    assert sorted(p.name for p in target.iterdir()) == ["c"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temporary left
