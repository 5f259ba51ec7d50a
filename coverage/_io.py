"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["write_atomic", "check_output_path"]


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


def write_atomic(path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, _existing_mode(path) if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _existing_mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777
