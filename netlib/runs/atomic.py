"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half.

Every file is written to a temporary name in the target's own folder (so that the rename
stays on one file system), flushed and fsynced, then moved over the target with
`os.replace`, which is atomic on POSIX and Windows; the folder is fsynced after the rename
where the platform allows, so that the rename itself survives a power cut. A process
killed at any point leaves at most a stray temporary file, which
:func:`remove_temporaries` clears.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = [
    "TEMPORARY_MARK",
    "write_atomic",
    "produce_atomic",
    "write_bytes_atomic",
    "write_json_atomic",
    "save_model_atomic",
    "read_model_metadata",
    "remove_temporaries",
    "MODEL_METADATA_NAME",
]

# Temporary files are named ".<target>.<pid>.convlab-tmp<suffix>": they keep the target's
# extension, which Keras' save_model insists on.
TEMPORARY_MARK = ".convlab-tmp"
# The entry ConvLab adds to every .keras file it writes: class names, input size, colour
# mode and resize mode, so that a model file is usable on its own. Keras ignores it.
MODEL_METADATA_NAME = "convlab.json"


def _temporary_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}{TEMPORARY_MARK}{target.suffix}")


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; its rename is durable enough
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call `write(file)` on a temporary file beside `path`, then move it over `path`.

    If `write` raises, the temporary file is removed and `path` is left as it was.
    """
    return produce_atomic(path, lambda temporary: _write_file(temporary, write))


def produce_atomic(path: str | os.PathLike, produce: Callable[[Path], Any]) -> Path:
    """Call `produce(temporary_path)` to write a file (for writers that want a path, such
    as Keras' `model.save`), fsync it, then move it over `path`."""
    target = Path(path)
    temporary = _temporary_path(target)
    try:
        produce(temporary)
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return target


def _write_file(path: Path, write: Callable[[IO[bytes]], Any]) -> None:
    with open(path, "wb") as file:
        write(file)
        file.flush()


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    return write_atomic(path, lambda file: file.write(data))


def write_json_atomic(path: str | os.PathLike, value: Any, *, indent: int | None = 2) -> Path:
    text = json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=True) + "\n"
    return write_bytes_atomic(path, text.encode("utf-8"))


def save_model_atomic(
    model, path: str | os.PathLike, metadata: dict[str, Any] | None = None
) -> Path:
    """Save `model` as a `.keras` file atomically, with `metadata` inside it as
    `convlab.json` (see :func:`read_model_metadata`)."""

    def produce(temporary: Path):
        model.save(temporary)
        if metadata is not None:
            with zipfile.ZipFile(temporary, "a") as archive:
                archive.writestr(
                    MODEL_METADATA_NAME, json.dumps(metadata, indent=2, ensure_ascii=False)
                )

    return produce_atomic(path, produce)


def read_model_metadata(path: str | os.PathLike) -> dict[str, Any] | None:
    """The `convlab.json` entry of a `.keras` file, or None if it has none."""
    try:
        with zipfile.ZipFile(path) as archive:
            if MODEL_METADATA_NAME not in archive.namelist():
                return None
            return json.loads(archive.read(MODEL_METADATA_NAME).decode("utf-8"))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError):
        return None


def remove_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that killed writers left in `folder`; return them."""
    stray = sorted(Path(folder).glob(f".*{TEMPORARY_MARK}*"))
    for path in stray:
        path.unlink(missing_ok=True)
    return stray
