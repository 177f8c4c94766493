"""The size of the frozen folder by component, and the Windows folder estimated on paper.

    python scripts/frozen_size.py dist/Baoxue
        a built folder (Linux or Windows): Qt libraries, Qt plugins, Qt translations, ICU, Python,
        fonts, our code and data, each other library, the system libraries PyInstaller copied (Linux);
        the pure-Python modules inside each executable's archive are counted by their package.

    python scripts/frozen_size.py --windows WHEELS dist/Baoxue
        the Windows folder, estimated by resolving build.spec against the win_amd64 wheels in WHEELS
        (``pip download --platform win_amd64 --only-binary :all: --python-version 3.11 -d WHEELS
        PySide6-Essentials ...``): the Qt bindings the Linux build collected, the Qt DLLs they and the
        kept plugins import (read from the DLLs' import tables), build.spec's own exclusion rules
        (``keep``, ``KEEP_TRANSLATIONS``, evaluated as on win32), the other libraries' files as in the
        wheels; the pure-Python archive is the Linux build's (it does not depend on the platform). The
        CPython runtime itself is in no wheel: its size is a stated estimate (PYTHON_WINDOWS_MIB).
"""

from __future__ import annotations

import argparse
import ast
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
OURS = ("desktop_app", "database", "resources", "packaging", "baoxue_main")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".afm")
#: CPython 3.11 as PyInstaller collects it on Windows: python311.dll (~5.6 MiB), the stdlib
#: extension modules (~4 MiB), libcrypto/libssl (~5.7 MiB), sqlite3.dll (~1.5 MiB), libffi, the
#: VC runtime and base_library.zip (~1.4 MiB). Not measured here (no wheel carries CPython).
PYTHON_WINDOWS_MIB = 19.0
#: Folder or module names that belong to one library.
ALIASES = {"pillow": "pil", "pypdfium2_raw": "pypdfium2", "pypdfium2_cfg": "pypdfium2", "_argon2_cffi_bindings": "argon2",
           "argon2_cffi_bindings": "argon2", "nacl": "pynacl", "_cffi_backend": "cffi", "stdnum": "python-stdnum"}
#: Plugin folders PyInstaller's Qt hook collects for each Qt module (PyInstaller/utils/hooks/qt).
PLUGINS_BY_MODULE = {
    "QtGui": ("accessiblebridge", "platforms", "platformthemes", "platforminputcontexts", "generic", "iconengines",
              "imageformats", "egldeviceintegrations", "xcbglintegrations", "wayland-decoration-client",
              "wayland-graphics-integration-client", "wayland-shell-integration"),
    "QtWidgets": ("styles", "accessible"),
    "QtNetwork": ("bearer", "networkinformation", "tls"),
    "QtPrintSupport": ("printsupport",),
    "QtSvg": ("iconengines", "imageformats"),
}


def component(rel: str) -> str:
    """The component a file of the folder (path relative to it, or below ``_internal``) belongs to."""
    path = PurePosixPath(rel.replace("\\", "/"))
    parts = path.parts[1:] if path.parts and path.parts[0] == "_internal" else path.parts
    name = path.name.lower()
    top = parts[0] if parts else ""
    if name.startswith(("libicu", "icu")) or name.startswith("icudt"):
        return "ICU"
    if name.endswith(FONT_SUFFIXES):
        return "fonts"
    if top in ("PySide6", "shiboken6"):
        if "translations" in parts:
            return "Qt translations"
        if "plugins" in parts:
            return "Qt plugins"
        return "Qt libraries"
    if top.split(".")[0] in OURS:
        return "our code and data"
    if name.startswith(("libpython", "python3", "base_library", "vcruntime", "libffi", "libcrypto", "libssl",
                        "sqlite3.dll", "ucrtbase", "api-ms-win")) or top.startswith("python3.") \
            or "lib-dynload" in parts:
        return "Python"
    if len(parts) == 1 and (".cpython-" in name or name.endswith(".pyd")):  # a top-level extension module
        stem = name.split(".")[0]
        return "library: " + ALIASES.get(stem, stem)
    if len(parts) == 1 and name.startswith("lib") and ".so" in name:
        return "system libraries (Linux)"
    if len(parts) == 1:
        return "other files"
    if top.endswith(".dist-info"):
        return "package metadata (licences)"
    return "library: " + ALIASES.get(top.removesuffix(".libs").lower(), top.removesuffix(".libs").lower())


def module_component(module: str) -> str:
    """The component of a pure-Python module inside an executable's archive."""
    top = module.split(".")[0]
    if top in OURS:
        return "our code and data"
    if top in sys.stdlib_module_names or top.startswith("_") or top.startswith("pyimod") or top.startswith("pyi_"):
        return "Python"
    if top in ("PySide6", "shiboken6"):
        return "Qt libraries"
    return "library: " + ALIASES.get(top.lower(), top.lower())


def archive_parts(executable: Path) -> Counter[str] | None:
    """An executable's bytes by component (its archive's modules by package; the rest is bootloader)."""
    try:
        from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader
    except ImportError:
        return None
    try:
        package = CArchiveReader(str(executable))
    except Exception:  # noqa: BLE001 - not a PyInstaller executable
        return None
    out: Counter[str] = Counter()
    inside = 0
    for name, (offset, length, _ulen, _flag, kind) in package.toc.items():
        inside += length
        if kind == "z":  # the PYZ archive of pure-Python modules
            pyz = ZlibArchiveReader(str(executable), package._start_offset + offset)
            counted = 0
            for module, entry in pyz.toc.items():
                out[module_component(module)] += entry[2]
                counted += entry[2]
            out["Python"] += length - counted  # the archive's own table of contents
        else:
            out["Python" if kind in "msu" else component(name)] += length
    out["bootloader"] += executable.stat().st_size - inside
    return out


def folder_parts(folder: Path) -> tuple[Counter[str], list[tuple[int, str]]]:
    parts: Counter[str] = Counter()
    files: list[tuple[int, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        files.append((size, rel))
        split = archive_parts(path) if len(path.relative_to(folder).parts) == 1 else None
        if split:
            parts.update(split)
        else:
            parts[component(rel)] += size
    return parts, files


def print_table(title: str, parts: Counter[str], note: str = "", every: bool = False) -> None:
    total = sum(parts.values())
    shown: Counter[str] = Counter()
    for name, size in parts.items():
        small = not every and name.startswith("library: ") and size < MIB // 2
        shown["other libraries (each under 0.5 MiB)" if small else name] += size
    print(f"\n{title}: {total / MIB:.1f} MiB{note}")
    for name, size in shown.most_common():
        print(f"  {name:<40}{size / MIB:>8.1f} MiB{100 * size / total:>7.1f}%")


# --- the Windows estimate ------------------------------------------------------------------

def spec_rules(spec: Path) -> SimpleNamespace:
    """build.spec's exclusion lists and its ``keep`` function, evaluated as they would be on win32."""
    tree = ast.parse(spec.read_text(encoding="utf-8"))
    wanted = {"EXCLUDES", "DROP_PLUGIN_DIRS", "DROP_PLUGIN_FILES", "DROP_IMAGE_FORMATS", "DROP_LIBRARIES",
              "KEEP_TRANSLATIONS", "DROP_LINUX_PREFIXES", "keep"}
    body = [node for node in tree.body
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) in wanted for t in node.targets))
            or (isinstance(node, ast.FunctionDef) and node.name in wanted)]
    namespace: dict[str, object] = {"Path": PurePosixPath, "sys": SimpleNamespace(platform="win32")}
    exec(compile(ast.Module(body=body, type_ignores=[]), str(spec), "exec"), namespace)  # noqa: S102 - our spec
    return SimpleNamespace(**{k: v for k, v in namespace.items() if k in wanted})


def dll_imports(data: bytes) -> list[str]:
    import pefile  # the DLLs' import tables (PyInstaller itself reads them with pefile on Windows)

    pe = pefile.PE(data=data, fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
    return [entry.dll.decode().lower() for entry in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]


def wheel_files(wheels: Iterable[Path]) -> dict[str, tuple[zipfile.ZipFile, zipfile.ZipInfo]]:
    out = {}
    for wheel in wheels:
        archive = zipfile.ZipFile(wheel)
        for info in archive.infolist():
            if not info.is_dir():
                out[info.filename] = (archive, info)
    return out


def estimate_windows(wheel_dir: Path, linux: Path, spec: Path, verbose: bool = False) -> Counter[str]:
    rules = spec_rules(spec)
    keep: Callable[[str], bool] = rules.keep  # type: ignore[assignment]
    files = wheel_files(sorted(wheel_dir.glob("*win_amd64.whl")) + sorted(wheel_dir.glob("*-none-any.whl")))
    internal = linux / "_internal" if (linux / "_internal").is_dir() else linux
    parts: Counter[str] = Counter()
    listed: list[tuple[int, str]] = []

    # Qt: the bindings the Linux build collected, their DLLs and the kept plugins' DLLs, closed over imports.
    bindings = sorted({p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
                      | {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.pyd")})
    by_name = {PurePosixPath(name).name.lower(): name for name in files if name.startswith(("PySide6/", "shiboken6/"))}
    todo = [f"PySide6/{b}.pyd" for b in bindings if f"PySide6/{b}.pyd" in files]
    for module in bindings:
        for kind in PLUGINS_BY_MODULE.get(module, ()):
            todo += [n for n in files if n.startswith(f"PySide6/plugins/{kind}/") and n.endswith(".dll")
                     and keep(n)]
    todo += [f"PySide6/translations/{t}" for t in rules.KEEP_TRANSLATIONS if f"PySide6/translations/{t}" in files]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or not keep(name):
            continue
        seen.add(name)
        archive, info = files[name]
        parts[component(name)] += info.file_size
        listed.append((info.file_size, name))
        if name.endswith((".dll", ".pyd")):
            todo += [by_name[d] for d in dll_imports(archive.read(info)) if d in by_name]

    # The other libraries: each file the Linux build collected, matched in the wheels by folder and name
    # (an extension module or library by its stem: _imaging.cpython-311-x86_64-linux-gnu.so is
    # _imaging.cp311-win_amd64.pyd, libpdfium.so is pdfium.dll); what only Linux needs has no match.
    def key(rel: str) -> tuple[str, str]:
        path = PurePosixPath(rel)
        return path.parent.as_posix(), path.name.split(".")[0].lower().removeprefix("lib")

    collected = {p.relative_to(internal).as_posix() for p in internal.rglob("*") if p.is_file()}
    wanted = {key(rel) for rel in collected if "/" in rel}
    for name, (_archive, info) in files.items():
        if name.split("/")[0] in ("PySide6", "shiboken6") or name.endswith((".py", ".pyc", ".pyi")):
            continue
        vendored = name.endswith(".dll") and key(name)[0].endswith(".libs") and any(  # delvewheel's DLLs
            k[0] == key(name)[0].removesuffix(".libs") for k in wanted)
        if ((name in collected or key(name) in wanted) and keep(name)) or vendored:
            parts[component(name)] += info.file_size
    # Our data, fonts and migrations (platform independent), and the executables' archives.
    for rel in collected:
        if component(rel) in ("our code and data", "fonts") and rel.split("/")[0] in OURS:
            parts[component(rel)] += (internal / rel).stat().st_size
    for exe in (p for p in linux.iterdir() if p.is_file()):
        split = archive_parts(exe)
        if split:
            split.pop("bootloader", None)
            parts.update(split)
            parts["bootloader"] += 300 * 1024  # runw.exe / run.exe with icon and version resource
    parts["Python"] += int(PYTHON_WINDOWS_MIB * MIB)
    if verbose:
        print("Qt files collected:")
        for size, name in sorted(listed, reverse=True):
            print(f"  {size / MIB:8.2f} MiB  {name}")
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a built folder, e.g. dist/Baoxue")
    parser.add_argument("--windows", type=Path, metavar="WHEELS", help="estimate the Windows folder from these wheels")
    parser.add_argument("--spec", type=Path, default=ROOT / "build.spec")
    parser.add_argument("--largest", type=int, default=15, help="list this many of the largest files")
    parser.add_argument("--all", action="store_true", help="list every library, however small")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"没有找到文件夹 {args.folder}", file=sys.stderr)
        return 1
    if args.windows:
        parts = estimate_windows(args.windows, args.folder, args.spec, args.all)
        print_table("Windows folder, estimated from the win_amd64 wheels", parts,
                    f" (CPython runtime {PYTHON_WINDOWS_MIB:.0f} MiB of it estimated, not measured)", args.all)
        return 0
    parts, files = folder_parts(args.folder)
    print_table(f"{args.folder}", parts, every=args.all)
    print(f"\nlargest {args.largest} files:")
    for size, rel in sorted(files, reverse=True)[:args.largest]:
        what = "executable: bootloader and Python archive" if archive_parts(args.folder / rel) else component(rel)
        print(f"  {size / MIB:8.1f} MiB  {rel}  [{what}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
