"""Run folders and ConvLab's files on disk, without Keras (the CLI, the app's pages,
predict, evaluate and export read runs through here; netlib.train writes them).

    >>> from netlib.runs import RunFolder
    >>> for run in RunFolder.list_runs():                 # ./runs, oldest first
    ...     print(run.path.name, run.status()["state"], run.can_resume(), run.started())

Modules: folder (RunFolder: a run's files, their names and contents), atomic (the one
atomic writer every file goes through), places (the default runs folder, the cache root).
Importing this package imports neither Keras nor numpy.
"""

from netlib.runs.atomic import (
    MODEL_METADATA_NAME,
    TEMPORARY_MARK,
    move_into_place,
    produce_atomic,
    produce_folder_atomic,
    read_model_metadata,
    remove_temporaries,
    rename_no_clobber,
    save_model_atomic,
    temporary_path,
    write_atomic,
    write_bytes_atomic,
    write_json_atomic,
)
from netlib.runs.folder import EVALUATION_FORMAT, METRIC_COLUMNS, STATES, RunFolder
from netlib.runs.places import CACHE_DIR_VARIABLE, DEFAULT_RUNS_DIR, cache_root

__all__ = [
    "CACHE_DIR_VARIABLE",
    "DEFAULT_RUNS_DIR",
    "EVALUATION_FORMAT",
    "METRIC_COLUMNS",
    "MODEL_METADATA_NAME",
    "STATES",
    "TEMPORARY_MARK",
    "RunFolder",
    "cache_root",
    "move_into_place",
    "produce_atomic",
    "produce_folder_atomic",
    "read_model_metadata",
    "remove_temporaries",
    "rename_no_clobber",
    "save_model_atomic",
    "temporary_path",
    "write_atomic",
    "write_bytes_atomic",
    "write_json_atomic",
]
