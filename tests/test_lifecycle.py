"""The lifecycle of a case, N-11 and the reminders, below the GUI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from database.lifecycle import CaseClosing, EvidenceBlob, EvidenceFile
from database.models import AuditEntry, Case
from desktop_app.domain import lifecycle as rules
from desktop_app.domain.errors import NotFoundError, ValidationError
from desktop_app.domain.lifecycle import Closing
from desktop_app.domain.registration import Attempt
from desktop_app.services import case_history, cases, lifecycle, settings, todo
from desktop_app.services.store import Store
from tests.factories import full_form

TODAY = dt.date.today()
D0 = TODAY - dt.timedelta(days=60)


def new_case(store: Store, joint: int = 0, plain: int = 0) -> str:
    attempts = [Attempt(D0 + dt.timedelta(days=i + 1), "李老师", "家中", "上门家访", "不愿返校") for i in range(plain)]
    attempts += [Attempt(D0 + dt.timedelta(days=10 + i), "镇干部、李老师", "村委会", "联合劝返", "仍不愿返校", True)
                 for i in range(joint)]
    return cases.save_form(store, full_form(attempts=attempts, fill_date=D0))


def status(store: Store, case_id: str) -> str:
    return cases.load_form(store, case_id).status


def audit_rows(store: Store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def returned(**kw: object) -> Closing:
    values = {"reason": "已复学", "closed_on": TODAY, "event_date": TODAY, "grade": "七年级", "class_name": "2班",
              "placement": "随班就读"}
    values.update(kw)
    return Closing(**values)  # type: ignore[arg-type]


# --- transitions ------------------------------------------------------------------------------

def test_suspected_moves_to_persuading_with_the_first_attempt(store: Store) -> None:
    case_id = new_case(store)
    assert status(store, case_id) == "疑似辍学"
    form = cases.load_form(store, case_id)
    form.attempts = [Attempt(TODAY, "李老师", "家中", "上门家访", "家长同意配合")]
    cases.save_form(store, form)
    assert status(store, case_id) == "劝返中"


def test_joint_report_moves_to_joint_and_is_in_history(store: Store) -> None:
    case_id = new_case(store, plain=1)
    lifecycle.report_joint(store, case_id, TODAY, "米心镇党委政府", "王校长")
    assert status(store, case_id) == "联合劝返"
    with store.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.record_id == case_id, AuditEntry.field == "status")).scalars()
        assert [(r.old_value, r.new_value) for r in rows] == [("劝返中", "联合劝返")]
    with pytest.raises(ValidationError, match="已上报联合劝返"):
        lifecycle.report_joint(store, case_id, TODAY, "米心镇党委政府")


def test_joint_report_needs_date_and_township(store: Store) -> None:
    case_id = new_case(store)
    with pytest.raises(ValidationError) as info:
        lifecycle.report_joint(store, case_id, None, " ")
    assert {e.field for e in info.value.errors} == {"report_date", "reported_to"}
    with pytest.raises(ValidationError, match="不能晚于今天"):
        lifecycle.report_joint(store, case_id, TODAY + dt.timedelta(days=1), "米心镇人民政府")
    assert status(store, case_id) == "疑似辍学"


def test_close_and_reopen(store: Store) -> None:
    case_id = new_case(store, plain=2)
    lifecycle.close_case(store, case_id, returned())
    with store.read() as s:
        case = s.get(Case, case_id)
        assert (case.status, case.closed_on, case.result) == ("已销号", TODAY, "已复学")
    assert cases.open_case_count(store) == 0
    with pytest.raises(ValidationError, match="不能销号"):
        lifecycle.close_case(store, case_id, returned())
    with pytest.raises(ValidationError, match="须填写原因"):
        lifecycle.reopen_case(store, case_id, TODAY, "  ")
    lifecycle.reopen_case(store, case_id, TODAY, "复学后一周又未到校")
    assert status(store, case_id) == "劝返中"
    assert cases.open_case_count(store) == 1
    with store.read() as s:
        closing = s.execute(select(CaseClosing)).scalar_one()
        assert closing.reopened_on == TODAY and closing.reopen_reason == "复学后一周又未到校"
    with pytest.raises(ValidationError, match="尚未销号"):
        lifecycle.reopen_case(store, case_id, TODAY, "再次")


def test_reopened_case_returns_to_joint_when_reported(store: Store) -> None:
    case_id = new_case(store, joint=1)
    lifecycle.report_joint(store, case_id, TODAY, "米心镇人民政府")
    lifecycle.close_case(store, case_id, Closing("其他", TODAY, detail="随家长迁往外省定居"))
    lifecycle.reopen_case(store, case_id, TODAY, "核实仍在本区")
    assert status(store, case_id) == "联合劝返"


EVIDENCE_CASES = [
    (returned(event_date=None), {"event_date"}),
    (returned(grade="", class_name="", placement="在家"), {"grade", "class_name", "placement"}),
    (Closing("转学", TODAY, school="双江中学"), {"registry_migrated"}),
    (Closing("转学", TODAY, registry_migrated=True), {"school"}),
    (Closing("区外就读", TODAY, school="长安中学"), {"place"}),
    (Closing("延缓入学/休学", TODAY), {"reason"}),
    (Closing("信息错误", TODAY, detail="身份证号录错"), {"proof"}),
    (Closing("信息错误", TODAY, proof="户籍证明"), {"detail"}),
    (Closing("超龄", TODAY), {"reason"}),
    (Closing("死亡", TODAY, proof="死亡证明"), {"event_date"}),
    (Closing("死亡", TODAY, event_date=TODAY), {"proof"}),
    (Closing("出国", TODAY, event_date=TODAY, place="泰国"), {"proof"}),
    (Closing("出国", TODAY, proof="出入境记录"), {"event_date", "place"}),
    (Closing("其他", TODAY), {"detail"}),
    (Closing("不想读", TODAY), {"reason"}),
    (returned(closed_on=TODAY + dt.timedelta(days=1)), {"closed_on"}),
]


@pytest.mark.parametrize(("closing", "fields"), EVIDENCE_CASES)
def test_each_reason_requires_its_evidence(closing: Closing, fields: set[str]) -> None:
    errs = rules.closing_errors(closing, opened_on=D0, today=TODAY, birth_date=dt.date(2013, 5, 17),
                                deferral_approved=False)
    assert {e.field for e in errs} == fields


@pytest.mark.parametrize("closing", [
    returned(), Closing("转学", TODAY, school="双江中学", registry_migrated=True),
    Closing("区外就读", TODAY, school="长安中学", place="广东省东莞市"),
    Closing("信息错误", TODAY, detail="身份证号录错", proof="户籍证明"),
    Closing("死亡", TODAY, event_date=TODAY, proof="死亡证明"),
    Closing("出国", TODAY, event_date=TODAY, place="泰国", proof="出入境记录"),
    Closing("其他", TODAY, detail="说明"),
])
def test_complete_evidence_closes(closing: Closing) -> None:
    assert rules.closing_errors(closing, opened_on=D0, today=TODAY, birth_date=dt.date(2013, 5, 17),
                                deferral_approved=False) == []


def test_overage_is_checked_against_the_birth_date() -> None:
    birth = dt.date(2010, 3, 1)
    ok = Closing("超龄", dt.date(2026, 3, 1))
    early = Closing("超龄", dt.date(2026, 2, 28))
    kw = {"opened_on": dt.date(2025, 1, 1), "today": dt.date(2026, 6, 1), "deferral_approved": False}
    assert rules.closing_errors(ok, birth_date=birth, **kw) == []
    assert "未满16周岁" in rules.closing_errors(early, birth_date=birth, **kw)[0].message


def test_refused_closing_changes_nothing(store: Store) -> None:
    case_id = new_case(store, plain=1)
    before = audit_rows(store)
    with pytest.raises(ValidationError, match="复学日期"):
        lifecycle.close_case(store, case_id, returned(event_date=None))
    assert status(store, case_id) == "劝返中"
    assert audit_rows(store) == before


# --- N-11 -------------------------------------------------------------------------------------

def test_eligibility_at_two_and_three_joint_attempts_and_with_a_court_ruling(store: Store) -> None:
    assert not rules.n11_eligibility(2, False).eligible
    assert rules.n11_eligibility(3, False).eligible
    assert rules.n11_eligibility(0, True).eligible
    two = new_case(store, joint=2)
    assert not lifecycle.eligibility(store, two).eligible
    with pytest.raises(ValidationError, match="不符合申请"):
        lifecycle.apply_deferral(store, two, "休学", TODAY, "米心镇人民政府")
    lifecycle.record_court_ruling(store, two, TODAY, "潼南区人民法院", "(2026)渝0152民初1号", False)
    assert not lifecycle.eligibility(store, two).eligible
    lifecycle.record_court_ruling(store, two, TODAY, "潼南区人民法院", "(2026)渝0152民初2号", True)
    assert lifecycle.eligibility(store, two).eligible
    three_form = full_form(name="李小红", id_number="", student_number="L5002232026002", birth_date=dt.date(2012, 1, 1),
                           sex="女", fill_date=D0,
                           attempts=[Attempt(D0 + dt.timedelta(days=i), "镇干部", "村委会", "联合劝返", "不愿", True)
                                     for i in range(3)])
    three = cases.save_form(store, three_form)
    assert lifecycle.eligibility(store, three).eligible


def test_application_decision_and_deferred_closing(store: Store) -> None:
    case_id = new_case(store, joint=3)
    lifecycle.report_joint(store, case_id, D0 + dt.timedelta(days=9), "米心镇党委政府")
    with pytest.raises(ValidationError, match="领导小组的同意批复"):
        lifecycle.close_case(store, case_id, Closing("延缓入学/休学", TODAY))
    app = lifecycle.apply_deferral(store, case_id, "休学", TODAY, "米心镇人民政府")
    with pytest.raises(ValidationError, match="待区领导小组审批"):
        lifecycle.apply_deferral(store, case_id, "休学", TODAY, "米心镇人民政府")
    with pytest.raises(ValidationError) as info:
        lifecycle.decide_deferral(store, app, True, TODAY, "", "")
    assert {e.field for e in info.value.errors} == {"document_number", "approver"}
    lifecycle.decide_deferral(store, app, True, TODAY, "潼扶组〔2026〕12号", "区扶贫工作领导小组")
    form = cases.load_form(store, case_id)
    assert (form.deferral_approved, form.deferral_approval_date, form.deferral_document) == (
        True, TODAY, "潼扶组〔2026〕12号")
    lifecycle.close_case(store, case_id, Closing("延缓入学/休学", TODAY))
    assert status(store, case_id) == "缓学跟踪"
    ov = lifecycle.overview(store)
    assert (ov.open_count, ov.deferred_count) == (0, 1)
    # Follow-up continues: persuasion records can still be added.
    form = cases.load_form(store, case_id)
    form.attempts.append(Attempt(TODAY, "李老师", "家中", "上门家访", "跟踪了解情况"))
    cases.save_form(store, form)
    assert status(store, case_id) == "缓学跟踪"
    st = lifecycle.state(store, case_id)
    assert st.applications[0].approved and "潼扶组〔2026〕12号" in st.applications[0].decision


def test_rejected_application_allows_a_new_one(store: Store) -> None:
    case_id = new_case(store, joint=3)
    app = lifecycle.apply_deferral(store, case_id, "延缓入学", TODAY, "米心镇人民政府")
    lifecycle.decide_deferral(store, app, False, TODAY, "", "区扶贫工作领导小组")
    with pytest.raises(ValidationError, match="已有审批结果"):
        lifecycle.decide_deferral(store, app, True, TODAY, "x", "y")
    lifecycle.apply_deferral(store, case_id, "延缓入学", TODAY, "米心镇人民政府")
    assert not cases.load_form(store, case_id).deferral_approved


# --- reminders on a fixed clock ----------------------------------------------------------------

DAY = dt.date(2026, 10, 1)
SEM = dt.date(2026, 9, 1)
T = rules.Thresholds(first_attempt_days=3, idle_days=30, deferred_grace_days=30)


def kinds(facts: list[rules.CaseFacts], today: dt.date) -> list[str]:
    return [r.kind for r in rules.reminders(facts, today, T, SEM)]


def test_reminder_for_no_first_attempt_within_three_days() -> None:
    f = rules.CaseFacts("c", "甲", "疑似辍学", DAY)
    assert kinds([f], DAY + dt.timedelta(days=2)) == []
    assert kinds([f], DAY + dt.timedelta(days=3)) == ["first_attempt"]
    f.last_attempt = DAY + dt.timedelta(days=1)
    assert kinds([f], DAY + dt.timedelta(days=3)) == []


def test_reminder_for_thirty_days_without_an_attempt() -> None:
    f = rules.CaseFacts("c", "甲", "劝返中", DAY, last_attempt=DAY)
    assert kinds([f], DAY + dt.timedelta(days=29)) == []
    [r] = rules.reminders([f], DAY + dt.timedelta(days=30), T, SEM)
    assert r.kind == "idle" and r.due == DAY + dt.timedelta(days=30) and "30天" in r.title


def test_reminder_for_eligible_case_without_application() -> None:
    f = rules.CaseFacts("c", "甲", "联合劝返", DAY, last_attempt=DAY, joint_attempts=3)
    assert kinds([f], DAY) == ["apply"]
    f.has_application = True
    assert kinds([f], DAY) == []
    f2 = rules.CaseFacts("c", "甲", "联合劝返", DAY, last_attempt=DAY, joint_attempts=2)
    assert kinds([f2], DAY) == []


def test_reminder_for_deferred_case_without_follow_up_this_semester() -> None:
    f = rules.CaseFacts("c", "甲", "缓学跟踪", dt.date(2026, 3, 1), last_attempt=dt.date(2026, 5, 1))
    assert kinds([f], SEM + dt.timedelta(days=29)) == []
    assert kinds([f], SEM + dt.timedelta(days=30)) == ["deferred_follow_up"]
    f.last_attempt = SEM + dt.timedelta(days=5)
    assert kinds([f], SEM + dt.timedelta(days=30)) == []


def test_reminder_for_incomplete_form() -> None:
    f = rules.CaseFacts("c", "甲", "劝返中", DAY, last_attempt=DAY, missing_fields=["劝返责任人"])
    [r] = rules.reminders([f], DAY, T, SEM)
    assert r.kind == "form_incomplete" and "劝返责任人" in r.detail
    assert rules.missing_fields({"grade": "七年级"}, has_attempts=True)[-1] == "劝返结果"


def test_reminders_through_the_registry_use_the_thresholds_in_settings(store: Store) -> None:
    case_id = new_case(store)  # opened today, no attempt
    opened = cases.load_form(store, case_id)
    with store.read() as s:
        opened_on = s.get(Case, case_id).opened_on
    assert opened.status == "疑似辍学"
    items = [i for i in todo.collect(store, opened_on + dt.timedelta(days=3)) if i.target == ("case", case_id)]
    assert [i.kind for i in items] == ["未及时劝返"]
    settings.put(store, lifecycle.FIRST_ATTEMPT_DAYS.key, 5)
    items = [i for i in todo.collect(store, opened_on + dt.timedelta(days=3)) if i.target == ("case", case_id)]
    assert items == []


def _every_case_facts(store: Store) -> list[rules.CaseFacts]:
    """The reminders' facts gathered the plain way, for every followed case (the reference the SQL
    filter of ``lifecycle.case_facts`` must agree with)."""
    from database.lifecycle import CourtRuling, DeferralApplication, DeferralDecision

    out = []
    with store.read() as s:
        for c in s.execute(select(Case).where(~Case.voided, Case.status.in_((*rules.OPEN, "缓学跟踪")))).scalars():
            active = [a for a in c.attempts if not a.voided]
            rejected = {d.application_id for d in s.execute(select(DeferralDecision)).scalars() if not d.approved}
            f = rules.CaseFacts(
                c.id, c.student.name, c.status, c.opened_on,
                last_attempt=max((a.attempt_date for a in active), default=None),
                joint_attempts=sum(1 for a in active if a.is_joint),
                court_ruling_fulfilled=any(r.guardian_duty_fulfilled and not r.voided for r in s.execute(
                    select(CourtRuling).where(CourtRuling.case_id == c.id)).scalars()),
                has_application=any(not a.voided and a.id not in rejected for a in s.execute(
                    select(DeferralApplication).where(DeferralApplication.case_id == c.id)).scalars()))
            values = {k: getattr(c, k) for k, _l in rules.COMPLETION_FIELDS} | {"result": c.result}
            f.missing_fields = rules.missing_fields(values, bool(active))
            out.append(f)
    return out


def test_reminders_read_only_the_due_cases_and_agree_with_the_rules_over_every_case(store: Store) -> None:
    from desktop_app.domain.identity import make_id_number

    def opened(seq: int, joint: int = 0, plain: int = 0, **kw: object) -> str:
        attempts = [Attempt(D0 + dt.timedelta(days=i + 1), "李老师", "家中", "上门家访", "不愿返校") for i in range(plain)]
        attempts += [Attempt(D0 + dt.timedelta(days=10 + i), "镇干部、李老师", "村委会", "联合劝返", "仍不愿返校", True)
                     for i in range(joint)]
        form = full_form(attempts=attempts, fill_date=D0, id_number=make_id_number("500223", dt.date(2013, 5, 17), seq),
                         **kw)
        form.student_number = "G" + form.id_number
        return cases.save_form(store, form)

    opened(101)  # no attempt: first-attempt reminder after three days
    opened(103, plain=2)  # idle after thirty days
    opened(105, plain=1, responsible_person="", result="")  # incomplete form
    eligible = opened(107, joint=3)  # eligible, no application: apply reminder
    pending = opened(109, joint=3)
    lifecycle.apply_deferral(store, pending, "休学", TODAY, "米心镇人民政府")
    refused = opened(111, joint=3)  # a rejected application does not count as applied
    lifecycle.decide_deferral(store, lifecycle.apply_deferral(store, refused, "休学", TODAY, "米心镇人民政府"),
                              False, TODAY, "", "区扶贫工作领导小组")
    ruled = opened(113, plain=1)
    lifecycle.record_court_ruling(store, ruled, TODAY, "潼南区人民法院", "(2026)渝0152民初1号", True)
    deferred = opened(115, joint=3)
    app = lifecycle.apply_deferral(store, deferred, "休学", TODAY, "米心镇人民政府")
    lifecycle.decide_deferral(store, app, True, TODAY, "潼扶组〔2026〕12号", "区扶贫工作领导小组")
    lifecycle.close_case(store, deferred, Closing("延缓入学/休学", TODAY))
    closed = opened(117, plain=1)
    lifecycle.close_case(store, closed, returned())
    days = [D0 + dt.timedelta(days=n) for n in range(0, 200, 7)]
    seen: set[str] = set()
    for day in days:
        span = lifecycle.semesters.current(store, day)
        limits = lifecycle.thresholds(store)
        expected = rules.reminders(_every_case_facts(store), day, limits, span.start)
        assert rules.reminders(lifecycle.case_facts(store, day, limits, span.start), day, limits, span.start) \
            == expected, day
        seen |= {r.kind for r in expected}
        # only cases with a reminder leave the database
        assert {f.case_id for f in lifecycle.case_facts(store, day, limits, span.start)} == \
            {r.case_id for r in expected}
    assert seen == set(lifecycle.REMINDER_LABELS)  # every kind of reminder was compared at least once
    assert eligible and ruled


# --- evidence ---------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_evidence_is_stored_with_its_hash_and_the_original_is_untouched(store: Store, tmp_path: Path) -> None:
    case_id = new_case(store, plain=1)
    photo = tmp_path / "家访.png"
    photo.write_bytes(PNG)
    mtime = photo.stat().st_mtime_ns
    first = lifecycle.attach_evidence(store, case_id, photo, caption="家访照片")
    lifecycle.attach_evidence(store, case_id, photo)
    assert photo.read_bytes() == PNG and photo.stat().st_mtime_ns == mtime
    assert lifecycle.evidence_content(store, first) == PNG
    [info, _second] = lifecycle.evidence_list(store, case_id)
    import hashlib

    assert info.sha256 == hashlib.sha256(PNG).hexdigest() and info.size == len(PNG)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceBlob)) == 1  # same bytes kept once
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 2
    assert store.verify().ok


def test_evidence_type_and_size_are_checked(store: Store, tmp_path: Path) -> None:
    case_id = new_case(store)
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"PK")
    with pytest.raises(ValidationError, match="不是JPEG、PNG或PDF"):
        lifecycle.attach_evidence(store, case_id, doc)
    fake = tmp_path / "b.jpg"
    fake.write_bytes(b"not a jpeg")
    with pytest.raises(ValidationError, match="内容不是"):
        lifecycle.attach_evidence(store, case_id, fake)
    settings.put(store, lifecycle.EVIDENCE_MAX_MB.key, 1)
    big = tmp_path / "c.pdf"
    big.write_bytes(b"%PDF-" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="超过1MB"):
        lifecycle.attach_evidence(store, case_id, big)
    assert lifecycle.evidence_list(store, case_id) == []


def test_overview_counts(store: Store) -> None:
    a = new_case(store, plain=1)
    b_form = full_form(name="李小红", id_number="", student_number="L5002232026002", birth_date=dt.date(2012, 1, 1),
                       sex="女", grade="六年级", dropout_reason="厌学", attempts=[])
    cases.save_form(store, b_form)
    ov = lifecycle.overview(store)
    assert ov.open_count == 2 and ov.new_month == 2 and ov.closed_month == 0
    assert dict(ov.by_reason) == {"外出务工": 1, "厌学": 1}
    lifecycle.close_case(store, a, returned())
    ov = lifecycle.overview(store)
    assert ov.open_count == 1 and ov.closed_month == 1 and ov.trend[-1][1:] == (2, 1)
    closed = cases.ledger_count(store, cases.LedgerQuery(closed_from=ov.month_start, closed_to=ov.today))
    assert closed == 1


def test_cli_lists_the_reminders_on_a_given_day(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from desktop_app import cli

    case_id = new_case(store)
    with store.read() as s:
        opened_on = s.get(Case, case_id).opened_on
    data_dir = str(store.data_dir)
    store.close()
    assert cli.main(["--data-dir", data_dir, "todo", "--date", f"{opened_on + dt.timedelta(days=3)}"]) == 0
    out = capsys.readouterr()
    assert "未及时劝返\t张小明：立案3天未开展劝返" in out.out and "共 1 项待办" in out.err
    assert cli.main(["--data-dir", data_dir, "todo", "--date", "2026-13-01"]) == 1
    assert capsys.readouterr().err.strip() == "错误：日期“2026-13-01”无效，请写成 2026-10-09 的形式"


def test_evidence_attaches_to_an_attempt_or_a_closing_of_the_same_case(store: Store, tmp_path: Path) -> None:
    case_id = new_case(store, plain=1)
    other = cases.save_form(store, full_form(name="李小红", id_number="", student_number="L5002232026002",
                                             birth_date=dt.date(2012, 1, 1), sex="女", attempts=[]))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    owners = lifecycle.evidence_owners(store, case_id)
    assert [t for t, _i, _l in owners] == ["cases", "persuasion_attempts"]
    attempt_id = owners[1][1]
    lifecycle.attach_evidence(store, case_id, scan, owner_table="persuasion_attempts", owner_id=attempt_id)
    with pytest.raises(NotFoundError, match="不属于此案件"):
        lifecycle.attach_evidence(store, other, scan, owner_table="persuasion_attempts", owner_id=attempt_id)
    closing_id = lifecycle.close_case(store, case_id, returned())
    lifecycle.attach_evidence(store, case_id, scan, owner_table="case_closings", owner_id=closing_id)
    assert [e.owner_table for e in lifecycle.evidence_list(store, case_id)] == ["persuasion_attempts", "case_closings"]
    assert lifecycle.evidence_list(store, other) == []


def test_history_in_plain_chinese(store: Store) -> None:
    case_id = new_case(store, plain=1)
    form = cases.load_form(store, case_id)
    form.guardian1_phone = "13987654321"
    cases.save_form(store, form)
    lifecycle.close_case(store, case_id, returned())
    lines = case_history.case_history(store, case_id)
    assert [(h.record, h.what) for h in lines[:3]] == [
        ("学生基本信息", "新建"), ("案件（核查劝返情况）", "新建"), ("劝返记录", "新建")]
    assert lines[0].new.startswith("姓名：张小明；居民身份证号码：")
    changed = {(h.record, h.what, h.old, h.new) for h in lines}
    assert ("学生基本信息", "监护人1联系电话", "13812345678", "13987654321") in changed
    assert ("案件（核查劝返情况）", "状态", "劝返中", "已销号") in changed
    closing = next(h for h in lines if h.record == "销号")
    assert "原因：已复学" in closing.new and "安置方式：随班就读" in closing.new
    assert all(h.user == "周老师" for h in lines)
