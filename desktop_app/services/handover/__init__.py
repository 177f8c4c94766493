"""Case handover (移交): a school hands a case to another school of the district, through the district.

1. The sending school asks (``request_handover``): a ``case_handovers`` row on its open case, which
   stays open (shown 移交中) until the receiving school accepts. It travels in its next package.
2. The district, importing it (``after_import``), writes a forward (``handover_transfers``) and, for
   the receiving school only, the case as it holds it: the child, the case, the persuasion log, joint
   reports, court rulings, evidence (the bytes travel with the package) and the history lines
   (``handover_items``). The forward goes to both schools, the items to the receiving school only.
3. The receiving school accepts (``accept``: the case becomes its own open case, with new records and
   the history shown as 移交前) or rejects with a reason (``reject``); its ``handover_answers`` row
   travels to the district, which sets the forward's state; the forward travels back to the sender.
4. The sending school, importing an accepted forward, closes its case with the reason 移交 and the
   receiving school's name (the acceptance is the evidence). A rejected one leaves the case open,
   as it always was, and says why in the case's records and in 待办.
5. The sending school may withdraw (``withdraw_handover``, 撤回移交) while no answer came back: the district
   does not forward it, or marks its forward 已撤回 for both schools; an acceptance the receiving school made
   before the withdrawal reached it stands.
"""

from __future__ import annotations

from desktop_app.services.handover.common import LIST_HEADERS, HandoverView
from desktop_app.services.handover.forward import after_import
from desktop_app.services.handover.receive import CASE_TABLES, accept, incoming, incoming_count, reject
from desktop_app.services.handover.request import request_handover, withdraw_handover
from desktop_app.services.handover.schools import SchoolChoice, district_schools, publish_schools
from desktop_app.services.handover.views import (
    ChainLink,
    PriorHistory,
    chain,
    chain_lines,
    handover_reminders,
    handovers,
    in_flight_by_school,
    in_flight_count,
    in_flight_request,
    prior_history,
)

__all__ = ["CASE_TABLES", "LIST_HEADERS", "ChainLink", "HandoverView", "PriorHistory", "SchoolChoice", "accept",
           "after_import", "chain", "chain_lines", "district_schools", "handover_reminders", "handovers",
           "in_flight_by_school", "in_flight_count", "in_flight_request", "incoming", "incoming_count",
           "prior_history", "publish_schools", "reject", "request_handover", "withdraw_handover"]
