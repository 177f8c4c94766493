"""What the About box (and ``baoxue-cli about``) shows, and a check of the program's own data files.

Node identity: the node id and the fingerprint of the node's keys (the one read out by phone when
a school enrols with the district). Other rows can join by registering a provider::

    @about.identity_provider
    def _more(store: Store) -> list[tuple[str, str]]:
        return [("…", "…")]
"""

from __future__ import annotations

import datetime as dt
import io
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from desktop_app import APP_NAME, APP_NAME_ASCII, __version__, version_label
from desktop_app.services import paths
from desktop_app.services.store import Store

IdentityProvider = Callable[[Store], list[tuple[str, str]]]
IDENTITY_PROVIDERS: list[IdentityProvider] = []
DISTRIBUTION = "baoxue"
LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|OFL)", re.IGNORECASE)


def identity_provider(fn: IdentityProvider) -> IdentityProvider:
    """Decorator: add (label, value) rows to the node identity part of the About box."""
    IDENTITY_PROVIDERS.append(fn)
    return fn


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    licence: str


@dataclass(frozen=True)
class AboutInfo:
    name: str
    version: str
    data_dir: Path
    store_path: Path
    store_bytes: int
    folder_bytes: int
    revision: str | None
    portable: bool
    unit: str
    node_id: str
    identity: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[tuple[str, str]]:
        """The rows shown, as (label, value)."""
        rows = [
            ("程序", f"{self.name}（{APP_NAME_ASCII}）"),
            ("版本", self.version),
            ("运行方式", "便携模式（数据在程序旁的 data 文件夹）" if self.portable else "普通安装"),
            ("数据文件夹", str(self.data_dir)),
            ("数据文件", f"{self.store_path.name}，{format_size(self.store_bytes)}"),
            ("数据文件夹合计", f"{format_size(self.folder_bytes)}（含备份）"),
            ("数据结构版本", self.revision or "（空）"),
            ("本机单位", self.unit or "（尚未设置）"),
            ("节点编号", self.node_id or "（尚未设置）"),
        ]
        return rows + list(self.identity)


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("字节", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "字节" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} 字节"  # pragma: no cover - the loop always returns


def store_size(store: Store) -> int:
    """The SQLite file with its write-ahead log and shared-memory file."""
    return sum(p.stat().st_size for p in (store.path, Path(f"{store.path}-wal"), Path(f"{store.path}-shm"))
               if p.exists())


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def info(store: Store) -> AboutInfo:
    inst = store.installation()
    identity: list[tuple[str, str]] = []
    for provider in IDENTITY_PROVIDERS:
        identity.extend(provider(store))
    return AboutInfo(
        name=APP_NAME, version=version_label(), data_dir=store.data_dir, store_path=store.path,
        store_bytes=store_size(store), folder_bytes=folder_size(store.data_dir), revision=store.revision(),
        portable=paths.is_portable(store.data_dir), unit=f"{inst.name}（{inst.code}）" if inst else "",
        node_id=inst.node_id if inst else "", identity=identity,
    )


@identity_provider
def _copies(store: Store) -> list[tuple[str, str]]:
    """The automatic copies: how many, how large, and the cap (设置 → 业务设置)."""
    from desktop_app.services import backup, server_backup, settings

    copies = backup.list_local(backup.backups_dir(store))
    cap = int(settings.get(store, backup.MAX_TOTAL_MB.key)) * 1024 * 1024
    rows = [("自动备份", f"{len(copies)}份，共{format_size(backup.copies_size(store))}（上限{format_size(cap)}）")]
    if server_backup.is_server(store.engine):  # pg_dump archives, or the server's own backup in charge
        rows.append(("服务器数据的备份", server_backup.in_charge_note()))
    return rows


@identity_provider
def _key_fingerprint(store: Store) -> list[tuple[str, str]]:
    """The fingerprint of this node's keys (made at set-up), read without making any."""
    from sqlalchemy import select

    from database.sync import NodeKey
    from desktop_app.exchange import package

    if store.installation() is None:
        return []
    with store.read() as session:
        row = session.execute(select(NodeKey)).scalar_one_or_none()
    if row is None:
        return [("密钥指纹", "（尚未生成，首次数据交换时生成）")]
    return [("密钥指纹", package.fingerprint(bytes.fromhex(row.sign_public), bytes.fromhex(row.box_public)))]


# --- licences -------------------------------------------------------------------------------

def licence_of(meta: metadata.PackageMetadata) -> str:
    """A short licence name from a distribution's metadata."""
    # The metadata is an email.message.Message: .get() returns None for a missing field.
    expression = meta.get("License-Expression")  # type: ignore[attr-defined]
    if expression:
        return str(expression)
    text = str(meta.get("License") or "").strip()  # type: ignore[attr-defined]
    if text and len(text) <= 60 and "\n" not in text:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "；".join(classifiers)
    return text.splitlines()[0][:60] if text else "未注明"


def _requirement_name(spec: str) -> str | None:
    name, _, marker = spec.partition(";")
    if "extra" in marker:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
    return match.group(1) if match else None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def libraries() -> list[Library]:
    """The libraries the program runs on (its run-time dependencies, recursively), by name.

    Works in a checkout and in the PyInstaller folder (build.spec copies their metadata).
    """
    found: dict[str, Library] = {}
    todo = [DISTRIBUTION]
    while todo:
        name = todo.pop()
        key = _normal(name)
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform, or not bundled
        meta = dist.metadata
        if key != DISTRIBUTION:
            found[key] = Library(meta["Name"], dist.version, licence_of(meta))
        else:
            found[key] = Library("", "", "")
        todo.extend(n for n in map(_requirement_name, dist.requires or []) if n)
    libs = [lib for key, lib in found.items() if key != DISTRIBUTION]
    libs.append(Library("Python", platform.python_version(), "PSF-2.0"))
    return sorted(libs, key=lambda lib: lib.name.lower())


def font_licences() -> list[tuple[str, str]]:
    """(file name, text) of each licence file of the bundled fonts (resources/fonts)."""
    folder = paths.resources_dir() / "fonts"
    if not folder.is_dir():
        return []
    result = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and LICENCE_FILE.search(path.name):
            result.append((path.relative_to(folder).as_posix(), path.read_text(encoding="utf-8", errors="replace")))
    return result


# --- self-check -----------------------------------------------------------------------------

def self_check() -> list[str]:
    """Problems with the program's own files (migrations, data of the libraries); empty when all is well.

    Run by ``baoxue-cli about`` and by the frozen smoke test: each line names a file a build left out.
    """
    problems: list[str] = []
    checks: list[tuple[str, Callable[[], object]]] = [
        ("数据库迁移脚本（database/migrations）", _check_migrations),
        ("身份证地区码表（stdnum/cn/loc.dat）", _check_region_table),
        ("拼音词典（pypinyin）", _check_pinyin),
        ("PDF 组件和中文字体（reportlab，resources/fonts）", _check_reportlab),
        ("程序图标（resources/icons）", _check_icons),
    ]
    for label, check in checks:
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the others
            problems.append(f"{label}不可用：{type(exc).__name__}: {exc}")
    return problems


def _check_migrations() -> None:
    from database import engine

    folder = engine.migrations_dir()
    if not (folder / "env.py").is_file():
        raise FileNotFoundError(folder / "env.py")
    engine.head_revision()


def _check_region_table() -> None:
    from desktop_app.domain import identity

    number = identity.make_id_number("500152", dt.date(2015, 3, 1), 12)
    if identity.id_number_error(number) is not None or identity.region_known("999999"):
        raise ValueError("地区码校验结果不对")


def _check_pinyin() -> None:
    from desktop_app.domain import names

    if names.name_initials("张三") != "zs":
        raise ValueError(names.name_initials("张三"))


def _check_reportlab() -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from desktop_app.reports.fonts import cjk_font

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont(cjk_font(), 12)
    pdf.drawString(72, 720, f"{APP_NAME} {__version__}")
    pdf.save()
    if not buffer.getvalue().startswith(b"%PDF"):
        raise ValueError("no PDF")


def _check_icons() -> None:
    icon = paths.resources_dir() / "icons" / "baoxue.png"
    if not icon.is_file():
        raise FileNotFoundError(icon)
