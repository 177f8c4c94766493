"""Forging packages as an attacker holding an enrolled school's real key would (issue 14)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nacl.public import PublicKey, SealedBox
from nacl.signing import SigningKey
from sqlalchemy import select

from database.sync import NodeKey
from desktop_app.exchange import package as pkg
from desktop_app.services.store import Store

_BUILT = ("format", "encrypted", "payload_sha256", "payload_size")


def keys_of(store: Store) -> NodeKey:
    with store.read() as session:
        row = session.execute(select(NodeKey)).scalar_one()
        session.expunge(row)
        return row


def opened(path: Path, receiver: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest (without what ``pkg.build`` adds) and the decrypted payload of a genuine package."""
    package = pkg.read(path)
    payload = package.open_payload(bytes.fromhex(keys_of(receiver).box_secret))
    return {k: v for k, v in package.manifest.items() if k not in _BUILT}, payload


def raw_package(manifest: dict[str, Any], sealed: bytes, sign_secret: bytes, *, encrypted: bool = True) -> bytes:
    """A package around an already sealed (or plain) payload, signed like ``pkg.build`` signs."""
    manifest = {**manifest, "format": pkg.FORMAT_VERSION, "encrypted": encrypted,
                "payload_sha256": hashlib.sha256(sealed).hexdigest(), "payload_size": len(sealed)}
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    signature = SigningKey(sign_secret).sign(manifest_bytes).signature
    return pkg._zip_bytes({pkg.MANIFEST: manifest_bytes, pkg.PAYLOAD: sealed, pkg.SIGNATURE: signature})


def seal(plain: bytes, receiver: Store) -> bytes:
    return SealedBox(PublicKey(bytes.fromhex(keys_of(receiver).box_public))).encrypt(plain)


def forge(path: Path, sender: Store, receiver: Store, out: Path,
          manifest_change: Callable[[dict[str, Any]], object] | None = None,
          payload_change: Callable[[dict[str, Any]], object] | None = None) -> Path:
    """Re-sign a genuine package after changing its manifest and/or payload in place."""
    manifest, payload = opened(path, receiver)
    manifest, payload = copy.deepcopy(manifest), copy.deepcopy(payload)
    if manifest_change:
        manifest_change(manifest)
    if payload_change:
        payload_change(payload)
    out.write_bytes(pkg.build(manifest, payload, bytes.fromhex(keys_of(sender).sign_secret),
                              bytes.fromhex(keys_of(receiver).box_public)))
    return out


def row_of(payload: dict[str, Any], table: str, index: int = 0) -> tuple[list[str], list[Any]]:
    block = payload["tables"][table]
    return block["columns"], block["rows"][index]


def set_value(payload: dict[str, Any], table: str, column: str, value: Any, index: int = 0) -> None:
    columns, row = row_of(payload, table, index)
    row[columns.index(column)] = value
