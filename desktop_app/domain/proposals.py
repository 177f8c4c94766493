"""全区联查 answers at a school (联查建议): what the district found about the school's own children.

Pure Python: the words a proposal is made of, shared by the district that writes them, the package checks
and the school that accepts or rejects them.
"""

from __future__ import annotations

SOURCE = "区教委联查"

# kinds (the district's kinds of match that concern a school's own children)
CENSUS = "摸排"
JUNIOR = "小升初"
PRIMARY = "幼升小"
RETURNS = "返校"
DUPLICATE = "重复立案"
KINDS = (CENSUS, JUNIOR, PRIMARY, RETURNS, DUPLICATE)
LEAVER_KINDS = (JUNIOR, PRIMARY)

# results
OTHER_SCHOOL = "区内他校在读"
FOUND = "已找到"
NOT_FOUND = "衔接未找到"
TRANSFER_CONFIRMED = "转学已确认"
RETURN_FOUND = "未返校已找到"
DUPLICATE_RESULT = "重复立案"
RESULTS = (OTHER_SCHOOL, FOUND, NOT_FOUND, TRANSFER_CONFIRMED, RETURN_FOUND, DUPLICATE_RESULT)
#: Results the school accepts (its status changes) or rejects; the others are notices to act on.
ACTIONABLE = (OTHER_SCHOOL, FOUND, TRANSFER_CONFIRMED, RETURN_FOUND)

# the school's decision
PENDING = "待确认"
ACCEPTED = "已接受"
REJECTED = "已拒绝"
NOTICE = "通知"
STATUSES = (PENDING, ACCEPTED, REJECTED, NOTICE)

#: Which census page shows which kinds.
PAGE_KINDS: dict[str, tuple[str, ...]] = {
    "摸排核查": (CENSUS, DUPLICATE),
    "衔接": LEAVER_KINDS,
    "返校核查": (RETURNS,),
}


def source_note(matched_on: str) -> str:
    """What an accepted status says about where it came from (shown with the status)."""
    return f"来源：{SOURCE}（{matched_on}）"


def found_text(result: str, school: str, grade: str) -> str:
    """The answer in a sentence a teacher reads: where the child was found, or that it was not."""
    if result == NOT_FOUND:
        return "全区各校均未找到"
    if result == DUPLICATE_RESULT:
        return f"{school}也有此儿童的在办案件" if school else "另一所学校也有此儿童的在办案件"
    where = f"{school}{grade}" if school else "区内另一所学校"
    if result == TRANSFER_CONFIRMED:
        return f"转入{where}已确认"
    return f"在{where}就读"
