"""全区联查: the district matches children across all its schools (census children studying at another
school, 小升初/幼升小 leavers, transfers and not-returned students, duplicate cases) and compares the rosters
it imported itself (household register, monitored households) with every school's data (数据比对, N-13).

Split by job: ``keys`` (who is the same child: normalised numbers and the fallback rules), ``kinds``
(the SQL of each kind of match), ``storage`` (a run, kept in ``district_matches``), ``figures`` (per
school and township, the lists, the Excel export), ``awaiting`` (proposals not yet decided and handovers in
flight, two of the figures), ``leavers`` (衔接 at the district or a school).
"""

from desktop_app.services.matching.awaiting import in_flight_by_township
from desktop_app.services.matching.figures import (
    COMPARED,
    DUPLICATES,
    FIGURE_HELP,
    FIGURES,
    IN_FLIGHT,
    LIST_HEADERS,
    MATCH_FIGURES,
    NOT_FOUND,
    OTHER_SCHOOL,
    PENDING_PROPOSALS,
    SCHOOL_HEADERS,
    TOWNSHIP_HEADERS,
    MatchFigures,
    district_totals,
    export_list,
    has_run,
    list_headers,
    match_count,
    match_rows,
    not_found_count,
    school_figures,
    township_duplicates,
    township_figures,
)
from desktop_app.services.matching.keys import BY_NAME_BIRTH, BY_NAME_GUARDIAN, BY_NUMBER, METHODS
from desktop_app.services.matching.leavers import Leaver, TransitionReport, export_transitions, transitions
from desktop_app.services.matching.storage import CLEARED, CURRENT, MatchSummary, is_district, run_match

__all__ = [
    "BY_NAME_BIRTH", "BY_NAME_GUARDIAN", "BY_NUMBER", "CLEARED", "COMPARED", "CURRENT", "DUPLICATES", "FIGURES",
    "FIGURE_HELP", "IN_FLIGHT", "LIST_HEADERS", "MATCH_FIGURES", "PENDING_PROPOSALS", "in_flight_by_township",
    "list_headers", "METHODS", "NOT_FOUND", "OTHER_SCHOOL", "SCHOOL_HEADERS", "TOWNSHIP_HEADERS",
    "district_totals", "export_list", "export_transitions", "has_run", "is_district", "Leaver", "match_count",
    "match_rows", "MatchFigures", "MatchSummary", "not_found_count", "run_match", "school_figures",
    "township_duplicates", "township_figures", "TransitionReport", "transitions",
]
