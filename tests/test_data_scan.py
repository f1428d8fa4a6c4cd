"""scan(): layout rules, what it skips and why, predefined splits, and its errors."""

import numpy as np
import pytest
from PIL import Image

from netlib.data import Cancelled, DatasetError, scan


def image(path, colour=(200, 30, 30), fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path, fmt)
    return path


def test_classes_are_sorted_subfolders_and_files_are_found_recursively(tmp_path):
    image(tmp_path / "dogs" / "a.png")
    image(tmp_path / "cats" / "2019" / "summer" / "b.png")
    image(tmp_path / "cats" / "c.png")
    image(tmp_path / "birds" / "d.png")
    (tmp_path / "README.md").write_text("top-level files are not data")
    index = scan(tmp_path)
    assert index.classes == ["birds", "cats", "dogs"]
    assert index.counts == {"birds": 1, "cats": 2, "dogs": 1}
    assert {s.path.name: s.label for s in index.samples} == {"d.png": 0, "b.png": 1, "c.png": 1, "a.png": 2}
    assert index.skipped == [] and not index.predefined_split
    assert all(s.split is None for s in index.samples)


def test_extension_case_hidden_files_non_ascii_names_and_system_junk(tmp_path):
    image(tmp_path / "a" / "PHOTO.JPG", fmt="JPEG")
    image(tmp_path / "a" / "Scan.PnG", fmt="PNG")
    image(tmp_path / "a" / "chat_été_猫.png")
    image(tmp_path / "b" / "ok.jpeg", fmt="JPEG")
    image(tmp_path / "b" / ".hidden.png")  # a dot file
    image(tmp_path / "b" / ".thumbnails" / "x.png")  # in a dot folder
    image(tmp_path / "__MACOSX" / "b" / "._ok.jpeg")  # an archiver's leftovers, not a class
    (tmp_path / "a" / "Thumbs.db").write_bytes(b"\0" * 10)
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    index = scan(tmp_path)
    assert index.classes == ["a", "b"]
    assert sorted(s.path.name for s in index.samples) == ["PHOTO.JPG", "Scan.PnG", "chat_été_猫.png", "ok.jpeg"]
    assert [(s.path.name, s.reason) for s in index.skipped] == [("notes.txt", "not an image")]
    assert "extension .txt" in index.skipped[0].detail


def test_bad_files_are_reported_at_scan_time_by_reason(tmp_path):
    image(tmp_path / "a" / "good.png")
    image(tmp_path / "b" / "good.png")
    (tmp_path / "a" / "empty.png").write_bytes(b"")
    (tmp_path / "a" / "text.jpg").write_text("hello")
    Image.fromarray(np.zeros((4, 4), np.float32), "F").save(tmp_path / "b" / "float.tif")
    index = scan(tmp_path)
    assert {s.path.name: s.reason for s in index.skipped} == {
        "empty.png": "empty file",
        "text.jpg": "not an image",
        "float.tif": "unsupported mode",
    }
    assert index.counts == {"a": 1, "b": 1}
    report = index.report()
    assert report["root"] == str(tmp_path)
    assert report["classes"] == ["a", "b"] and report["counts"] == {"a": 1, "b": 1}
    assert {"path": "a/empty.png", "reason": "empty file"}.items() <= report["skipped"][0].items()
    # Without verification only the extension is checked: the bad images pass.
    assert len(scan(tmp_path, verify=False).samples) == 5


def test_predefined_train_val_test_layout_is_kept(tmp_path):
    for part, count in (("train", 3), ("val", 2), ("test", 1)):
        for label in ("cat", "dog"):
            for i in range(count):
                image(tmp_path / part / label / f"{i}.png")
    index = scan(tmp_path)
    assert index.predefined_split and index.classes == ["cat", "dog"]
    splits = [s.split for s in index.samples]
    assert splits.count("train") == 6 and splits.count("validation") == 4 and splits.count("test") == 2


def test_split_names_among_other_folders_are_classes(tmp_path):
    image(tmp_path / "train" / "x.png")  # a class that happens to be called "train"
    image(tmp_path / "bus" / "y.png")
    index = scan(tmp_path)
    assert not index.predefined_split and index.classes == ["bus", "train"]


def test_progress_and_cancel(tmp_path):
    for i in range(6):
        image(tmp_path / ("a" if i % 2 else "b") / f"{i}.png")
    calls = []
    scan(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]
    with pytest.raises(Cancelled):
        scan(tmp_path, cancel=lambda: True)


@pytest.mark.parametrize(
    "layout, message",
    [
        ("missing", "does not exist"),
        ("file", "is a file"),
        ("no classes", "no class sub-folders"),
        ("one class", "only one class sub-folder .'cats'."),
        ("empty class", "'dogs' has no usable image"),
        ("only bad files", "'dogs' has no usable image.*empty file"),
    ],
)
def test_clear_errors_name_the_folder(tmp_path, layout, message):
    folder = tmp_path / "data"
    if layout == "file":
        folder.write_text("not a folder")
    elif layout == "no classes":
        folder.mkdir()
        image(folder / "loose.png")
    elif layout == "one class":
        image(folder / "cats" / "a.png")
    elif layout == "empty class":
        image(folder / "cats" / "a.png")
        (folder / "dogs").mkdir()
    elif layout == "only bad files":
        image(folder / "cats" / "a.png")
        (folder / "dogs").mkdir()
        (folder / "dogs" / "a.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=message) as error:
        scan(folder)
    assert isinstance(error.value, ValueError) and str(folder) in str(error.value)


def test_the_full_decode_finds_truncated_files_in_threads_and_fingerprints_the_rest(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        for i in range(4):
            path = tmp_path / name / f"{i}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(path, quality=90)
    cut = tmp_path / "b" / "3.jpg"
    cut.write_bytes(cut.read_bytes()[: len(cut.read_bytes()) // 2])
    index = scan(tmp_path, workers=2)
    assert [(s.path.name, s.reason) for s in index.skipped] == [("3.jpg", "truncated")]
    assert index.counts == {"a": 4, "b": 3} and len(index.candidates) == 8
    assert set(index.fingerprints) == {s.path for s in index.samples}
    assert index.fingerprints[index.samples[0].path].side == 48  # the source's smaller side
    header = scan(tmp_path, verify="header")  # a header check cannot see it
    assert header.counts == {"a": 4, "b": 4} and not header.fingerprints
    with pytest.raises(ValueError, match="verify must be one of 'decode', 'header', False"):
        scan(tmp_path, verify="quick")


def test_a_valid_folder_is_the_validation_split_and_the_excluded_folder_no_class(tmp_path):
    for part in ("train", "valid", "test"):
        image(tmp_path / part / "cat" / "1.png")
        image(tmp_path / part / "dog" / "1.png")
    image(tmp_path / "_excluded" / "train" / "cat" / "2.png")  # relabel's quarantine
    index = scan(tmp_path)
    assert index.predefined_split and index.classes == ["cat", "dog"]
    assert sorted(s.split for s in index.samples) == ["test"] * 2 + ["train"] * 2 + ["validation"] * 2
    assert index.split_counts() == {part: {"cat": 1, "dog": 1} for part in ("train", "validation", "test")}
    report = index.report()
    assert report["split_counts"]["validation"] == {"cat": 1, "dog": 1}
    assert report["balance"]["ratio"] == 1.0 and report["balance"]["warning"] is None
