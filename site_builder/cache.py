"""The build cache under SITE/.cache/site-builder/: trusted only if its seal and version match.

Entries are pickled, because unpickling is what makes a warm build fast. Unpickling runs code, and a
contributor's pull request could commit a .cache/ folder, so every file carries an HMAC whose key
mixes a random secret with the inode and change time of the file that holds the secret. A git
checkout creates that file anew, with a time nobody can predict: a committed cache never verifies
and is ignored, like any other stale or corrupt cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import pickle
import secrets
import shutil
from pathlib import Path

import xxhash

from site_builder import __version__

FORMAT = 9  # raised whenever what an entry holds changes shape (8: list items kept as text batches; moves' notes; 9: XXH3 digests)


class Store:
    """Named pickled values under one folder, sealed; a failure to read is a miss, never an error."""

    def __init__(self, root: Path, enabled: bool = True):
        self.root = root
        self.enabled = enabled
        self.stamp = f"site-builder {__version__} cache {FORMAT}".encode()
        self._key = None

    def key(self, create: bool) -> bytes | None:
        """The sealing key: the secret file's bytes, bound to that file's inode and change time."""
        if self._key is None:
            path = self.root / "secret"
            try:
                if create and not path.exists():
                    self.root.mkdir(parents=True, exist_ok=True)
                    with open(path, "xb") as handle:
                        handle.write(secrets.token_bytes(32))
                st = os.stat(path)
                self._key = path.read_bytes() + f"{st.st_ino}:{st.st_ctime_ns}:{st.st_dev}".encode()
            except OSError:
                return None
        return self._key

    def unsealed(self, name: str) -> memoryview | None:
        """The pickled bytes stored as `name` when their seal holds; None if missing or forged."""
        key = self.key(create=False) if self.enabled else None
        if key is None:
            return None
        try:
            data = (self.root / f"{name}.pickle").read_bytes()
        except OSError:
            return None
        body = memoryview(data)[32:]
        return body if hmac.compare_digest(data[:32], hmac.new(key, body, hashlib.sha256).digest()) else None

    def load(self, name: str):
        """The value stored as `name`, or None if missing, forged, corrupt or from another version."""
        body = self.unsealed(name)
        if body is None:
            return None
        try:
            stamp, value = pickle.loads(body)
            return value if stamp == self.stamp else None
        except Exception:  # noqa: BLE001 - a cache that cannot be read is simply not used
            return None

    def save(self, name: str, value) -> None:
        """Write the value atomically with its seal; a cache that cannot be written is skipped."""
        key = self.key(create=True) if self.enabled else None
        if key is None:
            return
        tmp = self.root / f".{name}.pickle.{os.getpid()}.tmp"  # two processes may save one name at once
        try:
            with open(tmp, "wb") as out:
                out.write(bytes(32))  # the seal's place
                through = Through(out, hmac.new(key, digestmod=hashlib.sha256))
                # Pickled into the file as it goes: a big entry (the snapshot: 150 MB at 100,000 events) is never held whole.
                pickle.Pickler(through, protocol=pickle.HIGHEST_PROTOCOL).dump((self.stamp, value))
                out.seek(0)
                out.write(through.mac.digest())
            os.replace(tmp, self.root / f"{name}.pickle")
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                tmp.unlink()

    def writer(self, name: str) -> "SealedWriter | None":
        """A writer of values one after another as `name` (load_each reads them back); None if the
        cache cannot be written."""
        key = self.key(create=True) if self.enabled else None
        try:
            return SealedWriter(self, name, key) if key is not None else None
        except OSError:
            return None

    def load_each(self, name: str) -> list:
        """The values a SealedWriter wrote as `name`, in order; none if missing, forged, corrupt or from
        another version."""
        body = self.unsealed(name)
        if body is None:
            return []
        try:
            stream, values = io.BytesIO(body), []
            if pickle.load(stream) != self.stamp:
                return []
            while True:  # each value pickled on its own: an unpickler's memo must match its pickler's
                try:
                    values.append(pickle.load(stream))
                except EOFError:
                    return values
        except Exception:  # noqa: BLE001 - a cache that cannot be read is simply not used
            return []

    def remove_abandoned(self) -> None:
        """Remove the unfinished entries of writers whose process is gone (a build killed while saving,
        or a helper stopped before it sealed its list items); nothing without a cache (`--no-cache`)."""
        for path in self.root.glob(".*.tmp") if self.enabled else ():
            pid = path.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not alive(int(pid)):
                with contextlib.suppress(OSError):
                    path.unlink()

    def discard(self, name: str) -> None:
        """Remove the value stored as `name`, if any."""
        try:
            os.unlink(self.root / f"{name}.pickle")
        except OSError:
            pass


class Through:
    """A file that bytes are written to and taken into a MAC as they come."""

    def __init__(self, file, mac):
        self.file, self.mac = file, mac

    def write(self, data) -> int:
        """Write and take in."""
        self.mac.update(data)
        return self.file.write(data)


def remove_dead(folders) -> None:
    """Remove each folder named NAME-PID-SUFFIX whose process is gone: what a killed build left."""
    for folder in folders:
        pid = folder.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's
        return True
    return True


# What tells bytes apart where no one gains by forging a match (files, pages, fingerprints, keys), as against
# the seal (HMAC-SHA-256): XXH3's 128 bits, 20x as fast as SHA-256 with SHA instructions (274 MB of pages at
# 10,000 events took 0.17 s of CPU to digest).
hasher = xxhash.xxh3_128
hexdigest = xxhash.xxh3_128_hexdigest
bytes_digest = xxhash.xxh3_128_digest


def digest(*parts) -> str:
    """A short stable digest of some strings or bytes."""
    h = hasher()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def tree_digest(folders) -> str:
    """A digest of every file (name and bytes) under the given folders."""
    h = hasher()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.relative_to(folder).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


class SealedWriter:
    """Values pickled one after another into one store entry as they come, so that a big entry is never
    held whole in memory, and sealed when closed. Only the process that opened it writes: a process
    forked from it that calls it does nothing (they would share the file)."""

    def __init__(self, store: Store, name: str, key: bytes):
        self.path, self.pid = store.root / f"{name}.pickle", os.getpid()
        self.tmp = store.root / f".{name}.pickle.{self.pid}.tmp"
        self.file = open(self.tmp, "wb")
        self.file.write(bytes(32))  # the seal's place
        self.through = Through(self.file, hmac.new(key, digestmod=hashlib.sha256))
        self.dump(store.stamp)

    def dump(self, value) -> None:
        """Add one value (dropping it if the entry cannot be written)."""
        if self.file is None or os.getpid() != self.pid:
            return
        try:
            pickle.dump(value, self.through, protocol=pickle.HIGHEST_PROTOCOL)  # a pickler each: its memo goes with it
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            self.abandon()

    def close(self) -> None:
        """Seal the entry and put it in place."""
        if self.file is None or os.getpid() != self.pid:
            return
        try:
            self.file.seek(0)
            self.file.write(self.through.mac.digest())
            self.file.close()
            self.file = None
            os.replace(self.tmp, self.path)
        except OSError:
            self.abandon()

    def abandon(self) -> None:
        """Leave no entry."""
        if self.file is not None:
            with contextlib.suppress(OSError):
                self.file.close()
            self.file = None
        with contextlib.suppress(OSError):
            self.tmp.unlink()
