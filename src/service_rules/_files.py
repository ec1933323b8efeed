"""Files written atomically: a temporary file in the target's folder, then one ``os.replace``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path in the target's folder; on success it replaces the target in one step,
    on failure it is removed (a crash never leaves a half-written file under the target's name)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


#: The extensions of the inputs read as spreadsheets (here, not in ``_sheets``: a run that reads
#: none does not import what reads them).
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".xls")


def is_sheet_file(path: str | os.PathLike[str]) -> bool:
    """Whether a path is read as a spreadsheet (by its extension) rather than as JSON Lines."""
    return os.fspath(path).lower().endswith(SHEET_SUFFIXES)
