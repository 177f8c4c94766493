"""The schools' program travels with the district's packages (程序更新).

A release is a zip of the program folder plus a signature file made by the publisher
(``scripts/sign_release.py``, with a secret key kept outside the repository):
``{"version", "sha256", "size", "platform", "signature"}``, the signature being Ed25519 over the
other fields as canonical JSON. Only keys in ``TRUSTED_PUBLISHER_KEYS`` are believed.

- The district attaches a release once (``attach``): it is checked and copied into the data folder.
  Every later package to a school whose program is older carries a reference to it in its manifest
  (signed by the district), and the zip and its signature are written beside the package.
- The school, importing such a package, checks the file beside it (size, SHA-256, the publisher's
  signature, a newer version, the platform) and keeps it in ``updates/``; a bad one refuses the package.
- Installing unpacks the release next to the running program's folder, never over it, and notes
  both folders. The new program, on its first start, runs verify: only then is the old folder
  removed; if verify fails the old folder stays and the user is told to go back to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from desktop_app import __version__
from desktop_app.domain.errors import ValidationError
from desktop_app.reports import files
from desktop_app.services import audit, compat
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store

#: Ed25519 public keys (hex) of the release publisher. The secret key is never in the repository.
TRUSTED_PUBLISHER_KEYS: tuple[str, ...] = (
    "42758762ad154f36e9481e0fe4e19e3b32ae8e31fc117419777d8ac283ac81db",
)
UPDATES_DIR = "updates"
STATE_FILE = "update-state.json"
MAX_RELEASE_BYTES = 400 * 1024 * 1024  # a Windows folder zips to about 60 MB
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_ENTRIES = 20_000
PLATFORM = "windows" if sys.platform.startswith("win") else "linux"
_SIGNED_FIELDS = ("version", "sha256", "size", "platform")


class UpdateError(ValidationError):
    """A release that is not signed by the publisher, damaged, not newer, or cannot be installed."""


@dataclass(frozen=True)
class Release:
    version: str
    sha256: str
    size: int
    platform: str
    signature: str

    def fields(self) -> dict[str, Any]:
        return {"version": self.version, "sha256": self.sha256, "size": self.size, "platform": self.platform,
                "signature": self.signature}

    @property
    def zip_name(self) -> str:
        return f"baoxue-{self.version}-{self.platform}.zip"


def _signed_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps({k: fields[k] for k in _SIGNED_FIELDS}, sort_keys=True, separators=(",", ":")).encode()


def sign(zip_path: Path, version: str, platform: str, secret_hex: str) -> Path:
    """The publisher's step (scripts/sign_release.py): write ``<zip>.sig`` beside the zip."""
    fields: dict[str, Any] = {"version": version, "sha256": _sha256(zip_path), "size": zip_path.stat().st_size,
                              "platform": platform}
    fields["signature"] = SigningKey(bytes.fromhex(secret_hex)).sign(_signed_bytes(fields)).signature.hex()
    sig = zip_path.with_name(zip_path.name + ".sig")
    sig.write_text(json.dumps(fields, ensure_ascii=False, indent=1), encoding="utf-8")
    return sig


def _sha256(path: Path, limit: int = MAX_RELEASE_BYTES) -> str:
    digest = hashlib.sha256()
    read = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            read += len(chunk)
            if read > limit:
                raise UpdateError(f"程序更新包 {path.name} 超过 {limit // (1024 * 1024)} MB，不是本程序的更新包")
            digest.update(chunk)
    return digest.hexdigest()


def parse_release(fields: Any) -> Release:
    """A release's signed description, checked field by field (it arrives inside packages: input)."""
    if not isinstance(fields, dict):
        raise UpdateError("程序更新包的说明格式不对")
    version, sha, size, platform, signature = (fields.get(k) for k in (*_SIGNED_FIELDS, "signature"))
    if not (isinstance(version, str) and len(version) <= 32 and compat.release_of(version).base_version
            and isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)
            and isinstance(size, int) and not isinstance(size, bool) and 0 < size <= MAX_RELEASE_BYTES
            and platform in ("windows", "linux")
            and isinstance(signature, str) and len(signature) == 128):
        raise UpdateError("程序更新包的说明格式不对")
    release = Release(version, sha, size, str(platform), signature)
    for key in TRUSTED_PUBLISHER_KEYS:
        try:
            VerifyKey(bytes.fromhex(key)).verify(_signed_bytes(release.fields()), bytes.fromhex(signature))
            return release
        except (BadSignatureError, ValueError):
            continue
    raise UpdateError(f"程序更新包（{version}）的发布者签名无效：它不是官方发布的程序，已拒绝")


def check_file(release: Release, zip_path: Path) -> None:
    """The zip is the one the signature describes."""
    if not zip_path.is_file():
        raise UpdateError(f"找不到程序更新包 {zip_path.name}：请把它和数据包一起拷到同一文件夹")
    if zip_path.stat().st_size != release.size or _sha256(zip_path) != release.sha256:
        raise UpdateError(f"程序更新包 {zip_path.name} 与其签名不符（文件不完整或被改动），已拒绝")


def read_signature_file(sig: Path) -> Release:
    try:
        if sig.stat().st_size > 4096:
            raise UpdateError("签名文件过大，不是本程序的签名文件")
        fields = json.loads(sig.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UpdateError(f"无法读取签名文件 {sig.name}") from exc
    return parse_release(fields)


def _folder(store: Store) -> Path:
    folder = store.data_dir / UPDATES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the district ---------------------------------------------------------------------------------

def attach(store: Store, zip_path: Path) -> Release:
    """District: check a release (zip + ``.sig`` beside it) and keep it to travel with the next packages."""
    require(store, Permission.EXCHANGE)
    release = read_signature_file(zip_path.with_name(zip_path.name + ".sig"))
    check_file(release, zip_path)
    folder = _folder(store)
    shutil.copyfile(zip_path, folder / release.zip_name)
    check_file(release, folder / release.zip_name)
    (folder / "attached.json").write_text(json.dumps(release.fields()), encoding="utf-8")
    with store.write() as session:
        audit.record_event(session, "updates", release.version, "附带程序更新",
                           f"{release.zip_name}（SHA-256 {release.sha256[:16]}…）随以后的数据包发给各校")
    return release


def attached(store: Store) -> Release | None:
    path = store.data_dir / UPDATES_DIR / "attached.json"
    if not path.is_file():
        return None
    try:
        return parse_release(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UpdateError):
        return None


def for_package(store: Store, peer_program: str, out_dir: Path) -> dict[str, Any] | None:
    """The manifest entry for a package to a unit on ``peer_program``; writes the release beside the package."""
    release = attached(store)
    if release is None or not peer_program or compat.release_of(peer_program) >= compat.release_of(release.version):
        return None
    target = out_dir / release.zip_name
    if not (target.is_file() and target.stat().st_size == release.size and _sha256(target) == release.sha256):
        shutil.copyfile(store.data_dir / UPDATES_DIR / release.zip_name, target)
    (out_dir / (release.zip_name + ".sig")).write_text(json.dumps(release.fields()), encoding="utf-8")
    return {**release.fields(), "file": release.zip_name}


# --- the school -----------------------------------------------------------------------------------

def check_offered(manifest: dict[str, Any], package_path: Path) -> Release | None:
    """The release a package offers, checked before anything is written (a bad one refuses the package)."""
    offered = manifest.get("update")
    if offered is None:
        return None
    release = parse_release(offered)
    if offered.get("file") != release.zip_name:
        raise UpdateError("程序更新包的文件名不对，已拒绝")
    if compat.release_of(release.version) <= compat.release_of(__version__) or release.platform != PLATFORM:
        return None  # not newer (or for another system): nothing to offer
    check_file(release, package_path.with_name(release.zip_name))
    return release


def keep_offered(store: Store, release: Release, package_path: Path) -> Path:
    """Copy an offered release into the data folder, so the USB drive can be removed."""
    folder = _folder(store)
    target = folder / release.zip_name
    shutil.copyfile(package_path.with_name(release.zip_name), target)
    check_file(release, target)
    (folder / "received.json").write_text(json.dumps(release.fields()), encoding="utf-8")
    return target


def offered(store: Store) -> Release | None:
    """A newer release received with a package and not installed yet."""
    path = store.data_dir / UPDATES_DIR / "received.json"
    if not path.is_file():
        return None
    try:
        release = parse_release(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UpdateError):
        return None
    return release if compat.release_of(release.version) > compat.release_of(__version__) else None


def program_folder() -> Path:
    """The folder of the running program (the PyInstaller folder; the checkout when run from source)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[2]


def install(store: Store, current: Path | None = None) -> Path:
    """Unpack the received release beside the running program's folder; the old folder stays until the new
    program has started once and passed verify. Returns the new folder."""
    require(store, Permission.RESTORE)
    release = offered(store)
    if release is None:
        raise UpdateError("没有收到可安装的新版本程序")
    zip_path = store.data_dir / UPDATES_DIR / release.zip_name
    check_file(release, zip_path)
    current = current or program_folder()
    target = current.parent / f"baoxue-{release.version}"
    if target.exists():
        raise UpdateError(f"文件夹 {target} 已存在：请先把它改名或删除")
    staging = current.parent / f".baoxue-{release.version}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _unpack(zip_path, staging)
        files.replace_file(staging, target)  # antivirus scans the new .exe files for a moment
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UpdateError(f"无法安装新版本：{exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write_state(store, {"version": release.version, "old": str(current), "new": str(target),
                         "installed_at": dt.datetime.now().isoformat(timespec="seconds"), "status": "installed"})
    with store.write() as session:
        audit.record_event(session, "updates", release.version, "安装程序更新",
                           f"新版本在 {target}；旧版本 {current} 保留到新版本首次启动并校验通过")
    return target


def _unpack(zip_path: Path, folder: Path) -> None:
    with zipfile.ZipFile(zip_path) as zf:
        entries = zf.infolist()
        if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
            raise UpdateError("程序更新包解压后过大，已拒绝")
        for entry in entries:
            parts = PurePosixPath(entry.filename).parts
            if entry.filename.startswith(("/", "\\")) or ".." in parts or ":" in entry.filename:
                raise UpdateError(f"程序更新包中有不安全的路径 {entry.filename}，已拒绝")
        folder.mkdir(parents=True)
        zf.extractall(folder)


def _state_path(store: Store) -> Path:
    return store.data_dir / UPDATES_DIR / STATE_FILE


def _write_state(store: Store, state: dict[str, Any]) -> None:
    _folder(store)
    _state_path(store).write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")


def state(store: Store) -> dict[str, Any] | None:
    try:
        loaded = json.loads(_state_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def after_start(store: Store, running: Path | None = None) -> str:
    """On start: if this is the first start of a newly installed release, verify the store and then remove
    the old program folder. Returns a message for the user ("" when there was nothing to do)."""
    current = state(store)
    if not current or current.get("status") != "installed":
        return ""
    running = (running or program_folder()).resolve()
    if Path(str(current.get("new", ""))).resolve() != running:
        return ""
    result = store.verify()
    if not result.ok:
        _write_state(store, {**current, "status": "verify-failed"})
        return (f"新版本 {current.get('version')} 首次启动时数据校验未通过（{result.message}）。"
                f"旧版本仍在 {current.get('old')}，请改用旧版本并联系区教委")
    old = Path(str(current.get("old", "")))
    shutil.rmtree(old, ignore_errors=True)
    _write_state(store, {**current, "status": "confirmed"})
    (store.data_dir / UPDATES_DIR / "received.json").unlink(missing_ok=True)
    with store.write() as session:
        audit.record_event(session, "updates", str(current.get("version")), "程序更新完成",
                           f"新版本校验通过，已删除旧版本文件夹 {old}")
    return f"已更新到 {current.get('version')} 版，数据校验通过；旧版本文件夹已删除"
