"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["write_atomic", "write_via", "check_output_path"]


def check_output_path(out, inputs=(), *, force: bool = False) -> Path:
    """Refuse an output path that is a directory, sits in a missing folder, is one of the
    inputs, or exists already (unless ``force``)."""
    out = Path(out)
    if out.is_dir():
        raise InputError("is a directory; give a file name", file=out, entry="output")
    if not out.parent.exists():
        raise InputError("folder does not exist", file=out, entry="output",
                         value=str(out.parent))
    for p in inputs:
        if p is not None and Path(p).exists() and out.resolve() == Path(p).resolve():
            raise InputError("output would overwrite an input file", file=out, entry="output")
    if out.exists() and not force:
        raise InputError("exists already; pass --force to overwrite it", file=out,
                         entry="output")
    return out


def write_via(path, produce, *, suffix: str = ".tmp") -> Path:
    """Have ``produce(tmp)`` write a temporary file beside ``path``, then rename it into place.

    The file gets the mode a plain ``open()`` would give it (or keeps the mode of the file it
    replaces); on any failure the temporary file, and any SQLite sidecar a GDAL driver left
    beside it, is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        produce(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, _existing_mode(path) if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, *(Path(f"{tmp}{s}") for s in ("-journal", "-wal", "-shm"))):
            if leftover.exists():
                leftover.unlink()
    return path


def write_atomic(path, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` whole or not at all (see :func:`write_via`)."""
    if isinstance(data, bytes):
        return write_via(path, lambda tmp: tmp.write_bytes(data))
    return write_via(path, lambda tmp: tmp.write_text(data, encoding="utf-8", newline=""))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _existing_mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777
