"""Run a function over many files in threads, with progress and cancel: how scan checks
and build_cache decodes. Pillow releases the GIL while it decodes and resizes, so threads
use every core without the cost of processes (pickling pixels back)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from netlib.data.errors import Cancelled

__all__ = ["default_workers", "parallel_map"]


def default_workers() -> int:
    """One thread per CPU core."""
    return os.cpu_count() or 1


def parallel_map(
    function: Callable,
    items: Iterable,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    total: int | None = None,
    what: str = "work",
) -> Iterator[tuple]:
    """(item, function(item)) in completion order, from `workers` threads.

    At most 4 tasks per thread are queued at a time, so that a million files do not become
    a million futures at once. `progress(done, total)` is called in the calling thread
    after each result; when `cancel()` returns True, the tasks not started are dropped
    and :class:`Cancelled` is raised ("<what> cancelled after N of M").
    """
    items = list(items) if total is None else items
    total = len(items) if total is None else total
    workers = workers or default_workers()
    stop = threading.Event()

    def guarded(item):
        return None if stop.is_set() else function(item)

    with ThreadPoolExecutor(workers, thread_name_prefix="convlab-data") as pool:
        try:
            for done, (item, result) in enumerate(_bounded(pool, guarded, iter(items), 4 * workers), 1):
                yield item, result
                if progress is not None:
                    progress(done, total)
                if cancel is not None and cancel():
                    raise Cancelled(f"{what} cancelled after {done} of {total}")
        finally:
            stop.set()  # a consumer that stops early (an error, a cancel) ends the rest


def _bounded(pool: ThreadPoolExecutor, function, items: Iterator, in_flight: int) -> Iterator[tuple]:
    pending: dict[Future, object] = {}
    for item in items:
        pending[pool.submit(function, item)] = item
        if len(pending) >= in_flight:
            break
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            item = pending.pop(future)
            yield item, future.result()
            for next_item in items:
                pending[pool.submit(function, next_item)] = next_item
                break
