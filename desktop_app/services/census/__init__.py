"""Census (摸排核查) use cases: roster import, the school-age children ledger, per-village progress,
the semester sweep, out-of-district contacts, the return check (返校核查), transitions (幼升小、小升初)
and data comparison (数据比对).

Children are ``students`` rows, matched by identity number (or, without one, by name + birth date +
guardian); census data lives in the tables of ``database.census``.

Split by job, matching ``ui/census``: ``base`` (settings, semesters), ``rosters`` (imports and voiding),
``sweep`` (the children ledger and the semester sweep), ``outside`` (children schooled outside the
district), ``suspected`` (opening a case from a finding), ``returns`` (返校核查), ``transitions``
(幼升小、小升初) and ``comparison`` (数据比对). The roster import itself is ``services.roster_import``
(reading the files: ``services.roster_reader``). Every name is re-exported here.
"""

from desktop_app.domain.census import CHECK_METHODS as CHECK_METHODS
from desktop_app.domain.census import IN_SCHOOL as IN_SCHOOL
from desktop_app.domain.census import ChildStatus as ChildStatus
from desktop_app.domain.census import ReturnResult as ReturnResult
from desktop_app.domain.census import RosterKind as RosterKind
from desktop_app.services import semesters as semesters
from desktop_app.services.census import proposals as proposals  # 联查建议 (the district's answers)
from desktop_app.services.census.base import CONTACT_DAYS as CONTACT_DAYS
from desktop_app.services.census.base import MAX_AGE as MAX_AGE
from desktop_app.services.census.base import MIN_AGE as MIN_AGE
from desktop_app.services.census.base import _window as _window
from desktop_app.services.census.base import age_bounds as age_bounds
from desktop_app.services.census.base import current_semester as current_semester
from desktop_app.services.census.base import semester_choices as semester_choices
from desktop_app.services.census.comparison import COMPARISONS as COMPARISONS
from desktop_app.services.census.comparison import IN_REGISTRY_NOT_IN_SCHOOL as IN_REGISTRY_NOT_IN_SCHOOL
from desktop_app.services.census.comparison import MONITORED_WITHOUT_STATUS as MONITORED_WITHOUT_STATUS
from desktop_app.services.census.comparison import REGISTERED_NOT_IN_REGISTRY as REGISTERED_NOT_IN_REGISTRY
from desktop_app.services.census.comparison import Candidate as Candidate
from desktop_app.services.census.comparison import ComparisonHit as ComparisonHit
from desktop_app.services.census.comparison import _hit as _hit
from desktop_app.services.census.comparison import compare as compare
from desktop_app.services.census.comparison import confirm_match as confirm_match
from desktop_app.services.census.outside import OutOfDistrictChild as OutOfDistrictChild
from desktop_app.services.census.outside import contacts as contacts
from desktop_app.services.census.outside import log_contact as log_contact
from desktop_app.services.census.outside import out_of_district as out_of_district
from desktop_app.services.census.outside import overdue_contacts as overdue_contacts
from desktop_app.services.census.returns import ReturnRow as ReturnRow
from desktop_app.services.census.returns import _set_return as _set_return
from desktop_app.services.census.returns import case_for_not_returned as case_for_not_returned
from desktop_app.services.census.returns import mark_return as mark_return
from desktop_app.services.census.returns import mark_returned_from_roster as mark_returned_from_roster
from desktop_app.services.census.returns import return_rows as return_rows
from desktop_app.services.census.rosters import imports as imports
from desktop_app.services.census.rosters import void_import as void_import
from desktop_app.services.census.suspected import form_from_student as form_from_student
from desktop_app.services.census.suspected import open_suspected_case as open_suspected_case
from desktop_app.services.census.sweep import REGISTRY_NOTE as REGISTRY_NOTE
from desktop_app.services.census.sweep import UNCHECKED as UNCHECKED
from desktop_app.services.census.sweep import ChildQuery as ChildQuery
from desktop_app.services.census.sweep import StatusEntry as StatusEntry
from desktop_app.services.census.sweep import VillageProgress as VillageProgress
from desktop_app.services.census.sweep import _children_select as _children_select
from desktop_app.services.census.sweep import children_count as children_count
from desktop_app.services.census.sweep import children_page as children_page
from desktop_app.services.census.sweep import complete_sweep as complete_sweep
from desktop_app.services.census.sweep import mark_here_from_roster as mark_here_from_roster
from desktop_app.services.census.sweep import mark_status as mark_status
from desktop_app.services.census.sweep import mark_statuses as mark_statuses
from desktop_app.services.census.sweep import status_of as status_of
from desktop_app.services.census.sweep import sweep_completed as sweep_completed
from desktop_app.services.census.sweep import unchecked_on_roster as unchecked_on_roster
from desktop_app.services.census.sweep import village_progress as village_progress
from desktop_app.services.census.transitions import KINDERGARTEN_TO_PRIMARY as KINDERGARTEN_TO_PRIMARY
from desktop_app.services.census.transitions import PRIMARY_TO_JUNIOR as PRIMARY_TO_JUNIOR
from desktop_app.services.census.transitions import TransitionRow as TransitionRow
from desktop_app.services.census.transitions import _in_school_now as _in_school_now
from desktop_app.services.census.transitions import transition_rows as transition_rows
from desktop_app.services.roster_import import MAPPING_KEYS as MAPPING_KEYS  # the roster import, re-exported
from desktop_app.services.roster_import import ImportCancelled as ImportCancelled
from desktop_app.services.roster_import import ImportResult as ImportResult
from desktop_app.services.roster_import import Progress as Progress
from desktop_app.services.roster_import import RosterPreview as RosterPreview
from desktop_app.services.roster_import import import_roster as import_roster
from desktop_app.services.roster_import import preview_roster as preview_roster
