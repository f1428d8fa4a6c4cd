"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never half.

Every file is written to a temporary name in the target's own folder (so that the rename
stays on one file system), flushed and fsynced, then moved over the target with
`os.replace`, which is atomic on POSIX and Windows; the folder is fsynced after the rename
where the platform allows, so that the rename itself survives a power cut. A process
killed at any point leaves at most a stray temporary file, which
:func:`remove_temporaries` clears once its writer is gone.

This is the one place ConvLab writes files: run folders, checkpoints, exports, the image
cache and the layer-table and count caches all go through it; and the one place it moves
a user's file (:func:`rename_no_clobber`, for netlib.data.relabel), which never replaces
one.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = [
    "TEMPORARY_MARK",
    "MODEL_METADATA_NAME",
    "temporary_path",
    "move_into_place",
    "write_atomic",
    "produce_atomic",
    "produce_folder_atomic",
    "write_bytes_atomic",
    "write_json_atomic",
    "save_model_atomic",
    "read_model_metadata",
    "remove_temporaries",
    "rename_no_clobber",
]

# Temporary files are named ".<target>.<pid>-<random>.convlab-tmp<suffix>": the pid tells
# a later process whether the writer is gone; the suffix is the target's unless a writer
# asks for another (Keras' save_model insists on ".keras").
TEMPORARY_MARK = ".convlab-tmp"
_WRITER = re.compile(r"\.(\d+)(?:-[0-9a-f]{8})?" + re.escape(TEMPORARY_MARK))
# The entry ConvLab adds to every .keras file it writes: class names, input size, colour
# mode and resize mode, so that a model file is usable on its own. Keras ignores it.
MODEL_METADATA_NAME = "convlab.json"


def temporary_path(target: str | os.PathLike, suffix: str | None = None) -> Path:
    """A new name beside `target` to write it under: hidden, marked, unique to this call
    (two writers of one target, even two threads, never share one), ending in `suffix`
    (default: the target's)."""
    target = Path(target)
    suffix = target.suffix if suffix is None else suffix
    unique = f"{os.getpid()}-{os.urandom(4).hex()}"
    return target.with_name(f".{target.name}.{unique}{TEMPORARY_MARK}{suffix}")


def move_into_place(temporary: Path, target: str | os.PathLike, *, durable: bool = True) -> Path:
    """Rename the finished file `temporary` over `target`. `durable`: fsync the file
    before and the folder after, so that the new file survives a power cut (derived
    data that is rebuilt when lost may skip the cost)."""
    target = Path(target)
    if durable:
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
    os.replace(temporary, target)
    if durable:
        _fsync_folder(target.parent)
    return target


# What os.link raises on a file system without hard links (FAT, some network shares).
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}


def rename_no_clobber(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Move the file `source` to `target`, a name that must be free: FileExistsError if it
    is taken, and no file is ever replaced, even by another process racing for the name.

    A hard link makes the new name (the kernel refuses an existing one), the folder is
    fsynced, then the old name is removed and its folder fsynced: a crash in between
    leaves both names on the same file, never none (netlib.data.relabel's recovery
    removes the old one). Where the file system has no hard links, a rename after a
    check (Windows' rename itself refuses an existing target). Within one file system
    only (a dataset's own folders): OSError otherwise, nothing moved.
    """
    source, target = Path(source), Path(target)
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        if sys.platform != "win32" and os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        os.rename(source, target)
        _fsync_folder(target.parent)
        _fsync_folder(source.parent)
        return target
    _fsync_folder(target.parent)
    os.unlink(source)
    _fsync_folder(source.parent)
    return target


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


def produce_atomic(
    path: str | os.PathLike, produce: Callable[[Path], Any], *, suffix: str | None = None
) -> Path:
    """Call `produce(temporary_path)` to write a file (for writers that want a path, such
    as Keras' `model.save`), fsync it, then move it over `path`. `suffix`: the
    temporary's (see :func:`temporary_path`)."""
    target = Path(path)
    temporary = temporary_path(target, suffix)
    try:
        produce(temporary)
        return move_into_place(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def produce_folder_atomic(path: str | os.PathLike, produce: Callable[[Path], Any]) -> Path:
    """Call `produce(temporary_folder)` to write a whole folder (a SavedModel), then swap
    it in for `path`: a reader sees the old folder or the new one, never a half-written
    one (between the two renames, for an instant, neither)."""
    target = Path(path)
    temporary = temporary_path(target, suffix="")
    previous = temporary_path(target, suffix=".old")
    try:
        produce(temporary)
        if target.exists():
            os.replace(target, previous)
        os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if previous.exists() and not target.exists():
            os.replace(previous, target)  # the swap failed half-way: put the old one back
        raise
    shutil.rmtree(previous, ignore_errors=True)
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


def remove_temporaries(folder: str | os.PathLike, prefix: str = "") -> list[Path]:
    """Delete the temporary files (and folders) that killed writers left in `folder`,
    those of targets whose names start with `prefix`; return them. The temporaries of a
    process still running stay: it may be writing them now."""
    removed = []
    for path in sorted(Path(folder).glob(f".{prefix}*{TEMPORARY_MARK}*")):
        writer = _WRITER.search(path.name)
        if writer is None or _process_alive(int(writer.group(1))):
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError:  # Windows: a file another process holds open cannot be deleted
            continue
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return False  # no cheap check; deleting a file its writer holds open fails there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
