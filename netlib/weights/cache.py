"""Published files in Keras' own cache folder, fetched as keras.applications fetches them.

keras.applications keeps what it downloads in `$KERAS_HOME/models` (default
`~/.keras/models`; `/tmp/.keras/models` where the home folder is not writable) under the
file's own name, and trusts a file there whose md5 or sha256 matches the published hash.
So does this module, read at each call (not at import, as Keras does): a file either tool
downloaded serves both.

A download streams into a temporary file beside its target (netlib.runs' atomic writer),
is hash-checked, and only then takes the file's name: a half-downloaded or corrupted file
never counts as present. It reports `progress(done_bytes, total_bytes)` (total 0 when the
server does not say), polls `cancel()` between chunks, and gives up within `timeout`
seconds of silence, name resolution included: offline, it fails within seconds with a
message naming the file, where to download it from and the folder to put it in.

No Keras here: the app asks whether a file is downloaded before Keras has loaded.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from netlib.cancel import Cancelled
from netlib.registry import PublishedFile
from netlib.runs import produce_atomic

__all__ = [
    "DownloadError",
    "DEFAULT_TIMEOUT_S",
    "keras_home",
    "cache_folder",
    "cache_path",
    "cached",
    "fetch",
    "file_hash",
    "missing_message",
]

#: Seconds without an answer (resolving the host, connecting, or between two chunks)
#: after which a download gives up.
DEFAULT_TIMEOUT_S = 15.0
_CHUNK = 1 << 20
# (path, size, mtime) -> whether its hash matched: a 500 MB file is hashed once per process.
_verified: dict[tuple[str, int, int, str], bool] = {}


class DownloadError(ValueError):
    """A published file could not be fetched; the message says what to download, from
    where, and where to put it."""


def keras_home() -> Path:
    """Keras' folder: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` when the home
    folder is not writable), as keras.backend.config decides it."""
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"]).expanduser()
    home = Path.home()
    if not os.access(home, os.W_OK):
        home = Path("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir())
    return home / ".keras"


def cache_folder() -> Path:
    """Where keras.applications keeps its weights (and the ImageNet class index)."""
    return keras_home() / "models"


def cache_path(file: PublishedFile) -> Path:
    return cache_folder() / file.name


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of a file ("sha256" or "md5")."""
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _algorithm(published_hash: str) -> str:
    # keras.utils.get_file's "auto": 64 hex digits are a sha256, anything else an md5.
    return "sha256" if len(published_hash) == 64 else "md5"


def _matches(path: Path, published_hash: str | None) -> bool:
    if published_hash is None:
        return True
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, published_hash)
    if key not in _verified:
        _verified[key] = file_hash(path, _algorithm(published_hash)) == published_hash
    return _verified[key]


def cached(file: PublishedFile) -> Path | None:
    """The file in Keras' cache folder if it is there and its hash matches, else None."""
    path = cache_path(file)
    try:
        return path if path.is_file() and _matches(path, file.file_hash) else None
    except OSError:
        return None


def missing_message(file: PublishedFile, reason: str = "") -> str:
    because = f" ({reason})" if reason else ""
    return (
        f"Could not download {file.name}{because}. Without a network, download it from "
        f"{file.url} on another machine and put it in {cache_folder()} (Keras' cache "
        f"folder; KERAS_HOME moves it), or give the file's path as the weights."
    )


def fetch(
    file: PublishedFile,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Path:
    """The file's path in Keras' cache folder, downloaded first unless it is there with
    the right hash. DownloadError when it cannot be had; netlib.cancel.Cancelled when
    `cancel()` returned True (the partial download is removed either way)."""
    present = cached(file)
    if present is not None:
        return present
    target = cache_path(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return produce_atomic(target, lambda temporary: _download(file, temporary, progress,
                                                                  cancel, timeout))
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(missing_message(file, _reason(error))) from None


def _download(file, temporary: Path, progress, cancel, timeout) -> None:
    response = _open(file.url, timeout)
    with response, open(temporary, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        hasher = hashlib.new(_algorithm(file.file_hash)) if file.file_hash else None
        done = 0
        while True:
            if cancel is not None and cancel():
                raise Cancelled()
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            out.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    if total and done != total:
        raise DownloadError(missing_message(file, f"the download ended after {done:,} of {total:,} bytes"))
    if hasher is not None and hasher.hexdigest() != file.file_hash:
        raise DownloadError(missing_message(
            file, f"the downloaded file's hash {hasher.hexdigest()} is not the published "
            f"{file.file_hash}"))


def _open(url: str, timeout: float):
    """urlopen, with the host resolved within `timeout` too (urllib's timeout does not
    cover name resolution, which can hang for long on a broken network)."""
    host = urllib.parse.urlsplit(url).hostname
    if host:
        _resolve_within(host, timeout)
    return urllib.request.urlopen(url, timeout=timeout)


def _resolve_within(host: str, timeout: float) -> None:
    failure: list[BaseException] = []

    def resolve():
        try:
            socket.getaddrinfo(host, None)
        except OSError as error:
            failure.append(error)

    thread = threading.Thread(target=resolve, daemon=True, name="resolve-host")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise urllib.error.URLError(f"no answer resolving {host} within {timeout:g} s")
    if failure:
        raise urllib.error.URLError(failure[0])


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, socket.timeout):
        return "no answer within the timeout"
    return str(error) or type(error).__name__
