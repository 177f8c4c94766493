"""The district's list of its schools: kept at the district from the registered schools, sent to every school,
where a teacher chooses the school a case is handed to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from database.handover import DistrictSchool
from database.sync import Peer
from desktop_app.domain.errors import ValidationError
from desktop_app.services.handover.common import SCHOOL, _inst
from desktop_app.services.store import Store


@dataclass(frozen=True)
class SchoolChoice:
    code: str
    name: str
    township: str

    def label(self) -> str:
        return f"{self.name}（{self.township}，{self.code}）" if self.township else f"{self.name}（{self.code}）"


def publish_schools(session: Session) -> int:
    """At the district, inside a write: the school list that travels to every school follows the registered
    schools (new ones added, renamed ones updated). Returns how many rows changed."""
    rows = {s.code: s for s in session.execute(select(DistrictSchool)).scalars()}
    changed = 0
    for peer in session.execute(select(Peer).where(Peer.kind == SCHOOL).order_by(Peer.code)).scalars():
        row = rows.get(peer.code)
        if row is None:
            session.add(DistrictSchool(code=peer.code, name=peer.name, township=peer.township or ""))
            changed += 1
        elif (row.name, row.township) != (peer.name, peer.township or ""):
            row.name, row.township = peer.name, peer.township or ""
            changed += 1
    session.flush()
    return changed


def district_schools(store: Store) -> list[SchoolChoice]:
    """The schools a case can be handed to: the district's list (as its last package said), without this one.

    Raises:
        ValidationError: this school has not received the list yet (say so: it comes with the district's package).
    """
    inst = _inst(store)
    with store.read() as session:
        rows = list(session.execute(select(DistrictSchool).order_by(DistrictSchool.township, DistrictSchool.code))
                    .scalars())
    if not rows:
        raise ValidationError("本校还没有区教委的学校名单：名单随区教委发来的数据包一起到达，"
                              "请先向区教委报送数据包，再导入区教委发回的数据包")
    return [SchoolChoice(r.code, r.name, r.township) for r in rows if r.code != inst.code]


