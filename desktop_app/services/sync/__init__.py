"""USB exchange (数据交换): node keys, enrolment, package export and import, ownership and conflicts.

Split by job: ``common`` (ownership, ledger tables, refusals), ``peers`` (keys, partners, the exchange
log, enrolment at the district), ``drive`` (writing to the USB drive), ``export``, ``import_`` (the
checks) with ``validate`` and ``apply`` (merging a checked package), ``conflicts``, ``states`` (sync
state of records and partners) and ``enrolment`` (first contact, re-enrolment). Every name is
re-exported here, so ``sync.export_package`` and the like keep working.

Design (see also desktop_app/exchange/package.py for the file format):

* **The change log is the local history.** Every change of a ledger row already gets an
  ``audit_log`` row (ORM hook, or written by hand for Core bulk inserts as demo.load does), and
  ``audit_log.id`` only grows, so "the next number of the node's change log" is that id. Only
  ``insert``/``update`` rows of ledger tables count; events do not travel. Nothing new to keep in
  step, and every table that inherits ``LedgerMixin`` travels without code of its own.
* **A package** carries, for every record with a change the recipient has not acknowledged,
  the full current row (JSON, typed by column) and the history rows since the acknowledgement;
  its manifest acknowledges how far the sender has applied the recipient's log.
* **Received history** goes to ``remote_audit_log`` with the sender's node id and row ids, so
  the local chain stays valid; ``Store.verify`` accepts a record whose creation is there.
  Applying received rows uses Core statements and writes no local history, so they are never
  sent back to where they came from.
* **Ownership** is a per-table registry (``OWNERSHIP``): a school owns its students and cases,
  the district owns what its tables declare. ``sync_record_owners`` says which installation owns
  each record that came from elsewhere (at the district: which school a case belongs to).
* **Conflicts**: where both sides changed the same field since their last exchange (the
  receiver's own unacknowledged changes), the owner's value stays in the record, both values
  are kept in ``sync_conflicts`` and a person chooses; the choice is an ordinary change that
  travels back. Fields only one side changed are merged.
* **Refusals leave the store untouched**; the exchange log is a JSON-lines file beside the store,
  so a refused package is logged without writing to the store.
"""

from desktop_app.domain.errors import NotFoundError as NotFoundError
from desktop_app.domain.errors import ValidationError as ValidationError
from desktop_app.services.sync import enrolment as enrolment
from desktop_app.services.sync import validate as validate
from desktop_app.services.sync.apply import ImportResult as ImportResult
from desktop_app.services.sync.apply import _apply as _apply
from desktop_app.services.sync.apply import _apply_table as _apply_table
from desktop_app.services.sync.apply import _owner_node as _owner_node
from desktop_app.services.sync.apply import _rewrite_references as _rewrite_references
from desktop_app.services.sync.apply import _store_blobs as _store_blobs
from desktop_app.services.sync.common import _CHUNK as _CHUNK
from desktop_app.services.sync.common import _META as _META
from desktop_app.services.sync.common import ADDRESSED as ADDRESSED
from desktop_app.services.sync.common import DISTRICT as DISTRICT
from desktop_app.services.sync.common import DISTRICT_CODE_ALIAS as DISTRICT_CODE_ALIAS
from desktop_app.services.sync.common import EXCHANGE_LOG as EXCHANGE_LOG
from desktop_app.services.sync.common import NATURAL_KEYS as NATURAL_KEYS
from desktop_app.services.sync.common import OWNERSHIP as OWNERSHIP
from desktop_app.services.sync.common import SCHOOL as SCHOOL
from desktop_app.services.sync.common import STALE_DAYS as STALE_DAYS
from desktop_app.services.sync.common import AlreadyImported as AlreadyImported
from desktop_app.services.sync.common import ExportFailed as ExportFailed
from desktop_app.services.sync.common import PackageRefused as PackageRefused
from desktop_app.services.sync.common import _installation as _installation
from desktop_app.services.sync.common import _loader as _loader
from desktop_app.services.sync.common import _q as _q
from desktop_app.services.sync.common import _rows_by_id as _rows_by_id
from desktop_app.services.sync.common import ledger_tables as ledger_tables
from desktop_app.services.sync.common import owner_kind as owner_kind
from desktop_app.services.sync.conflicts import TABLE_LABELS as TABLE_LABELS
from desktop_app.services.sync.conflicts import ConflictView as ConflictView
from desktop_app.services.sync.conflicts import conflicts as conflicts
from desktop_app.services.sync.conflicts import record_label as record_label
from desktop_app.services.sync.conflicts import resolve as resolve
from desktop_app.services.sync.drive import _fsync_dir as _fsync_dir
from desktop_app.services.sync.drive import _write_safely as _write_safely
from desktop_app.services.sync.enrolment import FingerprintMismatch as FingerprintMismatch
from desktop_app.services.sync.enrolment import NeedsConfirmation as NeedsConfirmation
from desktop_app.services.sync.enrolment import reenrol as reenrol
from desktop_app.services.sync.enrolment import write_receipt as write_receipt
from desktop_app.services.sync.export import BLOB_TABLES as BLOB_TABLES
from desktop_app.services.sync.export import MAX_BLOB_BYTES as MAX_BLOB_BYTES
from desktop_app.services.sync.export import PARTIAL_NOTE as PARTIAL_NOTE
from desktop_app.services.sync.export import ExportResult as ExportResult
from desktop_app.services.sync.export import _blobs_for as _blobs_for
from desktop_app.services.sync.export import _build as _build
from desktop_app.services.sync.export import _Built as _Built
from desktop_app.services.sync.export import _change_rows as _change_rows
from desktop_app.services.sync.export import _fit_blobs as _fit_blobs
from desktop_app.services.sync.export import build_package as build_package
from desktop_app.services.sync.export import export_package as export_package
from desktop_app.services.sync.export import pending_count as pending_count
from desktop_app.services.sync.import_ import _check_recipient as _check_recipient
from desktop_app.services.sync.import_ import _check_schema as _check_schema
from desktop_app.services.sync.import_ import _import_changes as _import_changes
from desktop_app.services.sync.import_ import _import_enrolment as _import_enrolment
from desktop_app.services.sync.import_ import _manifest_keys as _manifest_keys
from desktop_app.services.sync.import_ import _missing_package as _missing_package
from desktop_app.services.sync.import_ import _package_sort_key as _package_sort_key
from desktop_app.services.sync.import_ import _short as _short
from desktop_app.services.sync.import_ import import_many as import_many
from desktop_app.services.sync.import_ import import_package as import_package
from desktop_app.services.sync.peers import SchoolInfo as SchoolInfo
from desktop_app.services.sync.peers import _keys_json as _keys_json
from desktop_app.services.sync.peers import _sender as _sender
from desktop_app.services.sync.peers import enrol as enrol
from desktop_app.services.sync.peers import ensure_keys as ensure_keys
from desktop_app.services.sync.peers import exchange_log as exchange_log
from desktop_app.services.sync.peers import find_peer as find_peer
from desktop_app.services.sync.peers import log as log
from desktop_app.services.sync.peers import own_fingerprint as own_fingerprint
from desktop_app.services.sync.peers import own_fingerprint_of as own_fingerprint_of
from desktop_app.services.sync.peers import peer_fingerprint as peer_fingerprint
from desktop_app.services.sync.peers import peers as peers
from desktop_app.services.sync.peers import register_school as register_school
from desktop_app.services.sync.states import _STATES_SQL as _STATES_SQL
from desktop_app.services.sync.states import STATE_ACKED as STATE_ACKED
from desktop_app.services.sync.states import STATE_CHANGED as STATE_CHANGED
from desktop_app.services.sync.states import STATE_CONFLICT as STATE_CONFLICT
from desktop_app.services.sync.states import STATE_NEW as STATE_NEW
from desktop_app.services.sync.states import STATE_PRIORITY as STATE_PRIORITY
from desktop_app.services.sync.states import STATE_SENT as STATE_SENT
from desktop_app.services.sync.states import PeerStatus as PeerStatus
from desktop_app.services.sync.states import PendingRecord as PendingRecord
from desktop_app.services.sync.states import add_ledger_states as add_ledger_states
from desktop_app.services.sync.states import combined_state as combined_state
from desktop_app.services.sync.states import packages as packages
from desktop_app.services.sync.states import peer_statuses as peer_statuses
from desktop_app.services.sync.states import pending_records as pending_records
from desktop_app.services.sync.states import record_states as record_states
from desktop_app.services.sync.states import states_of as states_of
