"""One history entry for many rows written at once (a roster import: issue 17).

Instead of one ``insert`` history row per child and per list entry, a bulk import writes a ``bulk`` row
(``table_name`` the import's table, ``record_id`` the import's id) listing the rows it writes (a roster
import: one entry for up to 200,000 rows, a roster of 100,000 children; a larger one goes on in the next
entry), whose ``new_value`` lists every row with the first 16 hex digits of the row's hash, and a digest
over all of them::

    {"digest": "<sha256>", "rows": {"students": [["<id>", "<16 hex>"], ...], "roster_members": [...]}}

A row's hash is over its id and its data columns as ``verify`` reads them (``TableCheck``), so ``verify``
recomputes it from the stored row with the later ``update`` rows of that record undone (their old
values) and names any row that differs; the digest over the full hashes is checked once every row of
the entry is. The entries of one import follow each other in the hash chain, which holds them together;
the import's memory stays bounded (one entry's listing at a time). Later edits of
such a row are ordinary ``update`` rows, field by field.

The entry travels in packages with the rows it lists to a program that says it reads such entries
(``reads["_history"]`` holds ``"bulk"``); in packages to an older program the rows are held back and sent
in full, as a catch-up block, once it does.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean

from desktop_app.services import audit

BULK = "bulk"
#: What a program that reads ``bulk`` entries says in its manifest's ``reads`` (a name no table has).
READS_KEY, READS_VALUE = "_history", "bulk"
SINCE = "0.2.0"  # the first release that writes and reads them (for a unit that has not said what it reads)
SHORT = 16  # hex digits of each row's hash kept in the entry (the digest covers the full hashes)
MAX_ROWS = 2_000_000  # rows one entry may list (a received entry is still input)
MAX_TEXT = 200 * 1024 * 1024  # characters of one entry's list
_enc = json.encoder.encode_basestring


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def row_hash(record_id: str, values: Iterable[Any]) -> str:
    """SHA-256 of a row: its id and its data columns as text (None and "" alike: the history keeps an
    emptied field as either), as a JSON list."""
    return _text_hash([record_id, *["" if v is None else v if type(v) is str else str(v) for v in values]])


def _text(value: Any, boolean: bool = False) -> str:
    """A stored value as ``row_hash`` takes it (a boolean column's as 是/否, as verify reads it)."""
    if value is None:
        return ""
    if boolean:
        return "是" if value else "否"
    return value if type(value) is str else str(value)


def _text_hash(texts: Sequence[str]) -> str:
    # the JSON list of ``texts`` (as ``_dumps`` writes a list of strings, byte for byte), without the encoder's
    # per-call set-up: a bulk import hashes every row it writes
    return hashlib.sha256(("[" + ",".join(map(_enc, texts)) + "]").encode("utf-8", "surrogatepass")).hexdigest()


def _table_lines(rows: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{rid}\x1f{full}\n" for rid, full in rows).encode("utf-8", "surrogatepass")


def _combined(per_table: Mapping[str, str]) -> str:
    """The entry's digest from each table's: tables by name."""
    return hashlib.sha256("".join(f"{t}\x1f{per_table[t]}\n" for t in sorted(per_table)).encode("utf-8")).hexdigest()


def digest_of(rows: Mapping[str, Sequence[tuple[str, str]]]) -> str:
    """The entry's digest: per table the SHA-256 over "id, full hash" of its rows as listed, then over
    those by table name (so an import builds it chunk by chunk without keeping the full hashes)."""
    return _combined({t: hashlib.sha256(_table_lines(r)).hexdigest() for t, r in rows.items() if r})


class BulkEntry:
    """The rows one import writes, hashed from the values it stores; ``take()`` is a history row listing the
    rows gathered since the last one (an import writes one per ``ENTRY_ROWS`` rows: memory stays bounded).

    Each row is hashed from the values as stored (``add``: the stored forms the INSERT binds), taken as
    SQLite and PostgreSQL give them back as text: a text or date value as it is, an integer as its
    digits, a boolean column as 是/否, null as "". ``verify`` recomputes the same hash from the stored
    row, so a value the database would store differently shows at once (tests/test_bulk_history.py)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[str]] = {}  # table -> the listing's text since the last take, a piece per add
        self.hashers: dict[str, Any] = {}  # table -> SHA-256 over its rows' "id, full hash" lines since then
        self.count = 0  # rows listed since the last take
        self.total = 0  # rows listed by every entry taken or waiting
        self._plans: dict[tuple[Any, ...], tuple[Any, tuple[int, ...], str]] = {}

    def __len__(self) -> int:
        return self.count

    def _plan(self, table: str, columns: tuple[str, ...], fixed_from: int, fixed: tuple[Any, ...],
              ) -> tuple[Any, tuple[int, ...], str]:
        """How a stored row of ``table`` with ``columns`` (the INSERT's order, "id" first; those from
        ``fixed_from`` on the same in every row, as ``fixed``) becomes the text ``row_hash`` hashes (in the
        order of verify's ``TableCheck``): an item getter of its other values, the positions among them of
        boolean columns, and a template of the JSON list with the fixed values already written in."""
        key = (table, columns, fixed_from, fixed)
        plan = self._plans.get(key)
        if plan is None:
            from desktop_app.services.integrity.ledger import TableCheck, ledger_tables

            check = TableCheck.of(next(t for t in ledger_tables() if t.name == table))
            names = ("id", *check.columns)
            if missing := [c for c in names if c not in columns]:
                raise ValueError(f"{table}: the rows leave out {missing}")
            booleans = {c for c in check.columns if isinstance(check.table.c[c].type, Boolean)}
            picked: list[int] = []
            flags: list[int] = []
            pieces = []
            for name in names:
                at = columns.index(name)
                if at < fixed_from:
                    if name in booleans:
                        flags.append(len(picked))
                    picked.append(at)
                    pieces.append("{}")
                else:
                    pieces.append(_enc(_text(fixed[at - fixed_from], name in booleans)).replace("{", "{{")
                                  .replace("}", "}}"))
            pick = operator.itemgetter(*picked) if len(picked) > 1 else (lambda row, i=picked[0]: (row[i],))
            plan = self._plans[key] = (pick, tuple(flags), "[" + ",".join(pieces) + "]")
        return plan

    def add(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], fixed_from: int | None = None,
            ) -> None:
        """Hash ``rows`` of ``table`` as written: each a tuple of stored values in the order of ``columns``
        (which hold "id" and every data column of the table); the values from ``fixed_from`` on are the
        same in every row (the import's own, the defaults), taken once."""
        if not rows:
            return
        fixed_from = len(columns) if fixed_from is None else fixed_from
        pick, flags, template = self._plan(table, tuple(columns), fixed_from, tuple(rows[0][fixed_from:]))
        fmt, enc, sha256 = template.format, _enc, hashlib.sha256
        hashed = []
        for row in rows:
            values = pick(row)
            if flags:
                values = list(values)
                for i in flags:
                    values[i] = _text(values[i], True)
            try:  # the common row: every value text (``enc`` refuses anything else)
                text = fmt(*map(enc, values))
            except TypeError:
                text = fmt(*map(enc, ["" if v is None else v if type(v) is str else str(v) for v in values]))
            hashed.append((str(values[0]), sha256(text.encode("utf-8", "surrogatepass")).hexdigest()))
        self.hashers.setdefault(table, hashlib.sha256()).update(_table_lines(hashed))
        self.parts.setdefault(table, []).append(",".join(f'[{_enc(rid)},"{full[:SHORT]}"]' for rid, full in hashed))
        self.count += len(hashed)
        self.total += len(hashed)

    def take(self, table: str, record_id: str) -> audit.Change | None:
        """The history row listing the rows added since the last take (None: none), with the digest over
        them; ``table``/``record_id``: the import the entry belongs to. What it lists is let go."""
        if not self.count:
            return None
        digest = _combined({t: h.hexdigest() for t, h in self.hashers.items() if self.parts.get(t)})
        out = [f'{{"digest":"{digest}","rows":{{']
        for n, t in enumerate(t for t in sorted(self.parts) if self.parts[t]):
            out.append(f"{',' if n else ''}{_enc(t)}:[")
            for i, piece in enumerate(self.parts[t]):
                out.append("," + piece if i else piece)
            out.append("]")
        out.append("}}")
        self.parts.clear()
        self.hashers.clear()
        self.count = 0
        return audit.Change(BULK, table, record_id, "*", None, "".join(out))


def parse(text: str | None) -> tuple[str, dict[str, list[tuple[str, str]]]] | None:
    """(digest, table -> [(id, short hash)]) of an entry's ``new_value``; None when it is not one."""
    try:
        data = json.loads(text or "")
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("digest"), str) or len(data["digest"]) != 64 \
            or not isinstance(data.get("rows"), dict):
        return None
    out: dict[str, list[tuple[str, str]]] = {}
    count = 0
    for table, rows in data["rows"].items():
        if not isinstance(table, str) or not isinstance(rows, list):
            return None
        listed: list[tuple[str, str]] = []
        for item in rows:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and len(item[0]) <= 64
                    and isinstance(item[1], str) and len(item[1]) == SHORT):
                return None
            listed.append((item[0], item[1]))
        count += len(listed)
        if count > MAX_ROWS:
            return None
        out[table] = listed
    return data["digest"], out


def covered(history: Iterable[Sequence[Any]]) -> dict[str, list[str]]:
    """Table -> ids of the rows the ``bulk`` rows among ``history`` (audit rows as a package carries them:
    action at 4, new value at 9) list."""
    out: dict[str, list[str]] = {}
    for h in history:
        if h[4] == BULK and (parsed := parse(h[9])) is not None:
            for table, rows in parsed[1].items():
                out.setdefault(table, []).extend(rid for rid, _short in rows)
    return out


def peer_reads_bulk(reads: dict[str, Any]) -> bool:
    return READS_VALUE in (reads.get(READS_KEY) or ())


def for_package(history: list[list[Any]], reads_bulk: bool,
                ) -> tuple[list[list[Any]], dict[str, list[str]], list[tuple[str, str, list[str]]]]:
    """A package's history (audit rows, action at 4) with its ``bulk`` rows: the history to send, the rows
    those entries list (table -> ids: the package carries them), and, for a program that does not read
    such entries, the rows to hold back instead (table, id, [READS_KEY]: sent in full once it does)."""
    if not any(h[4] == BULK for h in history):
        return history, {}, []
    listed = covered(history)
    if reads_bulk:
        return history, listed, []
    held = [(table, rid, [READS_KEY]) for table, ids in listed.items() for rid in ids]
    return [h for h in history if h[4] != BULK], {}, held
