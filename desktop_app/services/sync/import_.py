"""Import: check a package (layout, signature, decryption, schema, values) and apply it in one transaction."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from database import engine as db
from database.models import Installation, utcnow
from database.sync import NodeKey, PackageRecord, Peer
from desktop_app.domain.errors import BaoxueError, ConflictError
from desktop_app.exchange import package as pkg
from desktop_app.services import audit, backup, compat, updates
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity import chain_guard
from desktop_app.services.store import Store
from desktop_app.services.sync import enrolment, validate
from desktop_app.services.sync.apply import ImportResult, _apply
from desktop_app.services.sync.common import (
    DISTRICT,
    SCHOOL,
    AlreadyImported,
    PackageRefused,
    _installation,
    ledger_tables,
    owner_kind,
)
from desktop_app.services.sync.enrolment import NeedsConfirmation
from desktop_app.services.sync.peers import ensure_keys, log, own_fingerprint_of, peer_fingerprint

# --- import ----------------------------------------------------------------------------------

def import_package(store: Store, path: Path | str, *, backup_first: bool = True,
                   confirm: str | Collection[str] | None = None) -> ImportResult:
    """Check and apply one package in one transaction; any refusal leaves the store unchanged.

    A checked copy of the store is kept in backups/ first (``backup_first``), once the file has
    passed its layout check. ``confirm``: the key fingerprint(s) from the 登记回执, needed for the
    first package of a school (see ``enrolment``).

    Raises:
        PackageRefused: with the reason in Chinese (also written to the exchange log).
    """
    require(store, Permission.EXCHANGE)
    path = Path(path)
    sender = ""
    try:
        inst = _installation(store)
        package = pkg.read(path)  # 1. size and layout
        validate.check_manifest(package.manifest)  # every field typed and bounded, before anything is written
        if backup_first:
            backup.before_import(store, "数据包")
        manifest = package.manifest
        sender = str(manifest.get("sender", {}).get("code", ""))
        if manifest.get("kind") == "enrol":
            result = _import_enrolment(store, inst, package, path)
        elif manifest.get("kind") == "changes":
            result = _import_changes(store, inst, package, path, confirm)
        else:
            raise PackageRefused("不认识的数据包类型")
    except pkg.PackageError as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise PackageRefused(str(exc)) from exc
    except PackageRefused as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise
    except BaoxueError as exc:
        log(store, "导入", path.name, sender, False, str(exc))
        raise PackageRefused(str(exc)) from exc
    log(store, "导入", path.name, sender, True, result.message)
    return result


def import_many(store: Store, paths: Iterable[Path], progress: Callable[[int, int], bool] | None = None,
                confirm: Collection[str] = (), asked: list[tuple[Path, NeedsConfirmation]] | None = None,
                ) -> list[tuple[Path, ImportResult | str]]:
    """Import packages one by one, oldest number first per sender; each is its own transaction.

    ``asked``: first packages of schools waiting for their fingerprint to be confirmed are added here too
    (the GUI then shows each fingerprint to compare with the school's 登记回执).
    """
    items = sorted(paths, key=_package_sort_key)
    out: list[tuple[Path, ImportResult | str]] = []
    if items:
        require(store, Permission.EXCHANGE)
        backup.before_import(store, "数据包")  # one copy before the whole batch
    for i, path in enumerate(items):
        try:
            out.append((path, import_package(store, path, backup_first=False, confirm=confirm)))
        except NeedsConfirmation as exc:
            out.append((path, str(exc)))
            if asked is not None:
                asked.append((path, exc))
        except PackageRefused as exc:
            out.append((path, str(exc)))
        if progress and progress(i + 1, len(items)) is False:
            break
    return out


def _package_sort_key(path: Path) -> tuple[str, int]:
    parts = path.name.removesuffix(pkg.SUFFIX).split("-")
    try:
        return (parts[0], int(parts[-1]))
    except (ValueError, IndexError):
        return (path.name, 0)


def _manifest_keys(manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    keys = manifest.get("sender_keys") or {}
    try:
        box, sign = bytes.fromhex(keys["box"]), bytes.fromhex(keys["sign"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageRefused("数据包中没有发送单位的公钥") from exc
    if len(box) != 32 or len(sign) != 32:
        raise PackageRefused("数据包中的公钥格式不对")
    return box, sign


def _check_recipient(inst: Installation, manifest: dict[str, Any]) -> None:
    recipient = manifest.get("recipient") or {}
    if recipient.get("code") == inst.code and recipient.get("node") not in ("", inst.node_id):
        raise PackageRefused(f"此数据包是发给另一台电脑上登记的 {inst.code}（{inst.name}）的，不是本单位在本机的登记，未导入："
                             "同一单位换了电脑时，请区教委重新登记本机")
    if recipient.get("code") != inst.code:
        raise PackageRefused(
            f"此数据包是发给代码为 {recipient.get('code', '?')} 的单位的，"
            f"不是本单位（{inst.name}，{inst.code}），未导入"
        )


def _import_enrolment(store: Store, inst: Installation, package: pkg.Package, path: Path) -> ImportResult:
    manifest = package.manifest
    if inst.kind != SCHOOL:
        raise PackageRefused("登记包只能在学校导入")
    _check_recipient(inst, manifest)  # 2. the recipient
    box, sign = _manifest_keys(manifest)
    package.verify(sign)  # 3. the signature (the fingerprint is compared by phone)
    payload = package.open_payload(None)  # 4. (not encrypted: public keys only)
    sender = manifest.get("sender") or {}
    if sender.get("kind") != DISTRICT or not isinstance(payload.get("school"), dict):
        raise PackageRefused("登记包内容不对")
    validate.check_enrolment_payload(payload)
    with store.write() as session:
        existing = session.execute(select(Peer).where(Peer.kind == DISTRICT)).scalar_one_or_none()
        if existing is not None:
            if existing.sign_public == sign.hex() and existing.box_public == box.hex():
                raise AlreadyImported("本校已导入过这个区教委的登记包，未作任何修改")
            raise PackageRefused(
                f"本校已登记在 {existing.name}（密钥指纹 {peer_fingerprint(existing)}），"
                "这个登记包的密钥不同，拒绝导入。如确需更换，请联系区教委"
            )
        district = Peer(kind=DISTRICT, code=str(sender.get("code", "")), name=str(sender.get("name", "")),
                        node_id=str(sender.get("node", "")), box_public=box.hex(), sign_public=sign.hex(),
                        keys_accepted_at=utcnow())
        compat.note_peer(district, manifest)
        session.add(district)
        audit.record_event(session, "sync_peers", str(sender.get("code", "")), "导入登记包",
                           f"{sender.get('name')} 密钥指纹 {pkg.fingerprint(sign, box)}")
    keys = ensure_keys(store)
    return ImportResult(path.name, str(sender.get("code")), "enrol",
                        message=f"已登记到 {sender.get('name')}；对方密钥指纹 {pkg.fingerprint(sign, box)}；"
                        f"本校密钥指纹 {own_fingerprint_of(keys)}")


def _import_changes(store: Store, inst: Installation, package: pkg.Package, path: Path,
                    confirm: str | Collection[str] | None = None) -> ImportResult:
    manifest = package.manifest
    _check_recipient(inst, manifest)  # 2. the recipient is this node
    sender = manifest.get("sender") or {}
    code = str(sender.get("code", ""))
    box, sign = _manifest_keys(manifest)
    with store.read() as session:
        peer = session.execute(select(Peer).where(Peer.code == code)).scalar_one_or_none()
        key_row = session.execute(select(NodeKey)).scalar_one_or_none()
    if peer is None:
        raise PackageRefused(f"发送单位 {sender.get('name', '')}（{code}）未在本机登记，未导入")
    if peer.sign_public:  # 3. the signature, with the key accepted before
        if peer.sign_public != sign.hex() or peer.box_public != box.hex():
            raise PackageRefused(
                f"数据包的签名密钥与已登记的 {peer.name} 的密钥不符，拒绝导入（可能是伪造的数据包）"
            )
        if peer.node_id and sender.get("node") != peer.node_id:
            raise PackageRefused(f"数据包的发送单位编号与已登记的 {peer.name} 不符，拒绝导入")
    package.verify(sign)
    if not peer.sign_public:  # first contact: the fingerprint on the school's 登记回执, before anything is read
        enrolment.check_first_contact(peer, sign, box, confirm)
    if key_row is None:
        raise PackageRefused("本机还没有密钥，无法解密数据包")
    payload = package.open_payload(bytes.fromhex(key_row.box_secret))  # 4. decryption
    compat.check_readable(manifest)  # a package from a newer program this one cannot read
    tables = _check_schema(payload)  # 5. the schema
    release = updates.check_offered(manifest, path) if inst.kind == SCHOOL else None
    verdict = chain_guard.check_sender(store, code, peer.name, manifest)  # 历史记录回退 is refused, and marked
    for attempt in range(1, COLLISION_RETRIES + 1):  # 6. apply, in one transaction
        try:
            result = _apply_in_one(store, inst, package, path, payload, tables, sign, box, verdict)
            break
        except (ConflictError, _Collided) as exc:  # another PC's import or write met this one on the server
            if not store.is_server:
                raise
            if attempt == COLLISION_RETRIES:
                raise PackageRefused(f"数据包 {path.name} 多次与另一台电脑同时写入的数据冲突，未导入："
                                     "请稍后重新导入") from exc
            time.sleep(random.uniform(0.05, 0.2) * attempt)  # then again, from the package as it came
            payload = package.open_payload(bytes.fromhex(key_row.box_secret))
            tables = _check_schema(payload)
    if release is not None:
        updates.keep_offered(store, release, path)
        result.message += f"；随包收到新版本程序 {release.version}，可在“帮助 → 安装新版本程序”中安装"
    return result


class _Collided(Exception):
    """A write of this import met another transaction's on the server (a key another PC added meanwhile)."""


COLLISION_RETRIES = 5


def _apply_in_one(store: Store, inst: Installation, package: pkg.Package, path: Path, payload: dict[str, Any],
                  tables: dict[str, Table], sign: bytes, box: bytes, verdict: chain_guard.Verdict) -> ImportResult:
    """The package applied in one transaction (on a server the chain lock only at its end: imports from
    several PCs run side by side, one unit's packages one after the other by the lock on its row)."""
    manifest = package.manifest
    sender = manifest.get("sender") or {}
    code = str(sender.get("code", ""))
    number = int(manifest.get("number", 0))
    with store.write(late_chain=True) as session:
        # the unit's row locked until the commit: a second PC importing the same package at the same
        # moment (a district on a server) waits here, then finds it imported
        peer = session.execute(select(Peer).where(Peer.code == code).with_for_update()).scalar_one()
        chain_guard.rewind_for_restore(session, peer, verdict)
        if number <= peer.their_package or int(manifest.get("seq_to", 0)) < peer.their_seq:
            raise AlreadyImported(
                f"数据包 {path.name} 已导入过（或已导入过更新的第{peer.their_package}号包），未作任何修改"
            )
        if int(manifest.get("seq_from", 0)) > peer.their_seq:
            missing = _missing_package(manifest, peer)
            raise PackageRefused(f"数据包不连续：缺少 {missing}，请先导入它（或请对方重新导出）。本包未导入")
        if not peer.sign_public:
            peer.sign_public, peer.box_public, peer.keys_accepted_at = sign.hex(), box.hex(), utcnow()
            peer.node_id = str(sender.get("node", ""))
            audit.record_event(session, "sync_peers", code, "接受公钥",
                               f"{peer.name} 密钥指纹 {pkg.fingerprint(sign, box)}（已与登记回执核对）")
        sender_node = str(sender.get("node", ""))  # every value checked before anything is applied
        floor = validate.reader_columns(manifest, tables)
        rows = validate.check_rows(payload["tables"], tables, peer.kind, owner_kind, floor)
        caught_up = validate.check_catchup(payload, tables, peer.kind, owner_kind, floor)
        validate.check_history(session, payload, rows, tables, manifest=manifest, sender_node=sender_node,
                               floor=floor)
        validate.check_references(session, payload, [rows, caught_up], tables, receiver_kind=inst.kind,
                                  sender_node=sender_node, owner_kind=owner_kind)
        carried = {(h[5], h[6]) for h in payload["history"] if h[0] > peer.their_seq} | {
            (name, rid) for name, block in caught_up.items() for rid in block.rows}  # held back before, now in full
        try:
            result = _apply(session, inst, peer, manifest, payload, tables)
        except (DBAPIError, StatementError) as exc:  # a value or reference the schema does not accept
            if store.is_server and (db.is_server_conflict(exc) or db.is_unique_violation(exc)):
                raise _Collided(_short(exc)) from exc  # another PC's import added the same key meanwhile
            raise PackageRefused(f"数据包内容与本机的数据结构不符，未导入（{_short(exc)}）") from exc
        from desktop_app.services import handover  # 移交: the district forwards, the sender closes (it imports sync)

        handover.after_import(session, inst, peer, carried)
        compat.note_peer(peer, manifest)
        result.file, result.sender, result.kind, result.number = path.name, code, "changes", number
        peer.their_seq = int(manifest.get("seq_to", 0))
        peer.their_package = number
        peer.last_received_at = utcnow()
        peer.acked_seq = max(peer.acked_seq, min(int(manifest.get("ack_seq", 0)), peer.sent_seq))
        peer.acked_package = max(peer.acked_package, min(int(manifest.get("ack_package", 0)), peer.sent_package))
        session.add(PackageRecord(
            direction="received", peer_code=code, number=number, file_name=path.name,
            seq_from=int(manifest.get("seq_from", 0)), seq_to=int(manifest.get("seq_to", 0)),
            records=result.inserted + result.updated, ack_seq=int(manifest.get("ack_seq", 0)), sha256=package.sha256,
        ))
        try:
            session.flush()
        except IntegrityError as exc:  # the unique index: recorded by another PC in the meantime
            raise AlreadyImported(f"数据包 {path.name} 已导入过，未作任何修改") from exc
        result.message = (f"新增{result.inserted}条，更新{result.updated}条，冲突{result.conflicts}处"
                          f"（{peer.name} 第{number}号包）")
        result.message += chain_guard.remember(session, code, manifest, verdict)
        audit.record_event(session, "sync_packages", path.name, "导入数据包", result.message)
    return result


def _short(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0][:120]


def _missing_package(manifest: dict[str, Any], peer: Peer) -> str:
    sender, recipient = manifest["sender"]["code"], manifest["recipient"]["code"]
    for entry in sorted(manifest.get("sent") or [], key=lambda e: e[0]):
        try:
            number, _start, end = int(entry[0]), int(entry[1]), int(entry[2])
        except (TypeError, ValueError, IndexError):
            continue
        if end > peer.their_seq and number != manifest.get("number"):
            return pkg.file_name(sender, recipient, number)
    return pkg.file_name(sender, recipient, peer.their_package + 1)


def _check_schema(payload: dict[str, Any]) -> dict[str, Table]:
    known = ledger_tables()
    tables = payload.get("tables")
    history = payload.get("history")
    if not isinstance(tables, dict) or not isinstance(history, list):
        raise PackageRefused("数据包内容结构不对，未导入")
    for name, block in tables.items():
        if name not in known:
            shown = name if name.isprintable() else repr(name)
            raise PackageRefused(f"数据包含本程序不认识的数据表“{shown[:50]}”，请先升级本程序再导入")
        if not isinstance(block, dict) or not isinstance(block.get("columns"), list) \
                or not isinstance(block.get("rows"), list):
            raise PackageRefused(f"数据包中“{name}”的结构不对，未导入")
        columns = block["columns"]
        if any(not isinstance(c, str) for c in columns):
            raise PackageRefused(f"数据包中“{name}”的字段名单格式不对（字段名应为文字），未导入")
        unknown = [c for c in columns if c not in known[name].c]
        if unknown:
            shown = "、".join(c if c.isprintable() else repr(c) for c in unknown)
            raise PackageRefused(f"数据包中“{name}”有本程序不认识的字段 {shown[:100]}，请先升级本程序")
        if "id" not in columns or any(not isinstance(r, list) or len(r) != len(columns) for r in block["rows"]):
            raise PackageRefused(f"数据包中“{name}”的记录格式不对，未导入")
    for i, h in enumerate(history, start=1):
        if not isinstance(h, list) or len(h) != 12 or type(h[0]) is not int:
            raise PackageRefused(f"数据包中第{i}条历史记录（按包内顺序）格式不对：应为12项、第一项为序号，未导入")
    catchup = payload.get("catchup", {})
    if not compat.catchup_is_valid(catchup) or any(
            name not in known or any(not isinstance(c, str) for c in b["columns"])
            or [c for c in b["columns"] if c not in known[name].c] or "id" not in b["columns"]
            or any(not isinstance(r, list) or len(r) != len(b["columns"]) for r in b["rows"])
            for name, b in catchup.items()):
        raise PackageRefused("数据包中补发的记录格式不对，未导入")
    blobs = payload.get("blobs", {})
    if not isinstance(blobs, dict) or any(
            not isinstance(k, str) or len(k) != 64 or k.strip("0123456789abcdef") or not isinstance(v, str)
            for k, v in blobs.items()):
        raise PackageRefused("数据包中的佐证材料格式不对，未导入")
    return known
