"""Who is the same child across schools: the keys and the rules, as SQL.

Each school's children are its own ``students`` rows (a child known at two schools is two rows), so
the district matches rows, never merges them. Rules, strongest first; the first that holds names the
match's ``method``:

1. 身份证号: the normalised identity numbers are equal;
2. 姓名+出生日期+性别: where either row has no valid number: the same name and birth date, and the
   same sex where both give one;
3. 同名、同监护人: where either row has no valid number: the same name and the same first guardian
   (the census comparison's fuzzy rule, ``services.census.compare``), to be checked by a person.

Numbers are checked (python-stdnum, ``domain.identity``) when they enter a store: a roster import, a
form and a package each refuse an invalid one. What is stored is therefore valid or empty, and the
SQL only normalises it (upper case; an 18-character value is a number, anything else is none).
"""

from __future__ import annotations

from collections.abc import Iterable

BY_NUMBER = "身份证号"
BY_NAME_BIRTH = "姓名+出生日期+性别"
BY_NAME_GUARDIAN = "同名、同监护人"
METHODS = (BY_NUMBER, BY_NAME_BIRTH, BY_NAME_GUARDIAN)


def sql_list(values: Iterable[str]) -> str:
    """A literal SQL list of our own constants (statuses, kinds): never of user input."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def idn(column: str) -> str:
    """The normalised identity number of a ``students.id_number`` column, NULL where there is none."""
    return f"CASE WHEN length({column}) = 18 THEN upper({column}) END"


def person_columns(alias: str) -> str:
    """The key columns of a person row ``alias`` of ``students``: idn, name, birth, sex, guardian."""
    # birth as text on both backends (SQLite stores the date as text; PostgreSQL's date column is cast)
    return (f"{idn(alias + '.id_number')} AS idn, {alias}.name AS name, CAST({alias}.birth_date AS TEXT) AS birth, "
            f"{alias}.sex AS sex, {alias}.guardian1_name AS guardian")


PERSON_TABLE_COLUMNS = "idn TEXT, name TEXT, birth TEXT, sex TEXT, guardian TEXT"


def rules(a: str, b: str) -> list[tuple[str, str, str]]:
    """``(method, join condition, extra condition)`` for person rows ``a`` and ``b``, strongest first."""
    weak = f"({a}.idn IS NULL OR {b}.idn IS NULL)"
    return [
        (BY_NUMBER, f"{b}.idn = {a}.idn", "1 = 1"),
        (BY_NAME_BIRTH, f"{b}.name = {a}.name AND {b}.birth = {a}.birth",
         f"{weak} AND ({a}.sex = '' OR {b}.sex = '' OR {a}.sex = {b}.sex)"),
        (BY_NAME_GUARDIAN, f"{b}.name = {a}.name AND {b}.guardian = {a}.guardian",
         f"{weak} AND {a}.guardian <> ''"),
    ]


def person_indexes(table: str) -> list[str]:
    """The indexes the rules probe on a temporary person table."""
    return [f"CREATE INDEX {table}_idn ON {table} (idn)",
            f"CREATE INDEX {table}_nb ON {table} (name, birth)",
            f"CREATE INDEX {table}_ng ON {table} (name, guardian)"]
