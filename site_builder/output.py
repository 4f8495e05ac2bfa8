"""Write the site atomically: build beside output/, swap it in only when complete."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path

from site_builder.errors import UsageError

MARKER = ".nojekyll"


def check_output_dir(site: Path, output: Path) -> None:
    """Refuse an output folder that would overwrite the site or someone else's files."""
    site, target = site.resolve(), output.resolve()
    if target == site or site.is_relative_to(target):
        raise UsageError(f"{output}: the output folder cannot be the site folder or contain it")
    for name in ("content", "templates", "static"):
        if target.is_relative_to(site / name):
            raise UsageError(f"{output}: the output folder cannot be inside the site's {name}/ folder")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{output}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise UsageError(f"{output}: is not empty and is not a site_builder output (no {MARKER}); "
                         "remove it or choose another --output")


def safe_join(root: Path, relative: str) -> Path:
    """root/relative, refusing any path that would leave root."""
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) or path == root.resolve():
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return path


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Write every file under root (which is new and empty)."""
    made = set()
    for relative in sorted(files):
        path = safe_join(root, relative)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = files[relative]
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def copy_static(sources: list[Path], site: Path, files: dict) -> None:
    """Add the files of each static folder (later ones win) to `files`, as output/static/..."""
    for folder in sources:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
                    continue  # a link out of static/ must not copy outside files into the site
                files["static/" + path.relative_to(folder).as_posix()] = path.read_bytes()


def exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return result == 0


def swap_in(staging: Path, output: Path) -> None:
    """Replace output with staging atomically where the OS allows, then remove the old tree."""
    if output.exists() and exchange(staging, output):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = None
    if output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.rename(output, old / "site")
    os.rename(staging, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def publish(output: Path, files: dict[str, str | bytes]) -> None:
    """Write files into a fresh folder beside output and swap it in; on failure leave output alone."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; a web server must be able to read it
    try:
        write_tree(staging, files)
        swap_in(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
