"""Output targets: where a command's output goes, checked before any work, written safely.

* A regular file (new, or existing with ``--force``) is written to a temporary file beside it
  and renamed into place: whole or not at all.
* A symbolic link is followed: its target is replaced that way, the link itself stays. A link
  into ``/proc`` (``/dev/stdout`` and friends) is a stream.
* ``-``, a character device (``/dev/null``, a terminal) or a FIFO is a stream: written straight
  through, with or without ``--force``, never renamed over.

A write that fails anyway (disk full, read-only file system) raises :class:`WriteError`, and
leaves nothing behind.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import CoverageError, InputError
from .formats import extensions, format_for_path

__all__ = ["Target", "WriteError", "resolve_target", "check_distinct", "write_target",
           "write_atomic", "write_via"]


class WriteError(CoverageError, OSError):
    """An output could not be written (after the work was done): names the path and why."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot write: {reason}")


@dataclass(frozen=True)
class Target:
    """A checked output.

    Attributes
    ----------
    given : str
        The output as the user gave it (``-`` for standard output).
    kind : str
        ``stdout``, ``stream`` (a character device, FIFO or ``/proc`` link: written through)
        or ``file`` (written atomically).
    path : Path or None
        What is written: the file (a symlink's target, resolved) or the stream's path.
    fmt : str
        The format to write.
    """

    given: str
    kind: str
    path: Path | None
    fmt: str

    @property
    def label(self) -> str:
        """How messages name the output."""
        return "standard output" if self.kind == "stdout" else self.given


def _via_proc(path: Path) -> bool:
    """Does a chain of symbolic links lead through /proc (``/dev/stdout`` -> /proc/self/fd/1)?"""
    p = path
    for _ in range(40):
        if not p.is_symlink():
            return False
        target = Path(os.readlink(p))
        p = target if target.is_absolute() else p.parent / target
        if str(p).startswith("/proc/"):
            return True
    return False


def resolve_target(output, *, choices, fmt: str | None = None, default: str | None = None,
                   inputs=(), force: bool = False, entry: str = "output") -> Target:
    """Check an output before any work is done, and choose its format.

    Parameters
    ----------
    output : str, path-like or None
        The output; None or ``-`` for standard output.
    choices : tuple of str
        The formats this output can be (:mod:`adcov.formats`).
    fmt : str, optional
        The format asked for with ``-f``; it must agree with the file's extension.
    default : str, optional
        The format when neither ``-f`` nor the extension says (standard output and devices);
        without one, a file must have a known extension.
    inputs : sequence of path-like
        Files the command reads: an output may not be one of them.
    force : bool
        Replace an existing regular file.
    entry : str
        How messages name the option (``output``, ``--map``).

    Returns
    -------
    Target

    Raises
    ------
    InputError
        Bad output: a directory, a missing or read-only folder, an input file, an existing file
        without ``force``, an unknown extension, or ``-f`` contradicting the extension.
    """
    known = ", ".join(extensions(choices))
    if output is None or str(output) == "-":
        chosen = fmt or default
        if chosen is None:
            raise InputError(f"give a file name ending in {known}", entry=entry, value="-")
        return Target("-", "stdout", None, chosen)
    given = str(output)
    path = Path(given)
    by_ext = format_for_path(path, choices)
    try:
        st = path.stat()  # follows links
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot be used as an output: {exc.strerror}", file=given,
                         entry=entry) from None
    streaming = st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode))
    if streaming or _via_proc(path):
        chosen = fmt or by_ext or default
        if chosen is None:
            raise InputError(f"give -f: the format cannot be told from the name; one of "
                             f"{', '.join(choices)}", file=given, entry=entry)
        if fmt and by_ext and fmt != by_ext:
            raise _contradiction(given, entry, fmt, by_ext)
        return Target(given, "stream", path, chosen)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory; give a file name", file=given, entry=entry)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise InputError("is not a regular file, a character device or a FIFO", file=given,
                         entry=entry)
    if by_ext is None:
        raise InputError(f"unknown extension; use one of {known}", file=given, entry=entry,
                         value=path.suffix)
    if fmt is not None and fmt != by_ext:
        raise _contradiction(given, entry, fmt, by_ext)
    real = Path(os.path.realpath(path))  # a symlink's target is what gets replaced
    folder = real.parent
    # Name the folder as the user gave it, unless a link leads elsewhere.
    shown = str(folder) if path.is_symlink() else str(path.parent)
    if not folder.is_dir():
        raise InputError("folder does not exist", file=given, entry=entry, value=shown)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("folder is not writable", file=given, entry=entry, value=shown)
    for p in inputs:
        if p is not None and Path(p).exists() and real == Path(os.path.realpath(p)):
            raise InputError("output would overwrite an input file", file=given, entry=entry)
    if st is not None and not force:
        raise InputError("exists already; pass --force to overwrite it", file=given,
                         entry=entry)
    return Target(given, "file", real, by_ext)


def _contradiction(given, entry, fmt, by_ext) -> InputError:
    return InputError(f"-f {fmt} contradicts the extension, which means {by_ext}", file=given,
                      entry=entry, value=Path(given).suffix)


def check_distinct(*targets: Target) -> None:
    """Refuse two outputs of one command that go to the same place (one would be lost)."""
    seen: dict = {}
    for t in targets:
        if t is None:
            continue
        key = "stdout" if t.kind == "stdout" else os.path.realpath(t.path)
        if t.kind != "stream" or key not in ("/dev/null",):
            if key in seen:
                raise InputError(f"goes to the same place as {seen[key]}; give two different "
                                 "outputs", file=t.label, entry="output")
        seen[key] = t.label


def write_target(target: Target, data=None, *, produce=None, suffix: str = ".tmp") -> None:
    """Write an output: ``data`` (str as UTF-8, or bytes), or what ``produce(path)`` writes to
    a file (for formats a library writes itself, such as GeoPackage).

    Raises
    ------
    WriteError
        The write failed; nothing is left behind.
    """
    if target.kind == "file":
        try:
            if produce is not None:
                write_via(target.path, produce, suffix=suffix)
            else:
                write_atomic(target.path, data)
        except OSError as exc:
            raise WriteError(target.given, _reason(exc)) from None
        return
    if produce is not None:
        # A library that writes a file of its own: write it in a private folder, then copy.
        with tempfile.TemporaryDirectory(prefix="adcov-") as tmp:
            path = Path(tmp) / f"out{suffix}"
            produce(path)
            data = path.read_bytes()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if target.kind == "stdout":
            sys.stdout.flush()
            out = sys.stdout.buffer
            out.write(raw)
            out.flush()
        else:
            with open(target.path, "wb") as fh:
                fh.write(raw)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise WriteError(target.label, _reason(exc)) from None


def _reason(exc: OSError) -> str:
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


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

    def text(tmp: Path):
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # a full disk shows here, not after the rename

    return write_via(path, text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _existing_mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777

