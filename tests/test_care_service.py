"""The special-student register: registering, tags, helper, care records, aid, disability files, exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from database.care import StudentTag
from database.models import AuditEntry, Student
from desktop_app.domain.care import CareEntry, DisabilityFile, Tag
from desktop_app.domain.errors import ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.services import care, cases
from desktop_app.services.store import Store
from tests.factories import ID_NUMBER, full_form

CHILD_ID = make_id_number("500223", dt.date(2015, 3, 8), 42)  # even: female


def register(store: Store, *tags: Tag, id_number: str = CHILD_ID, name: str = "刘小芳") -> str:
    return care.register_student(
        store, care.NewStudent(name, id_number, "刘大海", "父亲", "13912345678"), list(tags) or [Tag("留守儿童")]
    )


def test_register_a_student_who_is_no_dropout_case(store: Store) -> None:
    sid = register(store, Tag("家庭困难", "监测户"), Tag("留守儿童"))
    with store.read() as s:
        student = s.get(Student, sid)
        assert student is not None
        assert (student.sex, student.birth_date, student.student_number) == ("女", dt.date(2015, 3, 8), "G" + CHILD_ID)
        assert student.name_initials == "lxf" and not student.cases
    assert care.tags_text(store, sid) == "家庭困难（监测户）、留守儿童"
    rows = care.register_rows(store)
    assert [r["name"] for r in rows] == ["刘小芳"]
    assert care.register_rows(store, "lxf")[0]["student_id"] == sid
    assert care.register_rows(store, tag="困境儿童") == []
    assert store.verify().ok


def test_bad_registration_names_every_problem_and_saves_nothing(store: Store) -> None:
    with pytest.raises(ValidationError) as err:
        care.register_student(store, care.NewStudent("", CHILD_ID[:-1] + "0", "", "", "12345"),
                              [Tag("家庭困难")])
    fields = {e.field for e in err.value.errors}
    assert fields == {"name", "id_number", "guardian_name", "guardian_phone", "tags"}
    assert "校验码" in " ".join(err.value.for_field("id_number"))
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(Student)).scalar_one() == 0


def test_a_dropout_case_student_joins_the_register_and_the_case_shows_tags(store: Store) -> None:
    case_id = cases.save_form(store, full_form())
    sid = register(store, Tag("有外出打工倾向"), id_number=ID_NUMBER, name="张小明")
    assert cases.load_form(store, case_id).student_id == sid
    assert care.tags_text(store, sid) == "有外出打工倾向"
    with pytest.raises(ValidationError, match="已登记为“张小明”"):
        register(store, id_number=ID_NUMBER, name="张小名")
    with pytest.raises(ValidationError, match="已在关爱名册中"):
        register(store, id_number=ID_NUMBER, name="张小明")


def test_tags_change_by_voiding_never_deleting(store: Store) -> None:
    sid = register(store, Tag("留守儿童"), Tag("学习困难"))
    care.set_tags(store, sid, [Tag("学习困难"), Tag("困境儿童")], reason="父母返乡")
    assert care.tags_text(store, sid) == "困境儿童、学习困难"
    with store.read() as s:
        rows = s.execute(select(StudentTag).where(StudentTag.student_id == sid)).scalars().all()
    assert len(rows) == 3
    assert [(r.tag, r.void_reason) for r in rows if r.voided] == [("留守儿童", "父母返乡")]
    with pytest.raises(ValidationError, match="家庭困难须选择类别"):
        care.set_tags(store, sid, [Tag("家庭困难")])


def test_helper_care_records_and_aid(store: Store) -> None:
    sid = register(store)
    care.assign_helper(store, sid, "王老师", "13800001111", dt.date(2026, 9, 1))
    care.assign_helper(store, sid, "李老师", "023-44551234", dt.date(2026, 11, 1))
    helper = care.current_helper(store, sid)
    assert helper is not None and (helper.teacher_name, helper.phone) == ("李老师", "023-44551234")
    with pytest.raises(ValidationError, match="帮扶责任人电话"):
        care.assign_helper(store, sid, "赵老师", "123")

    rid = care.add_care_record(store, sid, CareEntry(dt.date(2026, 11, 20), "家访", "了解学习和生活情况", "李老师"))
    with pytest.raises(ValidationError) as err:
        care.add_care_record(store, sid, CareEntry(dt.date.today() + dt.timedelta(days=1), "聊天"))
    assert {e.field for e in err.value.errors} == {"kind", "record_date", "people", "notes"}
    care.void_care_record(store, rid, "记错学生")
    assert care.care_records(store, sid)[0]["voided"]
    assert care.register_rows(store)[0]["care_count"] == 0

    care.add_aid(store, sid, "2026秋", "营养改善计划", "800")
    care.add_aid(store, sid, "2026秋", "生活补助", "1,250.5元")
    assert [a["amount"] for a in care.aid_records(store, sid)] == ["1250.50", "800.00"]
    with pytest.raises(ValidationError, match="不是数字"):
        care.add_aid(store, sid, "2026秋", "生活补助", "一千")
    assert store.verify().ok


def test_disability_file_and_individual_plan(store: Store) -> None:
    sid = register(store)
    with pytest.raises(ValidationError, match="请先保存该生的残疾情况"):
        care.save_individual_plan(store, sid, "2026秋", care.PlanText("生活自理", "", "王老师"))
    with pytest.raises(ValidationError) as err:
        care.save_disability(store, sid, DisabilityFile(kind="智力", placement="送教上门"))
    assert err.value.for_field("placement_start")
    care.save_disability(store, sid, DisabilityFile("智力", "二级", CHILD_ID + "42", "送教上门", dt.date(2026, 9, 1),
                                                    True))
    care.save_disability(store, sid, DisabilityFile("智力", "三级", CHILD_ID + "42", "送教上门", dt.date(2026, 9, 1),
                                                    True))
    file = care.disability_of(store, sid)
    assert file is not None and file.grade == "三级"
    assert "身体残疾" in care.tags_text(store, sid)
    care.save_individual_plan(store, sid, "2026秋", care.PlanText("生活自理、认识100以内的数", "生活语文", "王老师"))
    plan = care.individual_plan(store, sid, "2026秋")
    assert plan is not None and plan.teachers == "王老师"
    with store.read() as s:
        changes = s.execute(select(AuditEntry.old_value, AuditEntry.new_value).where(
            AuditEntry.table_name == "disability_files", AuditEntry.field == "grade")).all()
    assert [tuple(c) for c in changes] == [("二级", "三级")]


def test_exports_write_identity_numbers_as_text(store: Store, tmp_path: Path) -> None:
    sid = register(store, Tag("家庭困难", "低保"))
    care.assign_helper(store, sid, "王老师", "13800001111")
    care.save_disability(store, sid, DisabilityFile("肢体", "一级", "", "随班就读", dt.date(2026, 9, 1)))
    path = tmp_path / "名册.xlsx"
    assert care.export_register(store, path, full_numbers=True, reason="区残联核对") == 1
    ws = load_workbook(path).active
    assert ws is not None
    assert ws["A1"].value == "特殊学生关爱帮扶名册" and ws.freeze_panes == "A4"
    assert ws["D4"].value == CHILD_ID and ws["D4"].number_format == "@" and ws["D3"].value == "居民身份证号码"
    assert ws["E4"].value == "家庭困难（低保）、身体残疾" and ws["F4"].value == "王老师"
    placements = tmp_path / "安置.xlsx"
    assert care.export_placements(store, "2026秋", placements) == 1
    ws = load_workbook(placements).active
    assert ws is not None and ws["H4"].value == "随班就读" and ws["D4"].data_type == "s"
    with store.read() as s:
        events = s.execute(select(AuditEntry.field).where(AuditEntry.action == "event")).scalars().all()
    assert events[-2:] == ["导出特殊学生名册", "导出残疾儿童安置情况"]
