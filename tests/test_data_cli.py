"""`python main.py scan FOLDER`: the report as a table or JSON, a progress bar on a terminal."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from test_data_decode import write_bomb, write_empty, write_truncated_jpeg

from netlib.cli import main

REPO = Path(__file__).resolve().parent.parent


def write_folder(root):
    for name, colour in (("cats", (200, 100, 0)), ("dogs", (0, 100, 200))):
        (root / name).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (8, 8), colour).save(root / name / f"{i}.png")
    write_empty(root / "cats" / "empty.jpg")
    write_bomb(root / "dogs" / "bomb.png")
    write_truncated_jpeg(root / "dogs" / "cut.jpg")  # a valid header: found by the full decode
    (root / "dogs" / "notes.txt").write_text("hello")
    return root


def test_json_report(tmp_path, capsys):
    folder = write_folder(tmp_path / "pets")
    assert main(["scan", str(folder), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["classes"] == ["cats", "dogs"]
    assert report["counts"] == {"cats": 3, "dogs": 3}
    assert [(s["path"], s["reason"]) for s in report["skipped"]] == [
        ("cats/empty.jpg", "empty file"),
        ("dogs/bomb.png", "decompression bomb"),
        ("dogs/cut.jpg", "truncated"),
        ("dogs/notes.txt", "not an image"),
    ]


def test_table_report(tmp_path, capsys):
    folder = write_folder(tmp_path / "pets")
    assert main(["scan", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "cats" in out and "dogs" in out and "2 classes, 6 images, 4 skipped" in out
    assert "decompression bomb" in out and "cats/empty.jpg" in out


def test_errors_are_one_line_with_exit_status_2(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nowhere does not exist" in err and "Traceback" not in err


def test_a_progress_bar_on_a_terminal(tmp_path):
    folder = write_folder(tmp_path / "pets")
    controller, terminal = os.openpty()
    try:
        result = subprocess.run(
            [sys.executable, str(REPO / "main.py"), "scan", str(folder)],
            stdout=subprocess.PIPE, stderr=terminal, timeout=120, env={**os.environ, "TERM": "xterm"},
        )
        os.close(terminal)
        terminal = None
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert result.returncode == 0
    assert b"checking images" in shown  # the bar was drawn on the terminal (then cleared)
    assert b"2 classes, 6 images, 4 skipped" in result.stdout  # the report still on stdout
