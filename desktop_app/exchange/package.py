"""The .bxpkg file: a canonical zip of a manifest, a payload and a signature.

Layout (ZIP_STORED, fixed times and attributes, in this order):
    manifest.json   UTF-8 JSON (format, sender, recipient, sequence range, counts, payload hash …)
    payload.bin     zlib-compressed JSON, sealed to the recipient's X25519 key (SealedBox)
    signature.bin   Ed25519 signature of the sender over manifest.json (which holds the payload's SHA-256)

Reading checks, in order: size and layout (only these names, bounded sizes, the file must be
byte-for-byte the canonical zip of its members, so a flipped byte anywhere is caught), then the
caller checks the recipient and the key, then ``verify`` the signature, then ``open_payload``
decrypts and decompresses with a bound (no zip bombs). Every failure is a ``PackageError``
whose message is the Chinese sentence shown to the user. No Qt, no database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from desktop_app.domain.errors import os_reason

FORMAT_VERSION = 1
SUFFIX = ".bxpkg"
MANIFEST, PAYLOAD, SIGNATURE = "manifest.json", "payload.bin", "signature.bin"
MEMBERS = (MANIFEST, PAYLOAD, SIGNATURE)
MAX_ENTRIES = 3
MAX_MANIFEST = 256 * 1024
MAX_PAYLOAD = 512 * 1024 * 1024  # sealed, compressed
#: After decompression. The largest payload the program writes is its attachments (at most two thirds of
#: ``MAX_PAYLOAD``) in base64 plus the rows; a payload inflating past this is refused while it is counted.
MAX_PLAIN = 768 * 1024 * 1024
_INFLATE_CHUNK = 4 * 1024 * 1024
MAX_FILE = MAX_PAYLOAD + 2 * MAX_MANIFEST
_DATE_TIME = (2020, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """A package cannot be used; ``str(err)`` is the Chinese reason."""


# --- keys -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyPair:
    box_secret: bytes
    sign_secret: bytes

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(bytes(PrivateKey.generate()), bytes(SigningKey.generate()))

    @property
    def box_public(self) -> bytes:
        return bytes(PrivateKey(self.box_secret).public_key)

    @property
    def sign_public(self) -> bytes:
        return bytes(SigningKey(self.sign_secret).verify_key)


def fingerprint(sign_public: bytes, box_public: bytes) -> str:
    """Short text to read out over the phone: 8 groups of 4 hex digits of SHA-256(keys)."""
    digest = hashlib.sha256(sign_public + box_public).hexdigest()[:32].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 32, 4))


# --- writing ----------------------------------------------------------------------------

def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in MEMBERS:
            info = zipfile.ZipInfo(name, date_time=_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, members[name])
    return buf.getvalue()


def _payload_json(payload: dict[str, Any]) -> bytes:
    """The payload as compact UTF-8 JSON (orjson: the payload of a large package is megabytes)."""
    try:
        return orjson.dumps(payload)
    except TypeError:  # a value orjson does not take (an integer beyond 64 bits …): the standard library does
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build(manifest: dict[str, Any], payload: dict[str, Any], sign_secret: bytes,
          recipient_box_public: bytes | None) -> bytes:
    """The bytes of a package. ``recipient_box_public`` None writes an unencrypted payload (enrolment)."""
    plain = zlib.compress(_payload_json(payload), 1)
    sealed = SealedBox(PublicKey(recipient_box_public)).encrypt(plain) if recipient_box_public else plain
    manifest = {**manifest, "format": FORMAT_VERSION, "encrypted": recipient_box_public is not None,
                "payload_sha256": hashlib.sha256(sealed).hexdigest(), "payload_size": len(sealed)}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = SigningKey(sign_secret).sign(manifest_bytes).signature
    return _zip_bytes({MANIFEST: manifest_bytes, PAYLOAD: sealed, SIGNATURE: signature})


# --- reading ----------------------------------------------------------------------------

@dataclass
class Package:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    payload: bytes
    signature: bytes
    sha256: str  # of the whole file

    def verify(self, sign_public: bytes) -> None:
        try:
            VerifyKey(sign_public).verify(self.manifest_bytes, self.signature)
        except (BadSignatureError, ValueError, TypeError) as exc:
            raise PackageError("数据包签名无效：签名与发送单位登记的密钥不符，或文件被改动过") from exc
        if hashlib.sha256(self.payload).hexdigest() != self.manifest.get("payload_sha256"):
            raise PackageError("数据包内容与清单中的校验值不符：文件被改动过")

    def open_payload(self, box_secret: bytes | None) -> dict[str, Any]:
        """Decrypt (if sealed) and decompress with a bound, then parse."""
        data = self.payload
        if self.manifest.get("encrypted"):
            if box_secret is None:
                raise PackageError("无法解密数据包：本机没有解密密钥")
            try:
                data = SealedBox(PrivateKey(box_secret)).decrypt(data)
            except (CryptoError, ValueError, TypeError) as exc:
                raise PackageError("无法解密数据包：它不是用本单位的密钥加密的") from exc
        try:
            _inflate(data, keep=False)  # first count: a bomb is refused in bounded memory
            value = orjson.loads(_inflate(data, keep=True))  # checks the UTF-8 too; about 4x faster than json
        except PackageError:
            raise
        except (zlib.error, UnicodeDecodeError, ValueError, MemoryError) as exc:
            raise PackageError("数据包内容无法解读：文件已损坏") from exc
        if not isinstance(value, dict):
            raise PackageError("数据包内容格式不对")
        return value


def _inflate(data: bytes, *, keep: bool) -> bytearray:
    """Decompress ``data`` in chunks, counting the bytes; past ``MAX_PLAIN`` it is refused at once.

    With ``keep`` False nothing is kept (memory stays at one chunk), so a zlib bomb costs no memory.
    """
    out = bytearray()
    total = 0
    inflater = zlib.decompressobj()
    view = memoryview(data)
    for start in range(0, len(data), _INFLATE_CHUNK):
        pending: bytes | memoryview = view[start:start + _INFLATE_CHUNK]
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, _INFLATE_CHUNK)
            total += len(piece)
            if total > MAX_PLAIN:
                raise PackageError(f"数据包解压后超过{MAX_PLAIN // (1024 * 1024)}MB，拒绝导入（疑似压缩炸弹）")
            if keep:
                out += piece
            pending = inflater.unconsumed_tail
        if inflater.eof:
            if inflater.unused_data or start + _INFLATE_CHUNK < len(data):
                raise PackageError("数据包内容后有多余的数据：文件已损坏")
            break
    if not inflater.eof:
        raise PackageError("数据包内容不完整：文件已损坏")
    return out


def _bad_name(name: str) -> bool:
    return (name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/")
            or ":" in name or "\\" in name or "/" in name)


def read(path: Path | str) -> Package:
    """Open a package file and check its size and layout (nothing is decrypted yet)."""
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a folder, /dev/zero, a FIFO …: refused before it is opened
            raise PackageError(f"{path.name} 不是普通文件（可能是文件夹或设备），不是数据包")
        if st.st_size > MAX_FILE:
            raise PackageError(f"文件过大（{st.st_size // (1024 * 1024)} MB），不是有效的数据包")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced between stat() and open()
                raise PackageError(f"{path.name} 不是普通文件，不是数据包")
            data = fh.read(MAX_FILE + 1)
    except OSError as exc:
        raise PackageError(f"无法读取文件 {path.name}：{os_reason(exc)}") from exc
    if len(data) > MAX_FILE:  # it grew between stat() and the read
        raise PackageError("文件过大，不是有效的数据包")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise PackageError(f"数据包内文件过多（{len(infos)}个），拒绝导入")
            for info in infos:
                if _bad_name(info.filename):
                    raise PackageError(f"数据包内有不允许的文件名“{info.filename}”（路径越界），拒绝导入")
                if info.filename not in MEMBERS:
                    raise PackageError(f"数据包内有多余的文件“{info.filename}”，拒绝导入")
            if sorted(i.filename for i in infos) != sorted(MEMBERS):
                raise PackageError("数据包不完整：缺少清单、内容或签名")
            limits = {MANIFEST: MAX_MANIFEST, PAYLOAD: MAX_PAYLOAD, SIGNATURE: 64}
            members: dict[str, bytes] = {}
            for info in infos:
                limit = limits[info.filename]
                if info.file_size > limit or info.compress_size > limit:
                    raise PackageError(f"数据包内“{info.filename}”超出允许的大小，拒绝导入")
                if info.compress_type != zipfile.ZIP_STORED:
                    raise PackageError("数据包的打包方式不对（不是本程序生成的数据包）")
                with zf.open(info) as fh:
                    content = fh.read(limit + 1)
                if len(content) > limit:
                    raise PackageError(f"数据包内“{info.filename}”超出允许的大小，拒绝导入")
                members[info.filename] = content
    except PackageError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, OSError, NotImplementedError,
            RuntimeError, UnicodeDecodeError) as exc:
        raise PackageError("数据包已损坏或不完整（可能拷贝未完成或U盘出错），请重新导出") from exc
    if _zip_bytes(members) != data:
        raise PackageError("数据包已损坏：文件与其内容不一致（有字节被改动或文件被截断）")
    try:
        manifest = json.loads(members[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError("数据包清单无法解读：文件已损坏") from exc
    if not isinstance(manifest, dict):
        raise PackageError("数据包清单无法解读：文件已损坏")
    fmt = manifest.get("format")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > FORMAT_VERSION:
        program = manifest.get("program")
        by = f"由 {program} 版程序写入，" if isinstance(program, str) and len(program) <= 32 else ""
        raise PackageError(f"此数据包{by}格式版本为 {fmt}，本程序只能读到 {FORMAT_VERSION}：请升级本程序后再导入")
    if fmt != FORMAT_VERSION:
        raise PackageError("数据包格式版本不受支持，请将双方程序升级到同一版本")
    return Package(manifest, members[MANIFEST], members[PAYLOAD], members[SIGNATURE],
                   hashlib.sha256(data).hexdigest())


def file_name(sender_code: str, recipient_code: str, number: int) -> str:
    return f"{sender_code}-{recipient_code}-{number}{SUFFIX}"
