"""Pinyin forms of names, for searching 张三 by "zs" or "zhangsan"."""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def _pypinyin() -> ModuleType:
    import pypinyin  # its phrase dictionary takes 0.2 s to load: only when a name is saved

    return pypinyin


def name_initials(name: str) -> str:
    p = _pypinyin()
    return "".join(p.lazy_pinyin(name or "", style=p.Style.FIRST_LETTER, errors="ignore")).lower()


def name_pinyin(name: str) -> str:
    return "".join(_pypinyin().lazy_pinyin(name or "", errors="ignore")).lower()


# A person's name never begins with a character a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def name_problem(name: str, label: str = "姓名") -> str | None:
    """Why ``name`` cannot be a person's name (None when it can): it may not begin with
    ``= + - @``, a tab or a carriage return, which a spreadsheet would take for a formula."""
    if name and name.startswith(FORMULA_STARTS):
        shown = name[:1].replace("\t", "制表符").replace("\r", "回车符")
        return f"{label}“{name.strip()[:20]}”不能以“{shown}”开头：这不像人名（电子表格会把它当作公式）"
    return None
