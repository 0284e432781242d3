"""Writing a file sharekit makes without destroying what it did not make."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_text_safely(path: Path, text: str) -> None:
    """Replace `path` only if it is a regular file (or does not exist), atomically: the text goes
    to a temporary file beside it first, so a failed write leaves the old file whole. A symbolic
    link is written through to its target and stays a link; a directory, device, FIFO or socket
    is refused with an OSError that says so (as root, `--out /dev/null` stays a device)."""
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file")
        raise OSError(f"{path} is {kind}: sharekit replaces only regular files; name a file")
    # a fresh name (O_EXCL): a planted `.name.tmp` link cannot redirect the write
    handle, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".sharekit-tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, real)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (mkstemp makes 0600 files; a new file gets the usual 0666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
