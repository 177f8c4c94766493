"""The district's store on a PostgreSQL server: where it is and how this PC signs in to it.

A district installation may keep its ledger in a PostgreSQL database (14 or newer) instead of the
encrypted file, so several staff work on it from several PCs at once. Which one is chosen, first match:

1. ``--database-url`` on the command line, or the environment variable ``BAOXUE_DATABASE_URL``
   (``postgresql://user:password@host:5432/baoxue``, or ``postgresql:///?service=baoxue`` to take
   everything from a libpq service file; a URL without a password takes it from ``PGPASSWORD`` or
   ``~/.pgpass`` as libpq does);
2. the server settings made at set-up (``baoxue.server.json`` in the data folder): server, port,
   database, user, and the password encrypted (XSalsa20-Poly1305) with a key derived from the
   installation's store key, which only an account's password (its key slot) or the recovery key
   unwraps, so the file alone does not give the password away.

Accounts, roles, the key slots and the work files stay the program's own, in the local data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

from database import engine as db
from desktop_app.domain.errors import StoreError, ValidationError
from desktop_app.services import workfiles

if TYPE_CHECKING:
    import nacl.secret

    from desktop_app.services.store import Store

URL_ENV = "BAOXUE_DATABASE_URL"
SERVER_FILE = "baoxue.server.json"
FORMAT = "baoxue-server"
DEFAULT_PORT = 5432
_PERSON = b"baoxue-pg-pass"  # the derived key's purpose (BLAKE2b personalisation)


@dataclass(frozen=True)
class ServerSettings:
    """Where the district's database is. ``service``: a libpq service name (the rest may then be empty)."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = "baoxue"
    user: str = ""
    password: str = ""
    service: str = ""

    def url(self) -> URL:
        query = {"service": self.service} if self.service else {}
        socket = self.host.startswith("/")  # a Unix socket folder (a server on this PC)
        if socket:
            query["host"] = self.host
        return URL.create("postgresql+psycopg", username=self.user or None, password=self.password or None,
                          host=(self.host or None) if not socket else None,
                          port=self.port if self.host and not socket else None,
                          database=self.database or None, query=query)

    @classmethod
    def from_url(cls, url: URL) -> ServerSettings:
        host = url.host or str(url.query.get("host", "") or "")
        return cls(host, int(url.port or DEFAULT_PORT), url.database or "", url.username or "",
                   url.password if isinstance(url.password, str) else "", str(url.query.get("service", "") or ""))

    def label(self) -> str:
        """The server as shown to a person (never the password)."""
        if self.service and not self.host:
            return f"PostgreSQL 服务 {self.service}"
        return f"PostgreSQL {self.user + '@' if self.user else ''}{self.host}:{self.port}/{self.database}"


def validate(settings: ServerSettings) -> ServerSettings:
    """The settings with spaces trimmed; a missing or malformed field refused in one Chinese line."""
    s = ServerSettings(settings.host.strip(), settings.port, settings.database.strip(), settings.user.strip(),
                       settings.password, settings.service.strip())
    if not s.service:
        if not s.host:
            raise ValidationError("请填写数据库服务器地址（例如 192.168.1.10）")
        if not s.database:
            raise ValidationError("请填写数据库名称（例如 baoxue）")
        if not s.user:
            raise ValidationError("请填写数据库用户名")
    if not 0 < int(s.port) < 65536:
        raise ValidationError(f"端口号 {s.port} 不正确：应为 1 到 65535 之间的数字（PostgreSQL 默认 5432）")
    if not s.host.startswith("/") and any(c in s.host for c in " /\\?#@"):
        raise ValidationError(f"服务器地址“{s.host}”不正确：只填写主机名或 IP 地址")
    return s


def parse_url(text: str) -> URL:
    """A URL given on the command line or in the environment; refused in Chinese when it is not
    a PostgreSQL URL."""
    try:
        url = make_url(text.strip())
    except ArgumentError as exc:
        raise ValidationError(f"数据库地址“{text}”无法识别：应为 postgresql://用户@服务器:5432/数据库") from exc
    if url.get_backend_name() not in db.SERVER_SCHEMES:
        raise ValidationError(
            f"数据库地址“{db.shown_url(url)}”不是 PostgreSQL 数据库：应为 postgresql://用户@服务器:5432/数据库")
    return url.set(drivername="postgresql+psycopg")


def path_of(folder: Path) -> Path:
    return folder / SERVER_FILE


def is_configured(folder: Path) -> bool:
    return path_of(folder).exists()


def _box(store_key: bytes) -> nacl.secret.SecretBox:
    import nacl.secret  # noqa: PLC0415 - PyNaCl when a server password is sealed or opened, not at every start

    key = hashlib.blake2b(store_key, digest_size=nacl.secret.SecretBox.KEY_SIZE, person=_PERSON).digest()
    return nacl.secret.SecretBox(key)


def _crypto_error() -> type[Exception]:
    """PyNaCl's refusal of a wrong key (looked up only when something was refused)."""
    from nacl.exceptions import CryptoError  # noqa: PLC0415 - see _box

    return CryptoError


def save(folder: Path, settings: ServerSettings, store_key: bytes) -> None:
    """Write the server settings into the data folder, the password encrypted with ``store_key``."""
    s = validate(settings)
    sealed = _box(store_key).encrypt(s.password.encode("utf-8")).hex() if s.password else ""
    data = {**asdict(s), "password": sealed, "format": FORMAT}
    workfiles.private_dir(folder)
    target = path_of(folder)
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    db.private_file(tmp)
    os.replace(tmp, target)


def load(folder: Path, store_key: bytes | None) -> ServerSettings | None:
    """The settings of ``folder`` with the password decrypted (None when this installation keeps a file).

    Raises:
        StoreError: the file is damaged, or the password cannot be decrypted with this key.
    """
    p = path_of(folder)
    if not p.exists():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError
        sealed = str(data.get("password") or "")
        password = ""
        if sealed:
            if not store_key:
                raise StoreError("数据库服务器的密码已加密保存，请先用账户和密码登录")
            password = _box(store_key).decrypt(bytes.fromhex(sealed)).decode("utf-8")
        return ServerSettings(str(data.get("host", "")), int(data.get("port", DEFAULT_PORT)),
                              str(data.get("database", "")), str(data.get("user", "")), password,
                              str(data.get("service", "")))
    except _crypto_error() as exc:
        raise StoreError(f"无法解开 {SERVER_FILE} 中数据库服务器的密码：它不属于本机的密钥。"
                         "请在设置中重新填写数据库服务器") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise StoreError(f"数据库服务器设置文件 {p} 已损坏，请在设置中重新填写数据库服务器") from exc


def rewrap(folder: Path, old_key: bytes, new_key: bytes) -> None:
    """The saved password encrypted again under a new store key (after a new recovery key)."""
    settings = load(folder, old_key)
    if settings is not None:
        save(folder, settings, new_key)


def explicit_url(url: str | URL | None) -> URL | None:
    """The URL chosen on the command line (``url``) or in ``BAOXUE_DATABASE_URL``; None when neither."""
    if url:
        return parse_url(str(url)) if not isinstance(url, URL) else url.set(drivername="postgresql+psycopg")
    if env := os.environ.get(URL_ENV, "").strip():
        return parse_url(env)
    return None


def reason(exc: BaseException) -> str:
    """Why the server refused, in Chinese (the driver's own first line added, marked for the technician)."""
    orig = getattr(exc, "orig", exc)
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = text.lower()
    detail = f"（技术信息：{text}）"
    if "password authentication failed" in low or "no password supplied" in low:
        return f"用户名或密码不对{detail}"
    if "does not exist" in low and "database" in low:
        return f"服务器上没有这个数据库，请先让管理员建好{detail}"
    if "failed to resolve host" in low or "could not translate host name" in low \
            or "name or service not known" in low or "name resolution" in low:
        return f"找不到这个服务器地址：请检查服务器地址是否填写正确，以及网络是否连通{detail}"
    if "connection refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low \
            or "no such file" in low:
        return f"服务器没有应答：请检查地址、端口和网络，以及服务器是否在运行{detail}"
    if "permission denied" in low:
        return f"数据库用户没有所需的权限，请让管理员授予（例如该数据库的所有权）{detail}"
    return f"数据库服务器报告了错误{detail}"


def connect(folder: Path, settings: ServerSettings, user: str | None = None) -> Store:
    """Set-up of a district on a server: open (creating the tables of) the database ``settings`` name,
    then keep the settings in the data folder, the password protected by the installation's store key.

    Raises:
        ValidationError: a field is missing or malformed.
        StoreError: the server cannot be reached or refuses the sign-in (nothing is saved then).
    """
    from desktop_app.services.store import Store  # noqa: PLC0415 - the store opens servers through this module

    s = validate(settings)
    store = Store.open_server(folder, user, url=s.url())
    try:
        save(folder, s, store.key)
    except OSError as exc:
        store.close()
        raise StoreError(f"无法保存数据库服务器设置：{exc.strerror}") from exc
    return store


def switch(store: Store, settings: ServerSettings) -> None:
    """Set-up of a district on a server from the GUI: the new, empty store opened at start becomes the
    database ``settings`` name (its tables created or upgraded), and the settings are kept in the data
    folder. A database another PC of the office already set up is joined as it is (sign in next).

    Raises:
        ValidationError: a field is missing or malformed, or this store was set up already.
        StoreError: the server cannot be reached or refuses the sign-in (nothing changed then).
    """
    from desktop_app.services.store import Store as StoreClass  # noqa: PLC0415 - the store imports this module

    s = validate(settings)
    if store.is_server or store.installation() is not None:
        raise ValidationError("本机已设置过单位信息，不能再改为数据库服务器")
    other = StoreClass.open_server(store.data_dir, store.user, key=store.key, url=s.url())
    try:
        save(store.data_dir, s, store.key)
    except OSError as exc:
        other.close()
        raise StoreError(f"无法保存数据库服务器设置：{exc.strerror}") from exc
    store.adopt(other)
