"""Demonstration data: realistic invented cases with valid check characters.

Names, villages and phone numbers are invented; identity numbers use Tongnan's region code
with generated sequence numbers. Used by ``baoxue-cli demo``, the GUI's 演示数据 option, the
tests and the benchmarks.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert

from database.lifecycle import CaseClosing, JointReport
from database.models import AuditEntry, Case, PersuasionAttempt, Student, new_id, utcnow
from desktop_app.domain import codes
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.identity import age_on, make_id_number
from desktop_app.domain.names import name_initials, name_pinyin
from desktop_app.services import audit
from desktop_app.services.access import Permission, require
from desktop_app.services.store import Store

TONGNAN_REGION = "500223"  # 潼南 (county code used on identity numbers issued there)
TOWNSHIPS: dict[str, tuple[str, ...]] = {
    "梓潼街道": ("凉风垭社区", "东升村", "三星村", "新华村"),
    "桂林街道": ("明月村", "红光村", "双坝村"),
    "上和镇": ("金星村", "平安村", "新生村"),
    "龙形镇": ("龙兴村", "大石村", "白马村"),
    "古溪镇": ("古溪村", "合兴村", "双桥村"),
    "宝龙镇": ("宝华村", "太平村", "长沟村"),
    "玉溪镇": ("玉皇村", "和平村"),
    "米心镇": ("米心村", "青龙村", "万家村"),
    "双江镇": ("双江社区", "金龙村", "田坝村"),
    "柏梓镇": ("柏梓村", "中渡村", "石门村"),
    "崇龛镇": ("崇龛村", "薄刀村", "临江村"),
    "塘坝镇": ("塘坝村", "丰收村"),
    "太安镇": ("太安村", "罐坝村"),
    "五桂镇": ("五桂村", "桃花村"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢唐许冯宋邓韩曹彭曾萧田董潘袁蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟"
GIVEN = "子梓浩宇轩欣怡雨涵思博文俊杰佳琪明晨阳洋雪婷诗涛鑫磊静丽娟强伟芳敏霞平刚勇毅然嘉豪一诺若曦"
TEACHERS = ("李老师", "王老师", "张老师", "陈老师", "刘老师", "周老师", "黄老师", "何老师")
FAMILY = (
    "父母长期在外务工，由祖父母照看，家庭经济一般。",
    "单亲家庭，母亲在县城打零工，收入不稳定。",
    "建档立卡脱贫户，父亲患慢性病，家中劳动力不足。",
    "父母离异，随祖母生活，祖母年事已高。",
    "家中兄弟姐妹三人，父亲务农，母亲在外务工。",
)
REASON_DETAIL = {
    "厌学": "成绩下滑后不愿到校，沉迷手机游戏。",
    "学习困难": "基础薄弱，跟不上教学进度，自信心不足。",
    "外出务工": "随亲戚到广东打工。",
    "家庭经济困难": "家庭收入低，需在家照顾弟妹。",
    "疾病/残疾": "长期患病，在家休养。",
    "早婚早育": "已与他人同居，不愿返校。",
    "宗教影响": "受家庭影响不愿到校。",
    "家长不重视": "家长认为读书无用，不送孩子上学。",
    "其他": "与同学发生矛盾后不愿到校。",
}


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return (surname or rng.choice(SURNAMES)) + given


def generate(count: int, seed: int = 2026, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Invented cases as rows: ``{"student": {...}, "case": {...}, "attempts": [{...}]}``."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    sequences: set[str] = set()
    out = []
    townships = list(TOWNSHIPS)
    for _ in range(count):
        age = rng.randint(7, 15)
        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        sex = rng.choice("男女")
        while True:
            seq = rng.randint(1, 499) * 2 + (1 if sex == "男" else 0)
            seq = seq if seq < 1000 else seq - 2
            id_number = make_id_number(TONGNAN_REGION, birth, seq)
            if id_number not in sequences:
                sequences.add(id_number)
                break
        surname = rng.choice(SURNAMES)
        name = _name(rng, surname)
        township = rng.choice(townships)
        village = rng.choice(TOWNSHIPS[township])
        detail = f"{village}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"
        grade = codes.GRADES[min(max(age - 6, 0), 8)]
        reason = rng.choice(codes.DROPOUT_REASONS)
        father = _name(rng, surname)
        status = rng.choices(
            [CaseStatus.SUSPECTED, CaseStatus.PERSUADING, CaseStatus.JOINT, CaseStatus.CLOSED],
            weights=[2, 4, 2, 3],
        )[0].value
        # A school that keeps its ledger: suspected cases are recent, open ones were worked on lately;
        # only closed cases reach far back. (A few stragglers keep the reminders meaningful.)
        if status == CaseStatus.SUSPECTED.value:
            age_days = rng.choice((0, 1, 1, 2, 2, 3, 5, 9))
        elif status == CaseStatus.CLOSED.value:
            age_days = rng.randint(20, 400)
        else:
            age_days = rng.randint(10, 120)
        opened = today - dt.timedelta(days=age_days)
        attempts = []
        if status != CaseStatus.SUSPECTED.value:
            n = rng.randint(1, 5)
            day = opened
            # open cases were worked on up to lately; a closed one took weeks, then closed: its 销号 month
            # is spread over the year instead of piling up in the current month
            span = age_days if status != CaseStatus.CLOSED.value else min(age_days, rng.randint(7, 60))
            for i in range(n):
                step = max(1, span // n)
                day = min(day + dt.timedelta(days=rng.randint(max(1, step - 5), step)), today)
                joint = status == CaseStatus.JOINT.value and i >= n - rng.randint(1, n)
                people = "、".join(rng.sample(TEACHERS, 2)) + ("、镇政府干部、村委会主任" if joint else "")
                attempts.append({
                    "attempt_date": day, "people": people, "place": f"{township}{village}学生家中",
                    "method": "联合劝返" if joint else rng.choice(("上门家访", "电话联系", "到校面谈")),
                    "result": "家长同意近期送返" if i == n - 1 and status == CaseStatus.CLOSED.value
                    else rng.choice(("学生仍不愿返校", "家长表示配合，学生态度犹豫", "未见到学生本人")),
                    "is_joint": joint,
                })
            if status == CaseStatus.JOINT.value and not any(a["is_joint"] for a in attempts):
                attempts[-1]["is_joint"] = True
        teacher = rng.choice(TEACHERS)
        student = {
            "name": name, "name_initials": name_initials(name), "name_pinyin": name_pinyin(name),
            "id_number": id_number, "birth_date": birth, "sex": sex,
            "ethnic_group": rng.choices(("汉族", "土家族", "苗族"), weights=(40, 1, 1))[0],
            "health": rng.choices(codes.HEALTH_OPTIONS, weights=(30, 5, 2, 2, 2))[0],
            "student_number": "G" + id_number,
            "guardian1_name": father, "guardian1_relation": "父亲", "guardian1_phone": _phone(rng),
            "guardian2_name": _name(rng), "guardian2_relation": rng.choice(("母亲", "祖母", "祖父")),
            "guardian2_phone": _phone(rng),
            "hukou_province": "重庆市", "hukou_city": "重庆市", "hukou_county": "潼南区",
            "hukou_township": township, "hukou_detail": detail,
            "registry_province": "重庆市", "registry_city": "重庆市", "registry_county": "潼南区",
            "registry_township": township, "registry_detail": f"{township}中心小学" if age < 12 else f"{township}中学",
            "residence_province": "重庆市", "residence_city": "重庆市", "residence_county": "潼南区",
            "residence_township": township, "residence_detail": detail,
            "village": village, "family_situation": rng.choice(FAMILY),
        }
        case = {
            "status": status, "grade": grade, "fill_date": opened, "opened_on": opened,
            "closed_on": attempts[-1]["attempt_date"] if status == CaseStatus.CLOSED.value else None,
            "contact_name": teacher, "contact_phone": "023-4455" + f"{rng.randint(0, 9999):04d}",
            "dropout_reason": reason, "reason_detail": REASON_DETAIL[reason],
            "result": "已复学" if status == CaseStatus.CLOSED.value else ("未复学" if attempts else ""),
            "not_returned_reason": "" if status == CaseStatus.CLOSED.value or not attempts
            else "学生本人不愿返校，继续做工作",
            "persuading_unit": f"{township}中心学校", "responsible_person": teacher,
            "responsible_phone": _phone(rng), "deferral_approved": False,
            "deferral_approval_date": None, "deferral_document": "",
            "attempt_count": len(attempts), "voided": False, "void_reason": "",
        }
        item: dict[str, Any] = {"student": student, "case": case, "attempts": attempts}
        joint_attempts = [a for a in attempts if a["is_joint"]]
        if joint_attempts and status in (CaseStatus.JOINT.value, CaseStatus.CLOSED.value):
            item["joint_report"] = {
                "report_date": joint_attempts[0]["attempt_date"],  # attempts are in date order
                "reported_to": f"{township}党委政府",
                "reported_by": f"{township}中心学校", "note": "", "voided": False, "void_reason": "",
            }
        if status == CaseStatus.CLOSED.value:
            closed = case["closed_on"]
            item["closing"] = {
                "reason": "已复学", "closed_on": closed, "event_date": closed, "grade": grade,
                "class_name": f"{rng.randint(1, 4)}班", "placement": "随班就读", "school": "", "place": "",
                "registry_migrated": False, "detail": "", "proof": "", "decision_id": None,
                "reopened_on": None, "reopen_reason": "",
            }
        out.append(item)
    return out


def load(store: Store, count: int = 80, seed: int = 2026,
         progress: Callable[[int, int], bool] | None = None, batch: int = 2000) -> int:
    """Insert ``count`` invented cases with their history, in one transaction.

    ``progress(done, total)`` may return False to cancel (nothing is then saved).
    Returns the number of cases added.
    """
    require(store, Permission.LOAD_DEMO)
    inst = store.installation()
    if inst is None:
        raise RuntimeError("store is not set up")
    items = generate(count, seed)
    now = utcnow()
    meta = {"created_at": now, "updated_at": now, "updated_by": store.user, "node_id": inst.node_id, "version": 1}
    with store.write() as session:
        prev = audit.last_hash(session)
        for start in range(0, count, batch):
            chunk = items[start:start + batch]
            students, cases, attempts, changes = [], [], [], []
            extra: dict[type[Any], list[dict[str, Any]]] = {JointReport: [], CaseClosing: []}
            for item in chunk:
                sid, cid = new_id(), new_id()
                students.append({**item["student"], "id": sid, **meta})
                cases.append({**item["case"], "id": cid, "student_id": sid, **meta})
                changes.append(_insert_change("students", sid, item["student"]))
                changes.append(_insert_change("cases", cid, {**item["case"], "student_id": sid}))
                for a in item["attempts"]:
                    aid = new_id()
                    row = {**a, "id": aid, "case_id": cid, "voided": False, "void_reason": "", **meta}
                    attempts.append(row)
                    changes.append(_insert_change("persuasion_attempts", aid, {**a, "case_id": cid}))
                for key, model in (("joint_report", JointReport), ("closing", CaseClosing)):
                    if key in item:
                        rid = new_id()
                        extra[model].append({**item[key], "id": rid, "case_id": cid, **meta})
                        changes.append(_insert_change(model.__tablename__, rid, {**item[key], "case_id": cid}))
            session.execute(insert(Student), students)
            session.execute(insert(Case), cases)
            if attempts:
                session.execute(insert(PersuasionAttempt), attempts)
            for model, rows_ in extra.items():
                if rows_:
                    session.execute(insert(model), rows_)
            rows = list(audit.chained_rows(changes, prev, store.user, inst.node_id, now))
            prev = rows[-1]["row_hash"]
            session.execute(insert(AuditEntry), rows)
            if progress and progress(min(start + batch, count), count) is False:
                raise DemoCancelled
    return count


class DemoCancelled(Exception):
    """The user cancelled loading demonstration data; nothing was saved."""


def _insert_change(table: str, record_id: str, values: dict[str, Any]) -> audit.Change:
    snap = {k: audit.to_text(v) for k, v in values.items()}
    return audit.Change("insert", table, record_id, "*", None, json.dumps(snap, ensure_ascii=False, sort_keys=True))


def load_census(store: Store, count: int = 240, seed: int = 2027, today: dt.date | None = None) -> int:
    """A demonstration census: an invented roster of the school's admission area (an Excel file
    shaped like a township's export, title row included) imported through the real roster import,
    with about two children in three already checked. The children of the open demonstration
    cases are on the roster too, marked 疑似辍学. Returns the number of children on the roster.
    """
    import tempfile
    from pathlib import Path

    from openpyxl import Workbook
    from sqlalchemy import select

    from desktop_app.domain.census import CHECK_METHODS, ChildStatus
    from desktop_app.services import census, semesters

    rng = random.Random(seed)
    today = today or dt.date.today()
    semester = semesters.current(store, today)
    school_year_end = dt.date(semester.start.year if semester.name.endswith("秋") else semester.start.year - 1, 8, 31)
    township = "米心镇"
    rows: list[list[Any]] = []
    with store.read() as session:
        case_children = session.execute(
            select(Student.id_number, Student.name, Student.birth_date, Student.sex, Student.guardian1_name,
                   Student.guardian1_phone, Student.hukou_township, Student.village, Student.hukou_detail)
            .join(Case, Case.student_id == Student.id)
            .where(Case.status.in_(CaseStatus.open_values()), Student.id_number != "")
        ).all()
    suspected = {r.id_number for r in case_children}
    rows += [list(r) for r in case_children]
    seen = set(suspected)
    while len(rows) < count + len(case_children):
        age = rng.randint(6, 15)
        birth = school_year_end - dt.timedelta(days=age * 365 + rng.randint(1, 360))
        sex = rng.choice("男女")
        seq = rng.randint(0, 499) * 2 + (1 if sex == "男" else 0)
        id_number = make_id_number(TONGNAN_REGION, birth, seq)
        if id_number in seen:
            continue
        seen.add(id_number)
        surname = rng.choice(SURNAMES)
        village = rng.choice(TOWNSHIPS[township])
        rows.append([id_number, _name(rng, surname), birth, sex, _name(rng, surname), _phone(rng), township, village,
                     f"{village}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"])
    book = Workbook()
    sheet = book.active
    sheet.append([f"{township}{semester.name}户籍适龄儿童花名册（演示数据，虚构）"])
    sheet.append(["身份证号码", "姓名", "出生日期", "性别", "监护人姓名", "联系电话", "乡镇", "村(社区)", "户籍地址"])
    for r in rows:
        sheet.append(r)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "演示-户籍适龄儿童花名册.xlsx"
        book.save(path)
        census.import_roster(store, path, "census", remember=False)
    with store.read() as session:
        ids = dict(session.execute(
            select(Student.id_number, Student.id).where(Student.id_number.in_([r[0] for r in rows]))
        ).all())
    # the school is a nine-year school (九年一贯制, grades 1-9, as township schools often are): most children
    # study here, some at another school of the district or outside it
    statuses = [ChildStatus.HERE] * 12 + [ChildStatus.OTHER_SCHOOL] * 2 + [ChildStatus.OUT_OF_DISTRICT] * 2
    age_of = {r[0]: age_on(r[2], school_year_end) for r in rows}
    marked: dict[str, ChildStatus] = {}
    for r in rows:
        sid = ids.get(r[0])
        if sid is None:
            continue
        if r[0] in suspected:
            status = ChildStatus.SUSPECTED
        elif rng.random() < 0.65:
            status = rng.choice(statuses)
        else:
            continue  # not checked yet: the sweep is under way
        marked[r[0]] = status
        entry = census.StatusEntry(
            status=status.value, method=rng.choice(CHECK_METHODS), checked_by=rng.choice(TEACHERS),
            checked_on=max(semester.start, today - dt.timedelta(days=rng.randint(0, 20))),
            school="潼南区米心镇中学" if status == ChildStatus.OTHER_SCHOOL else
            ("东莞市长安镇中心小学" if status == ChildStatus.OUT_OF_DISTRICT else ""),
            place="广东省东莞市长安镇" if status == ChildStatus.OUT_OF_DISTRICT else "",
        )
        census.mark_status(store, sid, semester.name, entry)
    _demo_rosters(store, rng, rows, age_of, marked, suspected, semester.name)
    return len(rows)


def _demo_rosters(store: Store, rng: random.Random, rows: list[list[Any]], age_of: dict[str, int],
                  marked: dict[str, Any], suspected: set[str], semester: str) -> None:
    """The school's enrolment rosters (学籍名册) of this semester and the last, and a township list of
    monitored households, imported like real exports: the return check, the transition to junior
    school and the three comparisons then have something to show.

    This semester's roster (grades 1-9): the children not known to study elsewhere, less a few not yet
    registered (the comparison finds them). Last semester's: the same children a grade lower (last year's
    sixth grade is this year's seventh: 小升初) and the suspected dropouts (not back: the return check).
    """
    import tempfile
    from pathlib import Path

    from openpyxl import Workbook

    from desktop_app.domain.census import ChildStatus
    from desktop_app.domain.semester import previous_name
    from desktop_app.services import census

    autumn = semester.endswith("秋")
    header = ["姓名", "身份证号码", "性别", "出生日期", "监护人姓名", "联系电话", "年级", "班级", "全国学籍号"]

    def line(r: list[Any], grade_index: int) -> list[Any]:
        return [r[1], r[0], r[3], r[2], r[4], r[5], codes.GRADES[grade_index], f"{rng.randint(1, 2)}班",
                f"G{r[0]}"]

    now: list[list[Any]] = []
    before: list[list[Any]] = []
    unregistered: list[list[Any]] = []
    hollow = 0  # suspected dropouts still on this semester's registry: at least one, to be found
    for r in rows:
        grade = age_of[r[0]] - 6  # 6 on 31 August: first grade
        status = marked.get(r[0])
        if r[0] in suspected:
            if 1 <= grade <= 8:
                before.append(line(r, grade - 1 if autumn else grade))
                if not hollow or rng.random() < 0.1:  # still on the registry though not in school (空挂学籍)
                    now.append(line(r, grade))
                    hollow += 1
            continue
        if status in (ChildStatus.OTHER_SCHOOL, ChildStatus.OUT_OF_DISTRICT):
            if autumn and grade == 6:  # last year's sixth grade, gone to a junior school elsewhere (小升初)
                before.append(line(r, 5))
            continue
        if autumn and grade == 6 and status is None and rng.random() < 0.3:
            before.append(line(r, 5))  # last year's sixth grade, not found in any school yet
            continue
        if 0 <= grade <= 8:
            if status is None and rng.random() < 0.15:
                unregistered.append(r)
                continue  # not registered yet: the comparison finds them
            now.append(line(r, grade))
            if grade >= 1 or not autumn:
                before.append(line(r, grade - 1 if autumn else grade))
    monitored = [[r[1], r[0], r[3], r[2], r[4], r[5], rng.choice(("监测户", "边缘户", "脱贫户"))]
                 for r in rng.sample(rows, min(10, len(rows))) + unregistered[:3]]
    with tempfile.TemporaryDirectory() as folder:
        for kind, name, title, head, lines in (
            ("enrolled", previous_name(semester), "学籍名册", header, before),
            ("enrolled", semester, "学籍名册", header, now),
            ("monitored", "", "防返贫监测对象家庭儿童名单", [*header[:6], "户类型"], monitored),
        ):
            book = Workbook()
            sheet = book.active
            sheet.append([f"{name}{title}（演示数据，虚构）"])
            sheet.append(head)
            for item in lines:
                sheet.append(item)
            path = Path(folder) / f"演示-{name}{title}.xlsx"
            book.save(path)
            census.import_roster(store, path, kind, semester=name or None, remember=False)


def load_care(store: Store, seed: int = 2028, today: dt.date | None = None) -> int:
    """Demonstration care data on the census children: a dozen special students with their categories,
    one-to-one helpers and care records; two disabled children, one taught in a regular class and one
    taught at home, with this semester's home-teaching plan and its visits so far (a week or two may be
    missed, as happens). Call after ``load_census``. Returns the number of students in the care register.
    """
    from sqlalchemy import select

    from desktop_app.domain import home_teaching as ht_rules
    from desktop_app.domain.care import CARE_KINDS, HARDSHIP, HARDSHIP_KINDS, CareEntry, DisabilityFile, Tag
    from desktop_app.domain.home_teaching import SessionEntry
    from desktop_app.services import care, home_teaching, semesters

    rng = random.Random(seed)
    today = today or dt.date.today()
    semester = semesters.current(store, today)
    with store.read() as session:
        children = session.execute(
            select(Student.id_number, Student.name, Student.guardian1_name, Student.guardian1_phone,
                   Student.birth_date)
            .where(Student.id_number != "", Student.birth_date.is_not(None))
            .order_by(Student.id_number)
        ).all()
    school_age = [c for c in children if 6 <= age_on(c.birth_date, today) <= 15]
    chosen = rng.sample(school_age, min(12, len(school_age)))
    others = ("留守儿童", "随迁子女", "学习困难", "困境儿童", "返乡儿童", "有外出打工倾向")
    notes = {"心理疏导": "谈心，了解在校情况和想法", "困难帮扶": "送去学习用品和冬衣", "家访": "到家中了解家庭情况，与监护人沟通",
             "电话联系": "与在外务工的父母通话，介绍孩子近况", "资助落实": "落实本学期生活补助"}
    ids = []
    for i, c in enumerate(chosen):
        if i < 2:
            tags = [Tag("身体残疾")]
        else:
            tags = [Tag(t) for t in rng.sample(others, rng.randint(1, 2))]
            if rng.random() < 0.4:
                tags.insert(0, Tag(HARDSHIP, rng.choice(HARDSHIP_KINDS)))
        phone = c.guardian1_phone or _phone(rng)
        sid = care.register_student(store, care.NewStudent(c.name, c.id_number, c.guardian1_name, "父亲", phone), tags)
        ids.append(sid)
        teacher = rng.choice(TEACHERS)
        care.assign_helper(store, sid, teacher, _phone(rng), semester.start)
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(CARE_KINDS)
            day = min(today, semester.start + dt.timedelta(days=rng.randint(0, max((today - semester.start).days, 0))))
            care.add_care_record(store, sid, CareEntry(day, kind, notes[kind], teacher))
    if len(ids) < 2:
        return len(ids)
    care.save_disability(store, ids[0], DisabilityFile("肢体", "三级", "", "随班就读", semester.start, True))
    care.save_disability(store, ids[1], DisabilityFile("多重", "一级", "", "送教上门", semester.start, True))
    home_teaching.propose_calendar(store, semester.name)
    plan_id = home_teaching.save_plan(store, home_teaching.PlanEntry(
        ids[1], semester.name, "王老师、李老师", "生活语文、生活数学、康复训练", weekday=2, start_date=semester.start))
    visits = [v for v in ht_rules.schedule(home_teaching.term_calendar(store, semester.name), 2, semester.start, today)
              if v.day <= today]
    missed = set(rng.sample(range(len(visits)), rng.choice((0, 1, 1, 2)))) if len(visits) > 2 else set()
    for i, visit in enumerate(visits):
        if i in missed:
            continue
        home_teaching.log_session(store, plan_id, SessionEntry(
            visit.day, 2, rng.choice(ht_rules.SESSION_FORMS), "王老师、李老师",
            rng.choice(("认识数字1-10", "穿衣、洗漱等生活自理训练", "肢体康复训练", "读绘本、认字", "送去冬衣和学习用品")),
            True, chosen[1].guardian1_name))
    return len(ids)
