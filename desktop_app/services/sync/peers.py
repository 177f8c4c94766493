"""Keys, partners (peers), the exchange log and enrolment at the district."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from database.models import Installation, utcnow
from database.sync import NodeKey, Peer
from desktop_app import __version__
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.exchange import package as pkg
from desktop_app.services import audit
from desktop_app.services.store import Store
from desktop_app.services.sync.common import DISTRICT, DISTRICT_CODE_ALIAS, EXCHANGE_LOG, SCHOOL, _installation
from desktop_app.services.sync.drive import _write_safely


def ensure_keys(store: Store) -> pkg.KeyPair:
    """This installation's key pairs, made the first time they are needed."""
    inst = _installation(store)
    with store.read() as session:
        row = session.execute(select(NodeKey)).scalar_one_or_none()
    if row is None:
        keys = pkg.KeyPair.generate()
        with store.write() as session:
            session.add(NodeKey(id=1, node_id=inst.node_id, box_secret=keys.box_secret.hex(),
                                box_public=keys.box_public.hex(), sign_secret=keys.sign_secret.hex(),
                                sign_public=keys.sign_public.hex()))
            audit.record_event(session, "node_keys", "1", "生成密钥", own_fingerprint_of(keys))
        return keys
    return pkg.KeyPair(bytes.fromhex(row.box_secret), bytes.fromhex(row.sign_secret))


def own_fingerprint_of(keys: pkg.KeyPair) -> str:
    return pkg.fingerprint(keys.sign_public, keys.box_public)


def own_fingerprint(store: Store) -> str:
    return own_fingerprint_of(ensure_keys(store))


def peer_fingerprint(peer: Peer) -> str:
    if not peer.sign_public:
        return "（尚未收到对方公钥）"
    return pkg.fingerprint(bytes.fromhex(peer.sign_public), bytes.fromhex(peer.box_public))


def peers(store: Store) -> list[Peer]:
    with store.read() as session:
        return list(session.execute(select(Peer).order_by(Peer.township, Peer.code)).scalars())


def find_peer(store: Store, code: str) -> Peer:
    inst = _installation(store)
    with store.read() as session:
        if code == DISTRICT_CODE_ALIAS and inst.kind == SCHOOL:
            peer = session.execute(select(Peer).where(Peer.kind == DISTRICT)).scalar_one_or_none()
            if peer is None:
                raise NotFoundError("本校尚未导入区教委的登记包，不能向区教委发送数据包")
            return peer
        peer = session.execute(select(Peer).where(Peer.code == code)).scalar_one_or_none()
    if peer is None:
        raise NotFoundError(f"没有登记代码为 {code} 的单位")
    return peer


# --- exchange log (a file: refusals are logged without touching the store) ---------------------

def log(store: Store, action: str, file: str, peer: str, ok: bool, message: str) -> None:
    entry = {"at": dt.datetime.now().isoformat(timespec="seconds"), "action": action, "file": file,
             "peer": peer, "ok": ok, "message": message}
    try:
        with open(store.data_dir / EXCHANGE_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError:
        pass  # the log must never stop an exchange


def exchange_log(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    path = store.data_dir / EXCHANGE_LOG
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    out = []
    for line in reversed(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


# --- enrolment -------------------------------------------------------------------------------

@dataclass
class SchoolInfo:
    code: str
    name: str
    township: str = ""


def register_school(store: Store, info: SchoolInfo) -> Peer:
    """At the district: add a school to the list (or update its name and township)."""
    inst = _installation(store)
    if inst.kind != DISTRICT:
        raise ValidationError("只有区教委可以登记学校")
    info.code, info.name, info.township = info.code.strip(), " ".join(info.name.split()), info.township.strip()
    if not (len(info.code) == 10 and info.code.isdigit()):
        raise ValidationError("学校标识码应为10位数字")
    if not info.name:
        raise ValidationError("学校名称不能为空")
    with store.write() as session:
        peer = session.execute(select(Peer).where(Peer.code == info.code)).scalar_one_or_none()
        if peer is None:
            peer = Peer(kind=SCHOOL, code=info.code, name=info.name, township=info.township)
            session.add(peer)
            audit.record_event(session, "sync_peers", info.code, "登记学校", f"{info.name} {info.township}")
        else:
            peer.name, peer.township = info.name, info.township
        session.flush()
        session.expunge(peer)
    return peer


def enrol(store: Store, info: SchoolInfo, out_dir: Path) -> Path:
    """At the district: register the school and write its enrolment package into ``out_dir``."""
    register_school(store, info)
    inst = _installation(store)
    keys = ensure_keys(store)
    manifest = {
        "kind": "enrol", "program": __version__, "min_reader": "0.1.0", "created_at": utcnow().isoformat(),
        "sender": _sender(inst), "sender_keys": _keys_json(keys),
        "recipient": {"code": info.code, "node": ""}, "number": 0,
    }
    payload = {"school": {"code": info.code, "name": info.name, "township": info.township}}
    data = pkg.build(manifest, payload, keys.sign_secret, None)
    name = f"{inst.code}-{info.code}-登记{pkg.SUFFIX}"
    path = _write_safely(data, Path(out_dir), name)
    log(store, "登记", path.name, info.code, True, f"已为 {info.name} 生成登记包")
    return path


def _sender(inst: Installation) -> dict[str, str]:
    return {"code": inst.code, "node": inst.node_id, "kind": inst.kind, "name": inst.name}


def _keys_json(keys: pkg.KeyPair) -> dict[str, str]:
    return {"box": keys.box_public.hex(), "sign": keys.sign_public.hex()}
