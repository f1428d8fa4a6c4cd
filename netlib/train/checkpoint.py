"""Resume state: what it takes to continue a run exactly where its last epoch ended.

    resume/
      state.json          the commit point: epoch, seeds, callback states, and the name of
                          the arrays file below (written last, atomically)
      state-0007.npz      every variable of the training model (weights, batch-norm
                          statistics, the augmentation and dropout layers' random-seed
                          state) and of the optimizer (moments, step count, loss scale);
                          the learning rate, which Keras keeps outside those, is in
                          state.json

A new arrays file is written (atomically) under a new name, then state.json is replaced to
point at it, then older arrays files are deleted. A process killed at any moment therefore
leaves a state.json whose arrays file is complete: the last good checkpoint. Keras'
BackupAndRestore callback is not used: it overwrites its files in place (a crash during
its save loses the backup) and does not save random-seed states, which exact resumption
needs.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from netlib.runs import RunFolder, remove_temporaries, write_atomic, write_json_atomic

__all__ = ["save_resume_state", "load_resume_state", "restore_variables"]

FORMAT_VERSION = 1


def _arrays(variables) -> dict[str, np.ndarray]:
    # `.numpy()`: keras.ops.convert_to_numpy warns on Keras 3.15 variables (no `copy`).
    return {f"v{i}": np.asarray(v.numpy()) for i, v in enumerate(variables)}


def _optimizer_variables(model) -> list:
    return list(model.optimizer.variables) if model.optimizer is not None else []


def save_resume_state(resume_dir: Path, model, *, epoch: int, extra: dict[str, Any]) -> Path:
    """Save the state after `epoch` completed epochs; return the state.json path.

    `extra` holds JSON-ready values (callback states, best metric, ...), returned by
    :func:`load_resume_state` under the same keys.
    """
    resume_dir.mkdir(parents=True, exist_ok=True)
    arrays_name = f"state-{epoch:04d}.npz"
    model_variables = list(model.variables)
    optimizer_variables = _optimizer_variables(model)
    arrays = {f"model_{k}": v for k, v in _arrays(model_variables).items()}
    arrays.update({f"optimizer_{k}": v for k, v in _arrays(optimizer_variables).items()})
    write_atomic(resume_dir / arrays_name, lambda file: np.savez(file, **arrays))
    state = {
        "format": FORMAT_VERSION,
        "epoch": epoch,
        "arrays": arrays_name,
        "model_variables": [v.path for v in model_variables],
        "optimizer_variables": [v.path for v in optimizer_variables],
        # Not among optimizer.variables: the rate ReduceLROnPlateau lowers.
        "learning_rate": _learning_rate(model.optimizer),
        "python_random": _python_random_state(),
        "numpy_random": _numpy_random_state(),
        **extra,
    }
    path = write_json_atomic(resume_dir / RunFolder.RESUME_STATE, state)
    for old in resume_dir.glob("state-*.npz"):
        if old.name != arrays_name:
            old.unlink(missing_ok=True)
    return path


def load_resume_state(folder: RunFolder) -> dict[str, Any] | None:
    """The run's last committed state (:meth:`RunFolder.resume_state`), to continue
    from: stray temporary files of a save that was killed are removed first."""
    if folder.resume_dir.is_dir():
        remove_temporaries(folder.resume_dir)
    return folder.resume_state()


def restore_variables(resume_dir: Path, model, state: dict[str, Any], *, optimizer: bool = True) -> None:
    """Assign the saved arrays to the (compiled) model's and, unless `optimizer` is False
    (a fine-tuning run resumed where its next phase starts with a new optimizer), its
    optimizer's variables, and restore Python's and NumPy's global random states."""
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    with np.load(resume_dir / state["arrays"]) as arrays:
        _assign("model", list(model.variables), state["model_variables"], arrays)
        if optimizer:
            _assign("optimizer", _optimizer_variables(model), state["optimizer_variables"], arrays)
    if optimizer and state.get("learning_rate") is not None:
        try:
            model.optimizer.learning_rate = float(state["learning_rate"])
        except TypeError:  # a LearningRateSchedule: `iterations` (restored) positions it
            pass
    if state.get("python_random"):
        random.setstate(_as_tuple(state["python_random"]))
    if state.get("numpy_random"):
        kind, keys, position, has_gauss, gauss = state["numpy_random"]
        np.random.set_state((kind, np.array(keys, np.uint32), position, has_gauss, gauss))


def _assign(prefix: str, variables: list, saved_paths: list[str], arrays) -> None:
    if len(variables) != len(saved_paths):
        raise ValueError(
            f"The saved state has {len(saved_paths)} {prefix} variables, the model "
            f"{len(variables)}: it was saved from a different model or configuration."
        )
    for i, variable in enumerate(variables):
        value = arrays[f"{prefix}_v{i}"]
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(
                f"The saved {prefix} variable {saved_paths[i]} has shape {value.shape}, "
                f"the model's {variable.path} {tuple(variable.shape)}: it was saved from a "
                f"different model or configuration."
            )
        variable.assign(value)


def _learning_rate(optimizer) -> float | None:
    if optimizer is None:
        return None
    value = optimizer.learning_rate
    return float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))


def _python_random_state() -> list:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _as_tuple(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)


def _numpy_random_state() -> list:
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    return [kind, keys.tolist(), int(position), int(has_gauss), float(gauss)]
