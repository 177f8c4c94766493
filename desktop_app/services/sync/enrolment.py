"""First contact (首次报送) and re-enrolment: a school's key is accepted only against its paper receipt.

* After importing its enrolment package, a school prints a 数据交换登记回执 (``write_receipt``) with its key
  fingerprint and sends it, signed and sealed, to the district.
* The district's first import of a package from that school needs the fingerprint from the receipt
  (``confirm``); without it, or with another one, nothing is imported (``NeedsConfirmation``,
  ``FingerprintMismatch``). A second PC set up with the same school code (an impostor) carries another
  key, so its package is refused, and since nothing of it is kept, the real school is not locked out.
* A school that moves to a new PC is re-enrolled explicitly (``reenrol``): the old key is revoked (an
  event in the history names its fingerprint and the reason), the exchange with that school starts over,
  and the new PC's first package again needs its new receipt.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.models import AppSetting
from database.sync import Peer
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.exchange import package as pkg
from desktop_app.services import audit
from desktop_app.services.access import Permission, require
from desktop_app.services.integrity import chain_guard
from desktop_app.services.store import Store
from desktop_app.services.sync.common import DISTRICT, SCHOOL, PackageRefused, _installation
from desktop_app.services.sync.peers import SchoolInfo, enrol, log, own_fingerprint, peer_fingerprint

if TYPE_CHECKING:
    from desktop_app.reports import enrol_receipt

_NOT_HEX = re.compile(r"[^0-9A-F]")


class NeedsConfirmation(PackageRefused):
    """The first package of a school: its key fingerprint must be confirmed against the receipt.

    Attributes:
        code, name: the school. fingerprint: the fingerprint the package carries (shown to compare).
    """

    def __init__(self, message: str, code: str, name: str, fingerprint: str) -> None:
        super().__init__(message)
        self.code, self.name, self.fingerprint = code, name, fingerprint


class FingerprintMismatch(PackageRefused):
    """The fingerprint given does not match the key of the package."""


def normalize(text: str) -> str:
    """A fingerprint as typed (with or without dashes or spaces, any case) reduced to its hex digits."""
    return _NOT_HEX.sub("", (text or "").upper())


def check_first_contact(peer: Peer, sign: bytes, box: bytes, confirm: str | Collection[str] | None) -> str:
    """Called by the import before anything is written when ``peer`` has no accepted key yet.

    Returns:
        the confirmed fingerprint.

    Raises:
        NeedsConfirmation: no fingerprint was given.
        FingerprintMismatch: the one given is not the package's.
    """
    carried = pkg.fingerprint(sign, box)
    given = [confirm] if isinstance(confirm, str) else list(confirm or ())
    given = [normalize(g) for g in given if normalize(g)]
    if not given:
        raise NeedsConfirmation(
            f"这是 {peer.name}（{peer.code}）的第一个数据包，须先核对密钥指纹才能导入：请对照该校报送的"
            "《数据交换登记回执》上的指纹确认（命令行：import-package 文件 --confirm 指纹）。本包未导入",
            peer.code, peer.name, carried)
    if normalize(carried) not in given:
        raise FingerprintMismatch(
            f"数据包携带的密钥指纹与登记回执上的不符，{peer.name}（{peer.code}）的这个数据包未导入："
            "请再逐位核对回执；若回执无误，这个数据包不是该校这台电脑发出的（可能是冒充），请电话联系学校")
    return carried


# --- the receipt (at a school) -------------------------------------------------------------------

def receipt_info(store: Store, today: dt.date | None = None) -> enrol_receipt.ReceiptInfo:
    from desktop_app.reports import enrol_receipt  # reportlab: loaded when a receipt is printed, not at start-up

    inst = _installation(store)
    if inst.kind != SCHOOL:
        raise ValidationError("登记回执由学校打印，报送区教委")
    with store.read() as session:
        district = session.execute(select(Peer).where(Peer.kind == DISTRICT)).scalar_one_or_none()
    if district is None:
        raise NotFoundError("本校尚未导入区教委的登记包，请先导入登记包再打印登记回执")
    return enrol_receipt.ReceiptInfo(
        unit_name=inst.name, unit_code=inst.code, township=inst.township_centre, district_name=district.name,
        district_code=district.code, fingerprint=own_fingerprint(store),
        district_fingerprint=peer_fingerprint(district), printed_on=today or dt.date.today())


def write_receipt(store: Store, out: Path | str, today: dt.date | None = None) -> Path:
    """Write the 数据交换登记回执 (A4 PDF) and record that it was printed."""
    from desktop_app.reports import enrol_receipt

    require(store, Permission.EXCHANGE)
    info = receipt_info(store, today)
    out = Path(out)
    try:
        enrol_receipt.write(info, out)
    except OSError as exc:
        raise ValidationError(f"无法写入 {out}：{exc.strerror or exc}") from exc
    with store.write() as session:
        audit.record_event(session, "sync_peers", info.district_code, "打印登记回执", f"本校密钥指纹 {info.fingerprint}")
    return out


# --- re-enrolment (at the district) ---------------------------------------------------------------

def _forget_chain_head(session: Session, code: str, reason: str) -> None:
    """The new PC starts a history of its own: the head remembered from the old one (issue 13's rollback
    check) no longer applies. The change is written to the history like the head itself."""
    key = chain_guard.KEY_PREFIX + code
    row = session.get(AppSetting, key)
    if row is None:
        return
    old = row.value
    row.value = json.dumps({"count": 0, "hash": "", "status": "", "detail": f"重新登记：{reason}", "known": {},
                            "at": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False)
    audit.append(session, [audit.Change("update", "app_settings", key, "value", old, row.value)])


def reenrol(store: Store, code: str, out_dir: Path | str, reason: str) -> Path:
    """A school moved to a new PC: revoke its key, start the exchange with it over, write a new enrolment package.

    Raises:
        ValidationError: not the district, no reason given.
        NotFoundError: no such school.
    """
    require(store, Permission.EXCHANGE)
    inst = _installation(store)
    if inst.kind != DISTRICT:
        raise ValidationError("只有区教委可以重新登记学校")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("请写明重新登记的原因（如：学校更换电脑）")
    with store.read() as session:
        peer = session.execute(select(Peer).where(Peer.code == code, Peer.kind == SCHOOL)).scalar_one_or_none()
    if peer is None:
        raise NotFoundError(f"没有登记代码为 {code} 的学校")
    old = peer_fingerprint(peer) if peer.sign_public else ""
    path = enrol(store, SchoolInfo(peer.code, peer.name, peer.township), Path(out_dir))  # the file first
    with store.write() as session:
        row = session.execute(select(Peer).where(Peer.id == peer.id)).scalar_one()
        if row.sign_public:
            audit.record_event(session, "sync_peers", code, "吊销密钥",
                               f"{row.name} 旧密钥指纹 {old}（节点 {row.node_id}）；原因：{reason}")
        else:
            audit.record_event(session, "sync_peers", code, "重新登记", f"{row.name}（尚未收到公钥）；原因：{reason}")
        row.sign_public = row.box_public = row.node_id = ""
        row.keys_accepted_at = None
        row.their_seq = row.their_package = row.acked_seq = row.acked_package = 0
        row.sent_seq = row.sent_package = 0
        _forget_chain_head(session, code, reason)
    log(store, "重新登记", path.name, code, True, f"已吊销旧密钥 {old or '（无）'}；原因：{reason}")
    return path
