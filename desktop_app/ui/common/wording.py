"""The words a teacher reads for states the services name by their technical meaning."""

from __future__ import annotations

from desktop_app.services import sync

# The exchange state of a record as a school says it (the district is the one it reports to) …
SCHOOL_SYNC_STATES = {
    sync.STATE_NEW: "未报送", sync.STATE_CHANGED: "未报送", sync.STATE_SENT: "已报送",
    sync.STATE_ACKED: "区教委已收到", sync.STATE_CONFLICT: "有冲突",
}
# … and as the district office says it of a school's records.
DISTRICT_SYNC_STATES = {
    sync.STATE_NEW: "未发送", sync.STATE_CHANGED: "未发送", sync.STATE_SENT: "已发送",
    sync.STATE_ACKED: "已同步", sync.STATE_CONFLICT: "有冲突",
}


def sync_state_label(state: str | None, *, district: bool = False) -> str:
    """未报送, 已报送, 区教委已收到, 有冲突 (a school); 未发送, 已发送, 已同步, 有冲突 (the district)."""
    if not state:
        return ""
    return (DISTRICT_SYNC_STATES if district else SCHOOL_SYNC_STATES).get(state, state)
