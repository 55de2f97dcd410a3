"""Files appear whole or not at all: written beside the target, then renamed onto it."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _shared_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def replace_when_done(path: Path) -> Iterator[str]:
    """Yield a temporary path in the target's folder; when the block succeeds, give it the
    permissions a new file would have (mkstemp makes it private) and rename it onto `path`;
    when it fails, remove it. A reader never sees half a file, and a failed run keeps the old one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _shared_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
