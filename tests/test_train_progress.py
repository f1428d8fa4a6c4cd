"""netlib.train.progress: the words the CLI and the app both print for a run's progress
(the epoch line, elapsed time and ETA) and the rate limit on progress reports. No Keras."""

import math

from netlib.train import BatchEnd, EpochEnd, RunStarted
from netlib.train.progress import RunProgress, duration, epoch_line, every


def _epoch(**changes):
    values = dict(epoch=3, epochs=10, loss=0.421, accuracy=0.875, top5=0.99, val_loss=0.39,
                  val_accuracy=0.881, val_top5=0.992, learning_rate=0.001, seconds=12.34,
                  improved=True, images_per_second=1520.4)
    return EpochEnd(**{**values, **changes})


def _started(**changes):
    values = dict(run_dir="runs/x", model="lenet5", device="CPU", backend="tensorflow",
                  mixed_precision=False, classes=("a", "b"), train_images=320,
                  validation_images=80, test_images=0, skipped_files=0, batch_size=32,
                  steps_per_epoch=10, epochs=4, initial_epoch=0)
    return RunStarted(**{**values, **changes})


def _batch(epoch, step, speed=640.0):
    return BatchEnd(epoch, 4, step, 10, 0.5, 0.75, 0.98, speed)


def test_the_epoch_line():
    assert epoch_line(_epoch()) == (
        "epoch 3/10  loss 0.4210  acc 87.50%  val_loss 0.3900  val_acc 88.10%  "
        "val_top5 99.20%  lr 0.001  12.3s  1520 img/s  [best]"
    )


def test_a_run_without_validation_or_speed_says_neither():
    line = epoch_line(_epoch(val_loss=math.nan, val_accuracy=math.nan, val_top5=math.nan,
                             improved=False, images_per_second=math.nan))
    assert line == "epoch 3/10  loss 0.4210  acc 87.50%  lr 0.001  12.3s"
    assert EpochEnd(1, 1, 1.0, 0.5, 0.9, 0.9, 0.6, 0.95, 0.001, 1.0, True).images_per_second != 0


def test_durations_read_as_a_clock():
    assert [duration(s) for s in (0, 42.4, 725, 3723, -5, math.nan)] == [
        "0:00", "0:42", "12:05", "1:02:03", "0:00", "0:00"]


def test_elapsed_and_time_left_at_the_pace_since_the_first_batch():
    now = [100.0]
    progress = RunProgress(_started(), clock=lambda: now[0])
    assert progress.total_steps == 40 and progress.eta() is None
    now[0] = 130.0  # compiling the model took 30 s: not counted in the pace
    progress.batch(_batch(1, 1))
    now[0] = 139.0
    progress.batch(_batch(1, 10))  # 9 steps in 9 s, 30 to go
    assert progress.steps_done == 10 and progress.eta() == 30.0
    assert progress.describe() == (
        "elapsed 0:39 · ETA 0:30 · 640 images/s · loss 0.5000 · accuracy 75.0% · top-5 98.0%")
    progress.end()
    now[0] = 500.0
    assert progress.eta() is None and progress.elapsed() == 39.0


def test_a_resumed_run_counts_only_the_steps_left():
    progress = RunProgress(_started(initial_epoch=2), clock=lambda: 0.0)
    progress.batch(_batch(3, 4))
    assert (progress.total_steps, progress.steps_done) == (20, 4)


def test_progress_reports_are_thinned_and_the_last_always_passes():
    now = [0.0]
    due = every(0.1, clock=lambda: now[0])
    passed = []
    for done in range(1, 1001):  # a thousand files in half a second
        now[0] += 0.0005
        if due(done, 1000):
            passed.append(done)
    assert passed[0] == 1 and passed[-1] == 1000 and len(passed) <= 7
