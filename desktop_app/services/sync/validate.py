"""A signed package is trusted to come from its sender, never to be well formed: every value is checked here.

Two steps, both before anything is written:

* ``check_manifest``: the manifest's fields, typed and bounded (numbers are integers a SQLite column
  holds, texts are texts of bounded length, hashes are hex, keys are 32 bytes …).
* ``check_payload`` (inside the import's transaction, which rolls back on any refusal): every row of
  every table has exactly the columns of this schema with their types, dates that parse, values inside
  the coded lists, identity numbers that pass the domain rules (or are empty), references that resolve
  within the package or the store, only tables and records the sender may own; the history rows are
  each correctly hashed, chained where they are consecutive, continue the chain last received from that
  node, and account for every row of the package (and every row for them).

Every failure is a ``PackageRefused`` whose message is one Chinese line naming the table, the record
and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Table, Text
from sqlalchemy.orm import Session

from desktop_app.domain import care, census, codes, home_teaching, lifecycle, proposals, school_calendar
from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.identity import normalize_id_number
from desktop_app.domain.semester import default_span
from desktop_app.services import audit

#: The largest integer a SQLite column holds (and the manifest's numbers are compared with).
MAX_INT = 2**63 - 1
MAX_TEXT = 100_000  # a free-text (Text) column
HISTORY_WIDTH = 12
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
_ID_COLUMNS = {"id", "node_id"}
_OPEN = ""  # allowed in a coded column the form may leave empty


class PackageInvalid(BaoxueError):
    """A value of a package is not acceptable; ``str(err)`` is the Chinese line (subclassed as PackageRefused)."""


def _refuse(text: str) -> PackageInvalid:
    return PackageInvalid(f"{text}，整个数据包未导入")


# --- the manifest -----------------------------------------------------------------------------

def _short(value: Any, limit: int = 24) -> str:
    """A value as it may appear in the one-line message: printable (control characters escaped) and short."""
    text = value if isinstance(value, str) and value.isprintable() else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _int(manifest: dict[str, Any], key: str, label: str, *, required: bool = True) -> int:
    value = manifest.get(key)
    if value is None and not required:
        return 0
    if type(value) is not int or not 0 <= value <= MAX_INT:
        raise _refuse(f"数据包清单的“{label}”（{key}）不是有效的非负整数（{_short(value)}）")
    return value


def _text(holder: dict[str, Any], key: str, label: str, limit: int, *, where: str = "数据包清单",
          empty: bool = True) -> str:
    if key not in holder:
        raise _refuse(f"{where}缺少“{label}”（{key}）")
    value = holder[key]
    if not empty and value == "":
        raise _refuse(f"{where}的“{label}”（{key}）是空的")
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise _refuse(f"{where}的“{label}”（{key}）不是不超过{limit}个字的文字（{_short(value)}）")
    return value


def _dict(manifest: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    value = manifest.get(key)
    if not isinstance(value, dict):
        raise _refuse(f"数据包清单缺少“{label}”（{key}）或其格式不对")
    return value


def check_manifest(manifest: dict[str, Any]) -> None:
    """Types and bounds of every manifest field the import reads.

    Raises:
        PackageInvalid: naming the field.
    """
    kind = manifest.get("kind")
    if kind not in ("enrol", "changes"):
        raise _refuse(f"数据包清单的“类型”（kind）不对（{_short(kind)}）")
    _text(manifest, "program", "程序版本", 40)
    created = _text(manifest, "created_at", "生成时间", 40)
    try:
        dt.datetime.fromisoformat(created)
    except ValueError as exc:
        raise _refuse(f"数据包清单的“生成时间”（created_at）不是有效时间（{_short(created)}）") from exc
    sender = _dict(manifest, "sender", "发送单位")
    for key, label, limit in (("code", "单位代码", 20), ("node", "节点编号", 36), ("kind", "单位类型", 16),
                              ("name", "单位名称", 100)):
        _text(sender, key, label, limit, where="数据包清单中发送单位", empty=key == "name")
    if sender.get("kind") not in ("school", "district"):
        raise _refuse(f"数据包清单中发送单位的“单位类型”（kind）不对（{_short(sender.get('kind'))}）")
    keys = _dict(manifest, "sender_keys", "发送单位公钥")
    for key in ("box", "sign"):
        if not isinstance(keys.get(key), str) or not _HEX64.match(keys[key]):
            raise _refuse(f"数据包清单中发送单位的公钥（{key}）格式不对")
    recipient = _dict(manifest, "recipient", "接收单位")
    _text(recipient, "code", "单位代码", 20, where="数据包清单中接收单位", empty=False)
    _text(recipient, "node", "节点编号", 36, where="数据包清单中接收单位")
    _int(manifest, "number", "包序号")
    if not isinstance(manifest.get("encrypted"), bool):
        raise _refuse("数据包清单的“是否加密”（encrypted）不对")
    if kind == "enrol":
        return
    _check_chain(manifest.get("chain"))
    if manifest["encrypted"] is not True:
        raise _refuse("数据包清单写明内容未加密：交换数据包必须加密")
    seq_from = _int(manifest, "seq_from", "起始序号")
    seq_to = _int(manifest, "seq_to", "截止序号")
    if seq_from > seq_to:
        raise _refuse(f"数据包清单的起始序号（{seq_from}）大于截止序号（{seq_to}）")
    _int(manifest, "ack_seq", "确认序号")
    _int(manifest, "ack_package", "确认包序号")
    if not isinstance(manifest.get("partial", False), bool):
        raise _refuse("数据包清单的“部分发送”（partial）不对")
    counts = manifest.get("counts", {})
    if not isinstance(counts, dict) or any(
            not isinstance(k, str) or type(v) is not int or not 0 <= v <= MAX_INT for k, v in counts.items()):
        raise _refuse("数据包清单的“条数”（counts）格式不对")
    sent = manifest.get("sent", [])
    if not isinstance(sent, list) or len(sent) > 1000 or any(
            not isinstance(e, list) or len(e) != 3 or any(type(v) is not int or not 0 <= v <= MAX_INT for v in e)
            for e in sent):
        raise _refuse("数据包清单的“已发送包”（sent）格式不对")


def _nonneg(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_INT


def _check_chain(chain: Any) -> None:
    """The sender's chain head (``chain``: issue 13), when the package carries one."""
    if chain is None:
        return
    bad = _refuse("数据包清单中的“历史记录链头”（chain）格式不对")
    if not isinstance(chain, dict) or not _nonneg(chain.get("count")) or not _nonneg(chain.get("from", 0)):
        raise bad
    if chain.get("hash") is not None and not (isinstance(chain["hash"], str) and _HEX64.match(chain["hash"])):
        raise bad
    marks, restores = chain.get("marks", {}), chain.get("restores", [])
    if not isinstance(marks, dict) or len(marks) > 10_000 or any(
            not (k.isascii() and k.isdigit() and len(k) <= 19) or not isinstance(v, str) or not _HEX64.match(v)
            for k, v in marks.items()):
        raise bad
    if not isinstance(restores, list) or len(restores) > 10_000 or any(
            not isinstance(r, dict) or not _nonneg(r.get("from_count", 0)) or not _nonneg(r.get("to_count", 0))
            or any(not (v is None or (isinstance(v, str) and len(v) <= 200 and v.isprintable()))
                   for k, v in r.items() if k not in ("from_count", "to_count"))
            for r in restores):
        raise bad


def check_enrolment_payload(payload: dict[str, Any]) -> dict[str, str]:
    school = payload.get("school")
    if not isinstance(school, dict):
        raise _refuse("登记包内容不对：缺少学校信息")
    for key, label, limit in (("code", "学校标识码", 20), ("name", "学校名称", 100), ("township", "所属乡镇", 100)):
        _text(school, key, label, limit, where="登记包中学校信息")
    return {k: str(school.get(k, "")) for k in ("code", "name", "township")}


# --- rows --------------------------------------------------------------------------------------

def _enum(*values: str, empty: bool = False) -> frozenset[str]:
    return frozenset(values) | ({_OPEN} if empty else set())


#: The coded lists: (table, column) -> the values a row may hold. Only lists the entry forms enforce (the aid
#: item, a persuasion method, a guardian's relation … may be typed, so they are free text here too).
CODED: dict[tuple[str, str], frozenset[str]] = {
    ("cases", "status"): _enum(*(s.value for s in codes.CaseStatus)),
    ("cases", "dropout_reason"): _enum(*codes.DROPOUT_REASONS, empty=True),
    ("cases", "result"): _enum(*codes.PERSUASION_RESULTS, empty=True),
    ("cases", "grade"): _enum(*codes.GRADES, empty=True),
    ("students", "sex"): _enum("男", "女", empty=True),
    ("students", "ethnic_group"): _enum(*codes.ETHNIC_GROUPS, empty=True),
    ("student_tags", "tag"): _enum(*care.TAGS),
    ("student_tags", "detail"): _enum(*care.HARDSHIP_KINDS, empty=True),
    ("care_records", "kind"): _enum(*care.CARE_KINDS),
    ("disability_files", "kind"): _enum(*care.DISABILITY_KINDS, empty=True),
    ("disability_files", "grade"): _enum(*care.DISABILITY_GRADES, empty=True),
    ("disability_files", "placement"): _enum(*care.PLACEMENTS, empty=True),
    ("census_statuses", "status"): _enum(*(s.value for s in census.ChildStatus)),
    ("return_checks", "result"): _enum(*(r.value for r in census.ReturnResult), empty=True),
    ("roster_members", "kind"): _enum(*(k.value for k in census.RosterKind)),
    ("case_closings", "reason"): _enum(*(r.value for r in lifecycle.ClosingReason)),
    ("case_closings", "placement"): _enum(*lifecycle.PLACEMENTS, empty=True),
    ("case_closings", "grade"): _enum(*codes.GRADES, empty=True),
    ("census_statuses", "method"): _enum(*census.CHECK_METHODS, empty=True),
    ("evidence_files", "owner_table"): _enum("cases", "persuasion_attempts", "case_closings"),
    ("deferral_applications", "kind"): _enum(*lifecycle.DEFERRAL_KINDS),
    ("calendar_days", "kind"): _enum(*school_calendar.DAY_KINDS),
    ("home_teaching_sessions", "form"): _enum(*home_teaching.SESSION_FORMS),
    ("break_contacts", "break_kind"): _enum(*home_teaching.BREAKS),
    ("match_proposals", "kind"): _enum(*proposals.KINDS),
    ("match_proposals", "result"): _enum(*proposals.RESULTS),
    ("match_proposals", "status"): _enum(*proposals.STATUSES),
}
#: Identity numbers: empty (a child registered by student number) or valid by GB 11643.
IDENTITY: set[tuple[str, str]] = {("students", "id_number")}
#: Semester names (2026秋) wherever a row names its semester.
SEMESTER_COLUMNS = {"semester"}

#: Tables the district owns that a school may still send: its own copy of a semester ("2026秋" made at
#: the school) and the school's calendar days; the district merges the first by name and keeps its own calendar.
SCHOOL_MAY_SEND = {"semesters", "calendar_days"}


def _label(table: str) -> str:
    from desktop_app.services.sync.conflicts import TABLE_LABELS

    return f"“{TABLE_LABELS[table]}”表（{table}）" if table in TABLE_LABELS else f"“{table}”表"


def _where(table: str, rid: Any, column: str) -> str:
    return f"数据包中{_label(table)}记录 {_short(rid, 36)} 的字段“{_short(column, 50)}”"


def _column_check(table: Table, column: str) -> Callable[[Any], str | None]:
    """A function returning what is wrong with a value of ``column`` (None when it is acceptable)."""
    col = table.c[column]
    kind = col.type
    nullable = bool(col.nullable) and not col.primary_key

    def none_ok(value: Any) -> str | None:
        return None if nullable else "不能为空"

    if isinstance(kind, DateTime):
        def check_dt(value: Any) -> str | None:
            if value is None:
                return none_ok(value)
            if not isinstance(value, str) or not _DATE_TIME.match(value):
                return f"不是有效的时间（{_short(value)}）"
            try:
                dt.datetime.fromisoformat(value)
            except ValueError:
                return f"不是有效的时间（{_short(value)}）"
            return None
        return check_dt
    if isinstance(kind, Date):
        def check_date(value: Any) -> str | None:
            if value is None:
                return none_ok(value)
            if not isinstance(value, str) or not _DATE.match(value):
                return f"不是有效的日期（{_short(value)}）"
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return f"不是有效的日期（{_short(value)}）"
            if not 1900 <= day.year <= 2100:
                return f"日期超出合理范围（{value}）"
            return None
        return check_date
    if isinstance(kind, Boolean):
        def check_bool(value: Any) -> str | None:
            if value is None:
                return none_ok(value)
            return None if value in (0, 1) and type(value) in (int, bool) else f"不是“是/否”（{_short(value)}）"
        return check_bool
    if isinstance(kind, Integer):
        def check_int(value: Any) -> str | None:
            if value is None:
                return none_ok(value)
            if type(value) is not int or not -MAX_INT <= value <= MAX_INT:
                return f"不是有效的整数（{_short(value)}）"
            return None
        return check_int
    # Texts: ids and references are bounded by the schema; free text by a generous bound (the forms do not
    # all cap what is typed at the column's declared length, and a refusal would stop the exchange for good).
    length = getattr(kind, "length", None)
    strict = column in _ID_COLUMNS or bool(col.foreign_keys) or column == "sha256"
    if isinstance(kind, Text) or not isinstance(kind, String) or length is None:
        limit = MAX_TEXT
    else:
        limit = length if strict else max(4 * length, 200)
    coded = CODED.get((table.name, column))
    identity = (table.name, column) in IDENTITY
    semester = column in SEMESTER_COLUMNS

    def check_text(value: Any) -> str | None:
        if value is None:
            return none_ok(value)
        if not isinstance(value, str):
            return f"不是文字（{_short(value)}）"
        if len(value) > limit:
            return f"超过{limit}个字（{len(value)}个字）"
        if "\x00" in value or (strict and not value.isprintable()):
            return "含有不允许的控制字符"
        if coded is not None and value not in coded:
            return f"的值“{_short(value)}”不在代码表中"
        if identity and value and (problem := census.id_problem(value) or (
                "未按规范书写" if value != normalize_id_number(value) else None)):
            return f"的值“{_short(value)}”不是有效的居民身份证号码（{problem}）"
        if semester and value:
            try:
                default_span(value)
            except ValueError:
                return f"的值“{_short(value)}”不是有效的学期（应如 2026秋）"
        if column == "id" and not value:
            return "不能为空"
        return None
    return check_text


def _fmt(where: str, problem: str) -> str:
    return where + problem


@dataclass
class Block:
    """The checked rows of one table of a package: its column names and ``{record id: row}``."""

    columns: list[str]
    rows: dict[str, list[Any]]


def reader_columns(manifest: dict[str, Any], known: dict[str, Table]) -> dict[str, set[str]]:
    """The columns every row must carry: this schema's, or, for a package written down-level for an older
    reader (``min_reader``) or by an older program, that release's (what it leaves out comes later, in full)."""
    from desktop_app import __version__
    from desktop_app.services import compat

    reader = manifest.get("min_reader") or manifest.get("program")
    reader = reader if isinstance(reader, str) and len(reader) <= 32 else ""
    if compat.release_of(reader) >= compat.release_of(__version__):
        return {name: {c.name for c in table.columns} for name, table in known.items()}
    return {name: set(columns) for name, columns in compat.release_schema(reader).items()}


def check_rows(blocks: dict[str, Any], known: dict[str, Table], sender_kind: str,
               owner_kind: Callable[[str], str], floor: dict[str, set[str]], *, what: str = "") -> dict[str, Block]:
    """Columns, types, coded lists and identity numbers of every row; the tables a sender may send.

    Args:
        blocks: ``{table: {"columns": [...], "rows": [[...], ...]}}`` (the package's tables, or its catch-up).
        floor: the columns each table's rows must have (``reader_columns``).
        what: how the message names these rows ("补发的" for the catch-up).
    """
    out: dict[str, Block] = {}
    for name, block in blocks.items():
        table = known[name]
        if sender_kind == "school" and owner_kind(name) == "district" and name not in SCHOOL_MAY_SEND:
            raise _refuse(f"数据包中有{what}{_label(name)}的记录，而这张表只能由区教委填写，学校不能发送")
        columns = block["columns"]
        if any(not isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
            raise _refuse(f"数据包中{what}{_label(name)}的字段名单格式不对")
        required = floor.get(name, set()) | {"id", "version"}
        missing = [c.name for c in table.columns if c.name in required and c.name not in columns]
        if missing:
            more = f"等{len(missing)}个字段" if len(missing) > 3 else ""
            raise _refuse(f"数据包中{what}{_label(name)}缺少字段 {'、'.join(missing[:3])}{more}"
                          "（双方程序版本不同？请升级到同一版本）")
        checks = [_column_check(table, c) for c in columns]
        id_at, version_at = columns.index("id"), columns.index("version")
        rows: dict[str, list[Any]] = {}
        for raw in block["rows"]:
            rid = raw[id_at]
            for column, check, value in zip(columns, checks, raw, strict=True):
                if (problem := check(value)) is not None:
                    raise _refuse(_fmt(_where(name, rid, column), problem))
            if rid in rows:
                raise _refuse(f"数据包中{what}{_label(name)}记录 {_short(rid, 36)} 出现了两次")
            if raw[version_at] < 1:
                raise _refuse(_fmt(_where(name, rid, "version"), f"不是有效的版本号（{_short(raw[version_at])}）"))
            rows[rid] = raw
        out[name] = Block(columns, rows)
    return out


def check_catchup(payload: dict[str, Any], known: dict[str, Table], sender_kind: str,
                  owner_kind: Callable[[str], str], floor: dict[str, set[str]]) -> dict[str, Block]:
    """Records held back while this program was older, sent now in full (no history of their own here):
    checked like the package's rows, and the fields each names."""
    catchup = payload.get("catchup") or {}
    out = check_rows(catchup, known, sender_kind, owner_kind, floor, what="补发的")
    for name, block in catchup.items():
        fields = block.get("fields", {})
        if not isinstance(fields, dict) or any(
                rid not in out[name].rows or not isinstance(names, list)
                or any(not isinstance(f, str) or (f != "*" and f not in out[name].columns) for f in names)
                for rid, names in fields.items()):
            raise _refuse(f"数据包中补发的{_label(name)}记录所列的字段（fields）格式不对")
    return out


# --- references and ownership ---------------------------------------------------------------------

def _existing(session: Session, table: str, ids: list[str], column: str = "id") -> set[str]:
    conn = session.connection()
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(r[0] for r in conn.exec_driver_sql(
            f'SELECT "{column}" FROM "{table}" WHERE "{column}" IN ({",".join("?" * len(chunk))})', tuple(chunk)))
    return found


def _owners(session: Session, table: str, ids: list[str]) -> dict[str, str]:
    conn = session.connection()
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        out.update(conn.exec_driver_sql(
            "SELECT record_id, owner_node FROM sync_record_owners WHERE table_name = ? AND record_id IN "
            f"({','.join('?' * len(chunk))})", (table, *chunk)).fetchall())
    return out


def check_references(session: Session, payload: dict[str, Any], blocks: list[dict[str, Block]],
                     known: dict[str, Table], *, receiver_kind: str, sender_node: str,
                     owner_kind: Callable[[str], str]) -> None:
    """References resolve within the package or the store; at the district a school touches only its own records."""
    blobs = payload.get("blobs") or {}
    aliases: dict[str, set[str]] = defaultdict(set)
    for table_name, remote_id in session.connection().exec_driver_sql(
            "SELECT table_name, remote_id FROM sync_id_aliases WHERE origin_node = ?", (sender_node,)):
        aliases[table_name].add(remote_id)
    carried: dict[str, set[str]] = defaultdict(set)
    for group in blocks:
        for name, block in group.items():
            carried[name].update(block.rows)
    for name, block in ((n, b) for group in blocks for n, b in group.items()):
        table = known[name]
        records, columns = block.rows, block.columns
        for column in columns:
            for fk in table.c[column].foreign_keys:
                target = fk.column.table.name
                at = columns.index(column)
                wanted = {r[at] for r in records.values() if r[at] is not None}
                if target in known:
                    wanted -= carried.get(target, set())
                    wanted -= set(aliases.get(target, {}))
                elif target == "evidence_blobs":
                    wanted -= set(blobs)
                if not wanted:
                    continue
                ordered = sorted(wanted)
                found = _existing(session, target, ordered, fk.column.name)
                lost = [v for v in ordered if v not in found]
                if lost:
                    rid = next(r for r, raw in records.items() if raw[at] == lost[0])
                    raise _refuse(f"{_where(name, rid, column)}引用的{_label(target)}记录 {_short(lost[0], 36)} "
                                  "既不在数据包中也不在本机")
                if receiver_kind == "district" and target in known and owner_kind(target) == "school":
                    _check_owner(session, target, ordered, sender_node, referenced_by=(name, column, records, at))
        if receiver_kind == "district" and owner_kind(name) == "school":
            _check_owner(session, name, sorted(records), sender_node)


def _check_owner(session: Session, table: str, ids: list[str], sender_node: str,
                 referenced_by: tuple[str, str, dict[str, list[Any]], int] | None = None) -> None:
    for rid, owner in _owners(session, table, ids).items():
        if owner != sender_node:
            if referenced_by is None:
                raise _refuse(f"数据包中{_label(table)}记录 {_short(rid, 36)} 属于另一所学校，发送单位无权修改")
            name, column, records, at = referenced_by
            source = next(r for r, raw in records.items() if raw[at] == rid)
            raise _refuse(f"{_where(name, source, column)}引用的{_label(table)}记录 {_short(rid, 36)} 属于另一所学校")


# --- history -------------------------------------------------------------------------------------

def _history_where(h: list[Any], index: int) -> str:
    seq = h[0] if type(h[0]) is int else index + 1
    return f"数据包中第{seq}条历史记录"


def check_history(session: Session, payload: dict[str, Any], rows: dict[str, Block],
                  known: dict[str, Table], *, manifest: dict[str, Any], sender_node: str,
                  floor: dict[str, set[str]]) -> None:
    """Each history row hashed as the sender's chain hashes it, chained where consecutive, continuing what
    was received before from that node; the rows and the history account for each other."""
    history = payload["history"]
    seq_from, seq_to = manifest["seq_from"], manifest["seq_to"]
    previous: list[Any] | None = None
    for index, h in enumerate(history):
        where = _history_where(h, index)
        if type(h[0]) is not int or not seq_from < h[0] <= seq_to:
            raise _refuse(f"{where}的序号（{_short(h[0])}）不在清单所列的范围 {seq_from + 1}-{seq_to} 内")
        if previous is not None and h[0] <= previous[0]:
            raise _refuse(f"{where}的序号没有按顺序递增")
        for at, label in ((2, "操作人"), (3, "节点编号"), (5, "数据表"), (6, "记录编号"), (7, "字段")):
            if not isinstance(h[at], str) or len(h[at]) > 64:
                raise _refuse(f"{where}的“{label}”不是文字（{_short(h[at])}）")
        if h[4] not in ("insert", "update"):
            raise _refuse(f"{where}的操作类型（{_short(h[4])}）不对")
        if h[5] not in known:
            raise _refuse(f"{where}属于本程序不认识的数据表“{_short(h[5])}”")
        for at, label in ((8, "原值"), (9, "新值")):
            if h[at] is not None and (not isinstance(h[at], str) or len(h[at]) > 10 * MAX_TEXT):
                raise _refuse(f"{where}的“{label}”格式不对")
        for at, label in ((10, "前一条校验值"), (11, "校验值")):
            if not isinstance(h[at], str) or not _HEX64.match(h[at]):
                raise _refuse(f"{where}的“{label}”不是有效的校验值")
        if not isinstance(h[1], str) or not _DATE_TIME.match(h[1]):
            raise _refuse(f"{where}的时间（{_short(h[1])}）不是有效时间")
        try:
            at_time = dt.datetime.fromisoformat(h[1])
        except ValueError as exc:
            raise _refuse(f"{where}的时间（{_short(h[1])}）不是有效时间") from exc
        expected = audit.row_hash(h[10], at_time, h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9])
        if h[11] != expected:
            raise _refuse(f"{where}（{_label(h[5])}记录 {_short(h[6], 36)}）的校验值与其内容不符：历史记录被改动过")
        if previous is not None and h[0] == previous[0] + 1 and h[10] != previous[11]:
            raise _refuse(f"{where}没有接在前一条之后（校验链断开）：历史记录被改动过")
        previous = h
    # The chain received before from this node.
    last = session.connection().exec_driver_sql(
        "SELECT origin_id, row_hash FROM remote_audit_log WHERE origin_node = ? ORDER BY origin_id DESC LIMIT 1",
        (sender_node,)).first()
    if last is not None:
        new = [h for h in history if h[0] > last[0]]
        if new and new[0][0] == last[0] + 1 and new[0][10] != last[1]:
            raise _refuse(f"{_history_where(new[0], 0)}没有接在上次收到的第{last[0]}条历史记录之后（校验链断开）")
    # Rows and history account for each other.
    touched: dict[str, set[str]] = defaultdict(set)
    for h in history:
        touched[h[5]].add(h[6])
    for name, block in rows.items():
        for rid in block.rows:
            if rid not in touched.get(name, ()):
                raise _refuse(f"数据包中{_label(name)}记录 {_short(rid, 36)} 没有对应的历史记录")
    for name, ids in touched.items():
        if name not in rows and name not in floor:
            continue  # a table the package's reader does not know: held back, sent in full later
        carried = rows[name].rows if name in rows else {}
        for rid in ids:
            if rid not in carried:
                raise _refuse(f"数据包的历史记录提到{_label(name)}记录 {_short(rid, 36)}，但数据包中没有这条记录")
