"""Fix a dataset's labels in the user's own folder, without ever losing a file.

    >>> journal = Journal.open("photos/")            # completes or rolls back a killed change
    >>> journal.move("photos/cats/dog_photo.jpg", "dogs")   # the class folder is the label
    >>> journal.exclude("photos/dogs/blurred.jpg")   # into photos/_excluded/dogs/blurred.jpg
    >>> journal.undo()                               # the last change, put back
    >>> journal.undo_all()

Every change is a move within the dataset folder: to another class folder (a relabel), or
into the top-level ``_excluded/`` folder, which scan skips, keeping its path below the
root (an exclusion). Nothing is ever deleted or overwritten:

- each change is first written to the journal, ``.convlab-journal.json`` at the top of
  the dataset, as "pending", with the file's size and SHA-256; the journal is replaced
  atomically and fsynced (netlib.runs' writer) before the file moves;
- the move is :func:`netlib.runs.rename_no_clobber`: a new name that must be free (the
  kernel refuses a taken one), then the old name removed, each folder fsynced;
- a name taken in the target folder gets a new one ("photo (2).jpg"), written to the
  journal before the move is tried again;
- the journal then says "done". Undo is the same move back ("undoing", then "undone"),
  to the original path, or to a new name beside it if something else took that path.

A process killed at any point leaves a journal entry "pending" (or "undoing") and the
file at its old name, its new name, or both (the same file: the hard link made, the old
name not yet removed). :meth:`Journal.open` looks at the files and completes the change
(the new name exists) or rolls it back (only the old one does), so the next start never
finds a file lost or twice in the dataset.

The image cache needs no telling: a moved file keeps its size, modification time and
inode, and netlib.data.build_cache copies its decoded pixels from the earlier cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from netlib.data.decode import IMAGE_EXTENSIONS
from netlib.data.scanning import EXCLUDED_FOLDER, SPLIT_FOLDERS, _class_folders
from netlib.runs import rename_no_clobber, write_json_atomic

__all__ = ["Journal", "Change", "JOURNAL_NAME", "JOURNAL_FORMAT", "CHANGE_STATES"]

JOURNAL_NAME = ".convlab-journal.json"
JOURNAL_FORMAT = "convlab-relabel-journal/1"
#: pending: journalled, the move not known to have happened; done: moved; undoing: the
#: move back journalled; undone: moved back; abandoned: a pending change whose move
#: never happened (found so at recovery), or whose file went elsewhere meanwhile.
CHANGE_STATES = ("pending", "done", "undoing", "undone", "abandoned")
_NEW_NAMES = 10_000  # "name (2).jpg" ... before giving up on a folder
# Called with the stage ("journalled", "undo journalled") after the journal is written and
# before the file moves: the tests kill a process there.
_hook: Callable[[str], None] | None = None


@dataclasses.dataclass(frozen=True)
class Change:
    """One journal entry. Paths are relative to the dataset folder (POSIX separators):
    `source` where the file was, `target` where the change put it, `restored` where an
    undo put it back when `source` was taken (else None)."""

    id: int
    action: str  # "move" or "exclude"
    source: str
    target: str
    to_class: str | None
    size: int
    sha256: str
    state: str
    time: str
    restored: str | None = None
    redo_rank: int = 0  # 0: not to be redone; else the order it was undone in (last highest)

    @property
    def current(self) -> str:
        """Where the file is now, as the journal knows it."""
        if self.state in ("done", "undoing"):
            return self.target
        return self.restored or self.source

    def describe(self) -> str:
        what = f"moved to class {self.to_class}" if self.action == "move" else "excluded"
        return f"#{self.id} {self.source} {what} ({self.target}): {self.state}"


class Journal:
    """The relabel journal of one dataset folder (see the module's docstring). Open it
    with :meth:`open`, which recovers from a killed change first."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(os.path.realpath(Path(root).expanduser()))
        if not self.root.is_dir():
            raise ValueError(f"No dataset folder at {self.root}.")
        self.path = self.root / JOURNAL_NAME

    @classmethod
    def open(cls, root: str | os.PathLike) -> Journal:
        journal = cls(root)
        journal.recover()
        return journal

    # -- reading -------------------------------------------------------------------------

    def changes(self) -> list[Change]:
        """Every change, oldest first."""
        return self._read()

    def _read(self) -> list[Change]:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            raise ValueError(f"The relabel journal {self.path} cannot be read ({error}); "
                             "nothing was changed.") from None
        if saved.get("format") != JOURNAL_FORMAT:
            raise ValueError(f"{self.path} is not a ConvLab relabel journal "
                             f"({JOURNAL_FORMAT}); nothing was changed.")
        return [Change(**entry) for entry in saved["changes"]]

    def _write(self, changes: list[Change]) -> None:
        write_json_atomic(self.path, {"format": JOURNAL_FORMAT,
                                      "changes": [dataclasses.asdict(c) for c in changes]})

    # -- changing ------------------------------------------------------------------------

    def move(self, image: str | os.PathLike, to_class: str, *, _redoing: int = 0) -> Change:
        """Move `image` (a path, or one relative to the dataset folder) into the folder
        of class `to_class`, in the same part of a train/val/test layout. An excluded
        image moved to a class is back in the dataset."""
        source = self._inside(image)
        origin = self._origin(source)
        classes = self._classes()
        if to_class not in classes:
            raise ValueError(f"Unknown class {to_class!r}; the classes of {self.root} are: "
                             f"{', '.join(classes)}.")
        split_folder, current_class = self._split_and_class(origin)
        if current_class == to_class and source.parts[0] != EXCLUDED_FOLDER:
            raise ValueError(f"{source} is already in class {to_class!r}.")
        target = PurePosixPath(*split_folder, to_class, source.name)
        return self._change("move", source, target, to_class, _redoing)

    def exclude(self, image: str | os.PathLike, *, _redoing: int = 0) -> Change:
        """Move `image` into ``_excluded/`` (its path below the folder kept): out of the
        dataset, still on disk; `move` or `undo` brings it back."""
        source = self._inside(image)
        if source.parts[0] == EXCLUDED_FOLDER:
            raise ValueError(f"{source} is excluded already.")
        return self._change("exclude", source, PurePosixPath(EXCLUDED_FOLDER, *source.parts),
                            None, _redoing)

    def undo(self) -> Change | None:
        """Put back the most recent change still in place; None when there is none."""
        with self._locked():
            changes = self._recovered()
            done = [c for c in changes if c.state == "done"]
            if not done:
                return None
            return self._undo(changes, done[-1])

    def undo_all(self) -> list[Change]:
        """Put back every change still in place, newest first."""
        undone = []
        while (change := self.undo()) is not None:
            undone.append(change)
        return undone

    def redo(self) -> Change | None:
        """Make the most recently undone change again (as a new change); None when there
        is nothing to redo (nothing undone, or a new change made since the undo)."""
        with self._locked():
            redoable = [c for c in self._recovered() if c.redo_rank]
        if not redoable:
            return None
        last = max(redoable, key=lambda c: c.redo_rank)
        image = last.restored or last.source
        if last.action == "move":
            return self.move(image, last.to_class, _redoing=last.id)
        return self.exclude(image, _redoing=last.id)

    def recover(self) -> list[Change]:
        """Complete or roll back the changes a killed process left half-made (pending or
        undoing); return them as they are now."""
        with self._locked():
            before = {c.id: c.state for c in self._read()}
            after = self._recovered()
        return [c for c in after if before.get(c.id) != c.state]

    # -- the steps -----------------------------------------------------------------------

    def _change(self, action: str, source: PurePosixPath, target: PurePosixPath,
                to_class: str | None, redoing: int) -> Change:
        """Make a new change; `redoing`: the id of the undone change it redoes (0 for a
        new change, which ends every redo)."""
        path = self.root / source
        size, digest = path.stat().st_size, _sha256(path)
        with self._locked():
            changes = [c if redoing and c.id != redoing else dataclasses.replace(c, redo_rank=0)
                       for c in self._recovered()]
            change = Change(
                id=max((c.id for c in changes), default=0) + 1, action=action,
                source=source.as_posix(), target=target.as_posix(), to_class=to_class,
                size=size, sha256=digest, state="pending", time=_now(),
            )
            change = self._move_journalled(changes, change, source, target, "target", "journalled")
            return self._replace(changes, dataclasses.replace(change, state="done"))

    def _undo(self, changes: list[Change], change: Change) -> Change:
        home = PurePosixPath(change.source)
        undoing = dataclasses.replace(change, state="undoing", restored=None)
        undoing = self._move_journalled(changes, undoing, PurePosixPath(change.target), home,
                                        "restored", "undo journalled")
        rank = max((c.redo_rank for c in changes), default=0) + 1
        return self._replace(changes, dataclasses.replace(undoing, state="undone", redo_rank=rank))

    def _move_journalled(self, changes: list[Change], change: Change, source: PurePosixPath,
                         target: PurePosixPath, field: str, stage: str) -> Change:
        """Journal `change` (its `field` naming the new place), then move the file there;
        a taken name is replaced by a new one, journalled before the next try."""
        if not (self.root / source).is_file():
            raise ValueError(f"{self.root / source} is not there any more; nothing was changed.")
        for candidate in _free_names(self.root, target):
            # An undo that puts the file back at its own path records no new name.
            named = None if field == "restored" and candidate == target else candidate.as_posix()
            change = self._replace(changes, dataclasses.replace(change, **{field: named}))
            if _hook is not None:
                _hook(stage)
            (self.root / candidate).parent.mkdir(parents=True, exist_ok=True)
            try:
                rename_no_clobber(self.root / source, self.root / candidate)
            except FileExistsError:
                continue  # taken since it was chosen: journal the next name
            return change
        raise ValueError(f"No free name for {target} in {self.root}.")

    def _replace(self, changes: list[Change], change: Change) -> Change:
        """Put `change` into `changes` (by id) and write the journal."""
        for i, existing in enumerate(changes):
            if existing.id == change.id:
                changes[i] = change
                break
        else:
            changes.append(change)
        self._write(changes)
        return change

    def _recovered(self) -> list[Change]:
        """The journal with every half-made change completed or rolled back (written)."""
        changes = self._read()
        fixed = False
        for i, change in enumerate(changes):
            if change.state == "pending":
                changes[i] = self._settle(change, change.source, change.target, "done", "abandoned")
            elif change.state == "undoing":
                back = change.restored or change.source
                changes[i] = self._settle(change, change.target, back, "undone", "done")
                if changes[i].state == "done":
                    changes[i] = dataclasses.replace(changes[i], restored=None)
            fixed = fixed or changes[i] is not change
        if fixed:
            self._write(changes)
        return changes

    def _settle(self, change: Change, old: str, new: str, completed: str, rolled_back: str) -> Change:
        """The state of a move from `old` to `new` that may or may not have happened:
        completed when the file is at `new` (the old name, if still there, is the same
        file: it is removed), else rolled back; nothing else is touched."""
        old_path, new_path = self.root / old, self.root / new
        if new_path.is_file() and old_path.is_file():
            if os.path.samefile(old_path, new_path):
                os.unlink(old_path)  # the new name was made; the old one still to go
                return dataclasses.replace(change, state=completed)
            return dataclasses.replace(change, state=rolled_back)  # another file took the name
        if new_path.is_file() and _sha256(new_path) == change.sha256:
            return dataclasses.replace(change, state=completed)
        return dataclasses.replace(change, state=rolled_back)  # (a file not ours is left alone)

    # -- the folder ----------------------------------------------------------------------

    def _inside(self, image: str | os.PathLike) -> PurePosixPath:
        """`image` relative to the dataset folder; ValueError unless it is an image file
        inside it (not the journal, not outside through '..' or a link)."""
        path = Path(image).expanduser()
        if not path.is_absolute() and not path.exists():
            path = self.root / path
        path = Path(os.path.realpath(path.parent)) / path.name
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            raise ValueError(f"{image} is not inside the dataset folder {self.root}.") from None
        if not path.is_file():
            raise ValueError(f"No image at {path}.")
        if path.suffix.lower() not in IMAGE_EXTENSIONS or len(relative.parts) < 2:
            raise ValueError(f"{path} is not one of the dataset's images.")
        return PurePosixPath(relative.as_posix())

    def _origin(self, source: PurePosixPath) -> PurePosixPath:
        """The path an image had before it was excluded (its own path otherwise)."""
        if source.parts[0] == EXCLUDED_FOLDER:
            return PurePosixPath(*source.parts[1:])
        return source

    def _predefined(self) -> bool:
        return _class_folders(self.root)[1]

    def _split_and_class(self, origin: PurePosixPath) -> tuple[tuple[str, ...], str]:
        """(the train/val/test folder, or ()), the class folder of a path below the root."""
        if self._predefined() and origin.parts[0].lower() in SPLIT_FOLDERS and len(origin.parts) > 2:
            return (origin.parts[0],), origin.parts[1]
        return (), origin.parts[0]

    def _classes(self) -> list[str]:
        return sorted(_class_folders(self.root)[0])

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One change at a time in this folder, across processes (the app and the command
        line): an advisory lock on the folder itself (POSIX; elsewhere none)."""
        try:
            import fcntl
        except ImportError:
            yield
            return
        descriptor = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


def _free_names(root: Path, target: PurePosixPath) -> Iterator[PurePosixPath]:
    """`target`, then "stem (2).ext", "stem (3).ext", ... that are free in `root`."""
    for n in range(1, _NEW_NAMES):
        name = target if n == 1 else target.with_name(f"{target.stem} ({n}){target.suffix}")
        if not os.path.lexists(root / name):
            yield name


def _sha256(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")
