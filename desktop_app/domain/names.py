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
