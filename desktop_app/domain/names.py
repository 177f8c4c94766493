"""Pinyin forms of names, for searching 张三 by "zs" or "zhangsan"."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    return "".join(lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="ignore")).lower()


def name_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name or "", errors="ignore")).lower()
