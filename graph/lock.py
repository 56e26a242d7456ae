"""One process owns a data directory: an advisory lock that says who holds it.

RocksDB refuses a second writer with an opaque message; this lock is taken first so the
user learns which process (pid and command) holds the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path

from .errors import StoreLocked, StoreUnwritable

LOCK_NAME = "maarifa.lock"


class ProcessLock:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, command: str | None = None) -> "ProcessLock":
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except PermissionError as exc:
            raise StoreUnwritable(self.data_dir, exc.strerror or "permission denied") from None
        except OSError as exc:
            raise StoreUnwritable(self.data_dir, exc.strerror or str(exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read_holder(fd)
            os.close(fd)
            raise StoreLocked(self.data_dir, holder) from None
        holder = {
            "pid": os.getpid(),
            "command": command or " ".join(["maarifa", *sys.argv[1:]])[:200],
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self._fd = fd
        return self

    @staticmethod
    def _read_holder(fd: int) -> dict:
        try:
            return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        except (ValueError, OSError):
            return {}

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
