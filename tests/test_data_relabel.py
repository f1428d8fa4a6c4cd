"""The relabel journal on real files: moves, exclusions, undo and redo give back the same
bytes at the same paths; a process killed between the journal entry and the move (or
half-way through the move) is recovered; a name taken in the target class is never
overwritten; the image cache decodes none of the moved files again; and the command line."""

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netlib.cli import main
from netlib.data import EXCLUDED_FOLDER, JOURNAL_NAME, Journal, scan, scan_into_cache

REPO = Path(__file__).resolve().parent.parent


def write_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs", "birds"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def contents(root: Path) -> dict[str, str]:
    """{path relative to root: sha256} of every file but the journal."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != JOURNAL_NAME}


@pytest.fixture
def folder(tmp_path):
    return write_folder(tmp_path / "pets")


def test_move_exclude_and_undo_give_back_the_same_bytes_at_the_same_paths(folder):
    before = contents(folder)
    journal = Journal.open(folder)
    moved = journal.move(folder / "cats" / "0.png", "dogs")
    assert (moved.source, moved.target, moved.state) == ("cats/0.png", "dogs/0 (2).png", "done")
    assert moved.sha256 == before["cats/0.png"]  # a name taken in dogs/: a new one
    excluded = journal.exclude("birds/1.png")  # relative to the folder
    assert excluded.target == f"{EXCLUDED_FOLDER}/birds/1.png"
    after = contents(folder)
    assert after["dogs/0 (2).png"] == before["cats/0.png"] and after["dogs/0.png"] == before["dogs/0.png"]
    assert after[f"{EXCLUDED_FOLDER}/birds/1.png"] == before["birds/1.png"]
    assert "cats/0.png" not in after and sorted(after.values()) == sorted(before.values())
    index = scan(folder)  # the class folder is the label; _excluded/ is no class
    assert index.classes == ["birds", "cats", "dogs"] and index.counts == {"birds": 2, "cats": 2, "dogs": 4}

    assert journal.undo().id == excluded.id
    assert [c.id for c in journal.undo_all()] == [moved.id]
    assert journal.undo() is None
    assert contents(folder) == before
    saved = json.loads((folder / JOURNAL_NAME).read_text())
    assert [c["state"] for c in saved["changes"]] == ["undone", "undone"]

    redone = journal.redo()  # the last undone first
    assert redone.action == "move" and redone.to_class == "dogs" and redone.state == "done"
    assert contents(folder)["dogs/0 (2).png"] == before["cats/0.png"]
    assert journal.redo().action == "exclude"
    assert journal.redo() is None
    journal.undo_all()
    assert contents(folder) == before


def test_a_taken_name_is_never_overwritten_even_when_it_is_taken_after_being_chosen(folder, monkeypatch):
    from netlib.data import relabel

    before = contents(folder)
    racer = folder / "dogs" / "1 (2).png"  # another program writes it between the journal and the move

    def take_the_name(stage):
        if stage == "journalled" and not racer.exists():
            racer.write_bytes(b"someone else's file")

    monkeypatch.setattr(relabel, "_hook", take_the_name)
    journal = Journal.open(folder)
    change = journal.move(folder / "cats" / "1.png", "dogs")  # dogs/1.png taken: "1 (2)" chosen...
    assert change.target == "dogs/1 (3).png"  # ... then taken: the next name, journalled
    assert racer.read_bytes() == b"someone else's file"
    assert contents(folder)["dogs/1 (3).png"] == before["cats/1.png"]
    assert contents(folder)["dogs/1.png"] == before["dogs/1.png"]
    # Undo finds the original path taken too: the file goes back beside it, nothing replaced.
    (folder / "cats" / "1.png").write_bytes(b"a new file at the old path")
    undone = journal.undo()
    assert undone.restored == "cats/1 (2).png" and undone.state == "undone"
    assert (folder / "cats" / "1.png").read_bytes() == b"a new file at the old path"
    assert contents(folder)["cats/1 (2).png"] == before["cats/1.png"]


def _killed_at(folder: Path, stage: str, action: str, link_first: bool = False) -> subprocess.CompletedProcess:
    """Run a relabel in another process and SIGKILL it at `stage` (after the journal is
    written, before the file moves); with `link_first`, once the new name is made."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from netlib.data import Journal, relabel
        def die(stage):
            if stage == {stage!r}:
                if {link_first!r}:
                    change = Journal({str(folder)!r}).changes()[-1]
                    source, target = (change.source, change.target) if stage == "journalled" else (change.target, change.source)
                    os.link(os.path.join({str(folder)!r}, source), os.path.join({str(folder)!r}, target))
                os.kill(os.getpid(), signal.SIGKILL)
        relabel._hook = die
        journal = Journal.open({str(folder)!r})
        {action}
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)


def test_a_kill_between_the_journal_entry_and_the_move_is_rolled_back(folder):
    before = contents(folder)
    result = _killed_at(folder, "journalled", "journal.move('cats/2.png', 'birds')")
    assert result.returncode == -9, result.stderr.decode()
    (pending,) = Journal(folder).changes()
    assert pending.state == "pending" and contents(folder) == before  # journalled, not moved
    journal = Journal.open(folder)  # the next start: the move never happened
    assert [(c.id, c.state) for c in journal.changes()] == [(pending.id, "abandoned")]
    assert contents(folder) == before
    assert journal.undo() is None  # nothing to put back


def test_a_kill_half_way_through_the_move_is_completed(folder):
    before = contents(folder)
    result = _killed_at(folder, "journalled", "journal.move('cats/2.png', 'birds')", link_first=True)
    assert result.returncode == -9, result.stderr.decode()
    (pending,) = Journal(folder).changes()
    assert pending.target == "birds/2 (2).png"  # birds/2.png is another image
    assert (folder / "cats" / "2.png").exists() and (folder / pending.target).exists()  # both names
    journal = Journal.open(folder)  # the next start completes the move
    assert [c.state for c in journal.changes()] == ["done"]
    after = contents(folder)
    assert "cats/2.png" not in after and after[pending.target] == before["cats/2.png"]
    assert sorted(after.values()) == sorted(before.values())
    journal.undo()
    assert contents(folder) == before


def test_a_kill_during_an_undo_is_recovered_both_ways(folder):
    before = contents(folder)
    Journal.open(folder).exclude("dogs/2.png")
    result = _killed_at(folder, "undo journalled", "journal.undo()")
    assert result.returncode == -9, result.stderr.decode()
    assert [c.state for c in Journal(folder).changes()] == ["undoing"]
    journal = Journal.open(folder)  # the undo never moved the file: it is still excluded
    assert [c.state for c in journal.changes()] == ["done"]
    assert f"{EXCLUDED_FOLDER}/dogs/2.png" in contents(folder)
    result = _killed_at(folder, "undo journalled", "journal.undo()", link_first=True)
    assert result.returncode == -9, result.stderr.decode()
    journal = Journal.open(folder)  # the file was back at its path: the undo is completed
    assert [c.state for c in journal.changes()] == ["undone"]
    assert contents(folder) == before


def test_refusals_change_nothing(folder, tmp_path):
    before = contents(folder)
    journal = Journal.open(folder)
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (4, 4)).save(outside)
    for call, message in (
        (lambda: journal.move(outside, "dogs"), "not inside the dataset folder"),
        (lambda: journal.move(folder / "cats" / "../../elsewhere.png", "dogs"), "not inside"),
        (lambda: journal.move("cats/0.png", "horses"), "Unknown class 'horses'.*birds, cats, dogs"),
        (lambda: journal.move("cats/0.png", "cats"), "already in class 'cats'"),
        (lambda: journal.move("cats/missing.png", "dogs"), "No image"),
        (lambda: journal.exclude(folder / JOURNAL_NAME), "No image|not one of"),
    ):
        with pytest.raises(ValueError, match=message):
            call()
    assert contents(folder) == before and journal.changes() == []


def test_an_excluded_image_moved_to_a_class_is_back_and_a_split_layout_keeps_its_part(tmp_path):
    root = tmp_path / "split"
    for part in ("train", "valid"):
        write_folder(root / part)
    journal = Journal.open(root)
    change = journal.exclude("valid/cats/0.png")
    assert change.target == f"{EXCLUDED_FOLDER}/valid/cats/0.png"
    index = scan(root)
    assert index.predefined_split and sum(s.split == "validation" for s in index.samples) == 8
    back = journal.move(root / change.target, "dogs")  # from the quarantine to a class
    assert back.target == "valid/dogs/0 (2).png"
    moved = journal.move("train/birds/2.png", "cats")
    assert moved.target == "train/cats/2 (2).png"  # a move changes the class, not the part


def test_the_cache_decodes_none_of_the_moved_files_again(folder, tmp_path):
    cache_dir = tmp_path / "cache"
    _, first = scan_into_cache(folder, image_size=8, cache_dir=cache_dir)
    assert first.decoded == 9
    journal = Journal.open(folder)
    journal.move("cats/0.png", "birds")
    journal.exclude("dogs/1.png")
    index, second = scan_into_cache(folder, image_size=8, cache_dir=cache_dir)
    assert not second.reused and second.decoded == 0 and len(second) == 8
    moved = second.paths.index(folder / "birds" / "0 (2).png")
    assert index.classes[second.labels[moved]] == "birds"
    np.testing.assert_array_equal(second.images[moved], first.images[first.paths.index(folder / "cats" / "0.png")])
    Image.new("RGB", (12, 16), (9, 9, 9)).save(folder / "cats" / "new.png")  # a new file: decoded
    _, third = scan_into_cache(folder, image_size=8, cache_dir=cache_dir)
    assert third.decoded == 1


def test_the_command_line(folder, capsys):
    before = contents(folder)
    assert main(["relabel", str(folder), "cats/0.png", "--to", "dogs"]) == 0
    assert "moved to class dogs (dogs/0 (2).png): done" in capsys.readouterr().out
    assert main(["relabel", str(folder), str(folder / "birds" / "0.png"), "--exclude"]) == 0
    assert main(["relabel", str(folder)]) == 0  # the journal
    listing = capsys.readouterr().out
    assert "#1 cats/0.png" in listing and "#2 birds/0.png excluded" in listing
    assert main(["relabel", str(folder), "--undo"]) == 0
    assert main(["relabel", str(folder), "--redo"]) == 0
    assert main(["relabel", str(folder), "--undo", "--all"]) == 0
    assert contents(folder) == before
    assert main(["relabel", str(folder), "cats/0.png", "--to", "horses"]) == 2
    assert "Unknown class 'horses'" in capsys.readouterr().err
    assert contents(folder) == before
