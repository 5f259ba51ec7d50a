"""adcov's cache folder, and a small on-disk store of derived data.

Two things are kept there: the DEM tiles ``adcov dem fetch`` downloads (``dem/``), and data
derived from the shipped files that costs more to rebuild than to read back, such as a region's
zones (``zones/``: a third of the computation of the built-in scenario). A derived entry is
named by a SHA-256 key of everything it is derived from (the input files' sizes and times, the
code that builds it, the parameters), so a changed input is a new key, never a stale answer.

An entry is a header line, a JSON document and binary blobs, with a SHA-256 checksum at the
end: nothing in it is executed (no pickle), and an entry that is truncated, corrupt or not a
regular file is ignored and built again. Writing goes through a temporary file and an atomic
rename inside the cache folder; a folder that cannot be written only costs the saving.

``$ADCOV_CACHE`` moves the folder (default ``$XDG_CACHE_HOME/adcov``, else ``~/.cache/adcov``);
``ADCOV_NO_CACHE=1`` turns the derived-data store off (downloads keep their cache).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["default_cache_dir", "derived_enabled", "file_stamp", "make_key", "load", "store"]

log = logging.getLogger(__name__)

#: First line of every derived entry; the number changes when the layout does.
MAGIC = b"adcov-derived 1\n"


def default_cache_dir() -> Path:
    """The root of adcov's cache: ``$ADCOV_CACHE`` if set, else ``$XDG_CACHE_HOME/adcov``, else
    ``~/.cache/adcov``."""
    if os.environ.get("ADCOV_CACHE"):
        return Path(os.environ["ADCOV_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "adcov"


def derived_enabled() -> bool:
    """Is the derived-data store on (``$ADCOV_NO_CACHE`` unset, empty or 0)?"""
    return os.environ.get("ADCOV_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def file_stamp(path: Path) -> list:
    """What identifies a file's version for a key: its path, size and modification time."""
    st = os.stat(path)
    return [str(path), st.st_size, st.st_mtime_ns]


def make_key(kind: str, parts) -> str:
    """The key of a derived entry: SHA-256 of ``kind`` and the JSON of ``parts``."""
    text = json.dumps([kind, parts], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _path(kind: str, key: str) -> Path:
    return default_cache_dir() / kind / f"{key}.bin"


def load(kind: str, key: str):
    """The (document, blobs) stored under ``key``, or None when there is no valid entry."""
    if not derived_enabled():
        return None
    path = _path(kind, key)
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    try:
        body, digest = data[:-32], data[-32:]
        if not body.startswith(MAGIC) or hashlib.sha256(body).digest() != digest:
            raise ValueError("checksum")
        pos = len(MAGIC)
        n = int.from_bytes(body[pos:pos + 8], "little")
        doc = json.loads(body[pos + 8:pos + 8 + n].decode("utf-8"))
        blobs, pos = [], pos + 8 + n
        for size in doc["_blob_sizes"]:
            blobs.append(body[pos:pos + size])
            pos += size
        if pos != len(body):
            raise ValueError("length")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        log.debug("ignoring the damaged cache entry %s (%s)", path, exc)
        return None
    return doc, blobs


def store(kind: str, key: str, doc: dict, blobs) -> bool:
    """Store ``doc`` (JSON-able) and ``blobs`` (bytes) under ``key``. Returns whether it was
    written; failing to write is not an error."""
    if not derived_enabled():
        return False
    path = _path(kind, key)
    blobs = [bytes(b) for b in blobs]
    meta = json.dumps({**doc, "_blob_sizes": [len(b) for b in blobs]},
                      separators=(",", ":")).encode("utf-8")
    body = b"".join([MAGIC, len(meta).to_bytes(8, "little"), meta, *blobs])
    data = body + hashlib.sha256(body).digest()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return False  # something else is there: leave it alone
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError as exc:
        log.debug("not caching %s: %s", path, exc)
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
