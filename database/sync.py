"""Tables of the USB exchange (数据交换): keys, peers, received history, conflicts, packages.

None of these is a ledger table: they describe this installation's view of the exchange and
never travel themselves. The change log is the local ``audit_log`` (see desktop_app/services/sync.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models import Base, utcnow


class NodeKey(Base):
    """This installation's key pairs (hex). The private keys live only here, inside the encrypted store."""

    __tablename__ = "node_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(36))
    box_secret: Mapped[str] = mapped_column(String(64))
    box_public: Mapped[str] = mapped_column(String(64))
    sign_secret: Mapped[str] = mapped_column(String(64))
    sign_public: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Peer(Base):
    """Another installation this one exchanges with: the district (at a school) or a school (at the district).

    ``their_seq`` is how far their change log has been applied here; ``acked_seq`` is how far they
    have acknowledged ours. Package numbers count per direction.
    """

    __tablename__ = "sync_peers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # school | district
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    township: Mapped[str] = mapped_column(String(100), default="")
    node_id: Mapped[str] = mapped_column(String(36), default="")
    box_public: Mapped[str] = mapped_column(String(64), default="")
    sign_public: Mapped[str] = mapped_column(String(64), default="")
    keys_accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    their_seq: Mapped[int] = mapped_column(Integer, default=0)
    their_package: Mapped[int] = mapped_column(Integer, default=0)
    last_received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_package: Mapped[int] = mapped_column(Integer, default=0)
    sent_package: Mapped[int] = mapped_column(Integer, default=0)
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The program version the peer's last package was written by, and what it said it can read
    # (JSON: table -> columns; empty for a release that did not say, read from exchange.schemas).
    program: Mapped[str] = mapped_column(String(32), default="", server_default="")
    reads: Mapped[str] = mapped_column(Text, default="", server_default="")


class RecordOwner(Base):
    """Records that came from another installation: who owns them (the school of a case …).

    A record without a row here was made on this installation and is owned by it.
    """

    __tablename__ = "sync_record_owners"

    table_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_node: Mapped[str] = mapped_column(String(36))
    origin_node: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_sync_record_owners_owner_node", "owner_node", "table_name"),)


class RemoteAuditEntry(Base):
    """History rows received from another installation, kept apart so the local chain stays valid."""

    __tablename__ = "remote_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin_node: Mapped[str] = mapped_column(String(36))
    origin_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(64))
    node_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("origin_node", "origin_id"),
        Index("ix_remote_audit_log_record_id", "record_id"),
    )


class SyncConflict(Base):
    """Fields both sides changed since their last exchange: both values kept until a person chooses."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str] = mapped_column(String(36))
    peer_code: Mapped[str] = mapped_column(String(20))
    fields: Mapped[str] = mapped_column(Text)  # JSON list
    local_values: Mapped[str] = mapped_column(Text)  # JSON {field: value} (serialised)
    remote_values: Mapped[str] = mapped_column(Text)
    live: Mapped[str] = mapped_column(String(8))  # which side's values are in the record now: local | remote
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | local | remote
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_sync_conflicts_record", "table_name", "record_id"),)


class PackageRecord(Base):
    """A package written or imported here (the exchange page lists them)."""

    __tablename__ = "sync_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(8))  # sent | received
    peer_code: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    seq_from: Mapped[int] = mapped_column(Integer)
    seq_to: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer, default=0)
    ack_seq: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        Index("ix_sync_packages_peer", "peer_code", "direction", "number"),
        # one package is recorded once, even when two PCs import it at the same moment (a server store)
        Index("uq_sync_packages_number", "direction", "peer_code", "number", "sha256", unique=True),
    )


class IdAlias(Base):
    """A received record merged into a local one by its natural key (the semester "2026秋" made on
    both sides): references to the sender's id are rewritten to the local id on import."""

    __tablename__ = "sync_id_aliases"

    origin_node: Mapped[str] = mapped_column(String(36), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_id: Mapped[str] = mapped_column(String(36))


class HeldBack(Base):
    """A record (or some of its fields) left out of a package because the peer's older program cannot
    hold it; sent in full once the peer says it can read it (see desktop_app/services/compat.py)."""

    __tablename__ = "sync_held_back"

    peer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    columns: Mapped[str] = mapped_column(Text, default="")  # JSON list of the columns left out; "*" for the row
    held_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
