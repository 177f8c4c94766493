"""The SHA-256 of every file of a built folder, to compare two builds of the same tag.

    python scripts/build_manifest.py dist/Baoxue > build-1.txt
    (build again into another folder, then)
    python scripts/build_manifest.py dist2/Baoxue > build-2.txt
    fc build-1.txt build-2.txt          (Windows; diff on Linux)

One line per file, sorted by path (``sha256  size  path`` with forward slashes), then a line
``total`` with the SHA-256 of the lines above: two builds are the same when the totals are.
``--skip NAME`` leaves a file out (repeatable), e.g. the signed executables when comparing a
signed release with an unsigned rebuild (compare those after removing their signatures).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path


def manifest(folder: Path, skip: Sequence[str] = ()) -> list[str]:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path.name in skip or relative in skip:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.stat().st_size}  {relative}")
    total = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return [*lines, f"{total}  total"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SHA-256 manifest of a built folder")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--skip", action="append", default=[], help="file name or relative path to leave out")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"错误：没有文件夹 {args.folder}", file=sys.stderr)
        return 1
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    print("\n".join(manifest(args.folder, args.skip)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
