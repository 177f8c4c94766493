"""The printed registration form (一生一表): official labels and values, embedded font, attached
pages, the verification code and checking a paper form against the ledger (人账相符)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select, update

from database.models import AuditEntry, Case
from desktop_app import resources
from desktop_app.domain.errors import ExportError, NotFoundError, PermissionDenied, StoreError, ValidationError
from desktop_app.domain.identity import make_id_number
from desktop_app.domain.registration import Attempt
from desktop_app.domain.roles import Role
from desktop_app.reports import pdf_form, verification
from desktop_app.reports.files import OutputCancelled
from desktop_app.resources import cjk_font_path, resources_dir
from desktop_app.services import cases, demo, exports, printing
from desktop_app.services.store import Actor, Store
from tests.factories import ID_NUMBER, full_form

# Every label of the official attachment (潼教委〔2021〕30号), header to the persuasion record.
OFFICIAL_LABELS = (
    "重庆市潼南区义务教育阶段辍学学生登记表", "单位（盖章）", "学校联系人及电话", "填表日期",
    "基本信息", "姓名", "居民身份证号码", "出生日期", "性别", "年龄", "民族", "健康情况", "全国学籍号",
    "监护人1", "监护人2", "与被核查人关系", "联系电话", "户籍所在地", "学籍所在地", "现居住地",
    "辍学原因", "家庭情况简述", "核查劝返情况", "是否已开展劝返工作", "劝返次数", "劝返结果", "未复学原因",
    "劝返单位", "劝返责任人",
    "是否属于经区县扶贫工作领导小组核实同意、准许先办理延缓入学或休学手续的学生", "劝返过程详细记录",
)


def flat(text: str) -> str:
    return "".join(text.split())


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def saved_case(store: Store, **overrides: object) -> str:
    return cases.save_form(store, full_form(**overrides))


def test_bundled_font_and_licence_are_found() -> None:
    font = cjk_font_path()
    assert font.name == "wqy-microhei.ttc" and font.stat().st_size > 1_000_000
    licence = (resources_dir() / "fonts" / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence
    assert "WenQuanYi" in (resources_dir() / "fonts" / "wqy-microhei.COPYRIGHT.txt").read_text(encoding="utf-8")


def test_form_pdf_holds_every_official_label_and_the_case_values(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "form.pdf")
    assert job.pages == 1
    text = flat(page_texts(job.path)[0])
    for label in OFFICIAL_LABELS:
        assert flat(label) in text, label
    form = cases.load_form(store, case_id)
    for value in (
        "潼南区米心镇中心小学", "周老师023-44551234", "2026年10月09日", "张小明", ID_NUMBER, "2013年05月17日", "男",
        "13", "土家族", "一般", "G" + ID_NUMBER, "张大山", "父亲", "13812345678", "李秀英", "母亲", "023-44556677",
        "重庆市重庆市潼南区米心镇青龙村3组12号", "广东省东莞市长安镇乌沙社区兴发路8号", "外出务工：随父亲到东莞打工",
        "父母在外务工，家庭经济困难。", "未复学", "学生本人不愿返校", "米心镇中心小学", "王校长", "13900001111",
        flat(form.active_attempts[0].summary(1)), flat(form.active_attempts[1].summary(2)),
        "填表人（签字）", "学校负责人（签字）", "打印日期", "第1页／共1页", job.codes[0].short_text(),
    ):
        assert flat(value) in text, value


def test_font_is_embedded_as_a_subset_and_no_other_font_is_used(store: Store, tmp_path: Path) -> None:
    job = printing.write_forms_pdf(store, [saved_case(store)], tmp_path / "form.pdf")
    fonts = {}
    for page in PdfReader(job.path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts, "the page uses no font"
    for name, font in fonts.items():
        assert name.split("+", 1)[1].startswith("WenQuanYiMicroHei"), name
        assert len(name.split("+", 1)[0]) == 7  # a subset tag like /AAAAAA+
        assert "/FontFile2" in font["/FontDescriptor"].get_object()  # the TrueType program is inside the PDF


def test_long_persuasion_log_continues_on_numbered_attached_pages(store: Store, tmp_path: Path) -> None:
    attempts = [
        Attempt(dt.date(2025, 3, 1) + dt.timedelta(days=4 * i), f"第{i + 1}组：王校长、李老师、村委会主任",
                "米心镇青龙村3组学生家中", "上门家访", f"第{i + 1}次：家长表示配合，学生态度犹豫，约定下周再访")
        for i in range(45)
    ]
    case_id = saved_case(store, attempts=attempts)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "long.pdf")
    texts = [flat(t) for t in page_texts(job.path)]
    assert job.pages == len(texts) >= 3
    assert "续见附页1" in texts[0] and "第1页／共" in texts[0]
    assert "附页1" in texts[1] and "劝返过程详细记录（续）" in texts[1] and "张小明" in texts[1]
    assert f"第2页／共{job.pages}页" in texts[1]
    whole = "".join(texts)
    form = cases.load_form(store, case_id)
    for i, attempt in enumerate(form.active_attempts, start=1):
        assert flat(attempt.summary(i)) in whole, i  # every attempt printed once, in order
    positions = [whole.index(flat(a.summary(i))) for i, a in enumerate(form.active_attempts, start=1)]
    assert positions == sorted(positions)
    assert texts[-1].count(job.codes[0].short_text()) == 1  # every page carries the code


def test_voided_attempts_are_not_printed(store: Store, tmp_path: Path) -> None:
    form = full_form()
    form.attempts.append(Attempt(dt.date(2026, 10, 15), "误录", "误录地点", "电话联系", "误录结果",
                                 voided=True, void_reason="录错了"))
    case_id = cases.save_form(store, form)
    text = flat(page_texts(printing.write_forms_pdf(store, [case_id], tmp_path / "f.pdf").path)[0])
    assert "误录地点" not in text and "3." not in text.split("劝返过程详细记录")[-1][:5]


def test_qr_code_on_the_page_holds_the_verification_payload(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "form.pdf")
    payload = job.codes[0].qr_payload()
    assert payload == f"BX1:{case_id.upper()}:{job.codes[0].version}:{job.codes[0].digest}"
    assert printing.check_print(store, payload).case_id == case_id
    expected = segno.make(payload, error="m", micro=False, mask=pdf_form.QR_MASK).matrix
    n = len(expected)
    scale = 6
    page = pdfium.PdfDocument(str(job.path))[0]
    bitmap = page.render(scale=scale, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    data = bytes(bitmap.buffer)
    x0 = pdf_form.TABLE_X + pdf_form.TABLE_W - pdf_form.QR_SIZE
    top = pdf_form.PAGE_H - (pdf_form.MARGIN_BOTTOM - 6 + pdf_form.QR_SIZE)  # from the page's top edge
    module = pdf_form.QR_SIZE / n
    read = []
    for r in range(n):
        row = []
        for c in range(n):
            px = int((x0 + (c + 0.5) * module) * scale)
            py = int((top + (r + 0.5) * module) * scale)
            assert 0 <= px < width and 0 <= py < height
            row.append(1 if data[py * stride + px] < 128 else 0)
        read.append(row)
    assert read == [list(row) for row in expected]


def test_paper_matches_until_the_record_changes(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "form.pdf")
    code = job.codes[0]
    for text in (code.qr_payload(), code.short_text(), code.short_text().lower().replace("-", " - ")):
        result = printing.check_print(store, text)
        assert result.matches, text
        assert "人账相符" in result.message and "张小明" in result.message
    # the record changes: the paper no longer matches, and the check names the changed fields
    form = cases.load_form(store, case_id)
    form.guardian1_phone = "13987654321"
    form.attempts.append(Attempt(dt.date(2026, 10, 25), "李老师", "学生家中", "上门家访", "学生同意下周返校"))
    cases.save_form(store, form)
    result = printing.check_print(store, code.short_text())
    assert not result.matches
    assert "人账不符" in result.message and f"版本{code.version}" in result.message
    changed = {label: (old, new) for label, old, new in result.differences}
    assert changed["监护人1联系电话"] == ("13812345678", "13987654321")
    assert changed["劝返次数"] == ("2", "3")
    assert "劝返过程详细记录第3条" in changed and changed["劝返过程详细记录第3条"][0] == ""
    assert "监护人1联系电话" in result.report() and "13987654321" in result.report()
    # a new print of the changed record matches again
    new = printing.write_forms_pdf(store, [case_id], tmp_path / "new.pdf").codes[0]
    assert new.version > code.version and new.digest != code.digest
    assert printing.check_print(store, new.short_text()).matches


def test_digest_ignores_the_print_date_and_privacy_rule_but_not_any_value(store: Store) -> None:
    form = cases.load_form(store, saved_case(store))
    digest = verification.make_code(form).digest
    assert verification.make_code(cases.load_form(store, form.case_id)).digest == digest
    for name, value in (("name", "张晓明"), ("health", "较差"), ("not_returned_reason", "其他"),
                        ("deferral_approved", True), ("fill_date", dt.date(2026, 10, 8))):
        changed = dataclasses.replace(form, **{name: value})
        assert verification.make_code(changed).digest != digest, name


def test_check_of_unknown_or_malformed_codes(store: Store) -> None:
    saved_case(store)
    with pytest.raises(ValidationError, match="核验码格式不对"):
        printing.check_print(store, "hello")
    with pytest.raises(NotFoundError, match="没有此核验码对应的案件"):
        printing.check_print(store, "BX1-00000000-1-0123456789AB")


def test_forged_digest_is_not_a_match(store: Store) -> None:
    case_id = saved_case(store)
    code = verification.make_code(cases.load_form(store, case_id))
    forged = dataclasses.replace(code, digest="0" * 12)
    result = printing.check_print(store, forged.qr_payload())
    assert not result.matches and "没有这次打印的记录" in result.message


def test_exports_and_prints_and_checks_are_in_the_history(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "form.pdf")
    printing.record_prints(store, job, printing.EVENT_PRINT, "打印机：测试")
    printing.check_print(store, job.codes[0].short_text())
    printing.write_blank_pdf(store, tmp_path / "blank.pdf")
    with store.read() as session:
        events = session.execute(
            select(AuditEntry).where(AuditEntry.action == "event", AuditEntry.table_name.in_(("cases", "reports")))
            .order_by(AuditEntry.id)
        ).scalars().all()
    assert [e.field for e in events] == [
        printing.EVENT_PDF, printing.EVENT_PRINT, printing.EVENT_CHECK, printing.EVENT_BLANK,
    ]
    assert all(e.user == "周老师" for e in events)
    detail = json.loads(events[0].new_value)
    assert detail["code"] == job.codes[0].short_text() and detail["file"] == "form.pdf"
    assert detail["content"]["姓名"] == "张小明"
    assert store.verify().ok


def test_batch_of_many_forms_in_ledger_order_and_cancel_leaves_nothing(store: Store, tmp_path: Path) -> None:
    demo.load(store, 30)
    ids = printing.case_ids(store, cases.LedgerQuery(statuses=("劝返中",)))
    assert ids and len(ids) < 30
    seen: list[tuple[int, int]] = []
    job = printing.write_forms_pdf(store, ids, tmp_path / "batch.pdf",
                                   progress=lambda d, t: seen.append((d, t)) or True)
    assert seen[-1] == (len(ids), len(ids)) and len(job.codes) == len(ids)
    assert [c.case_id for c in job.codes] == ids
    assert len(PdfReader(job.path).pages) == job.pages >= len(ids)
    with store.read() as session:
        before = session.execute(select(AuditEntry.id)).all()
    with pytest.raises(OutputCancelled):
        printing.write_forms_pdf(store, ids, tmp_path / "cancelled.pdf", progress=lambda d, t: d < 3)
    assert not (tmp_path / "cancelled.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    with store.read() as session:
        assert session.execute(select(AuditEntry.id)).all() == before


def test_blank_form_has_the_labels_and_the_address_instruction_but_no_code(store: Store, tmp_path: Path) -> None:
    path = printing.write_blank_pdf(store, tmp_path / "blank.pdf", copies=2)
    texts = [flat(t) for t in page_texts(path)]
    assert len(texts) == 2
    for label in OFFICIAL_LABELS:
        assert flat(label) in texts[0], label
    assert "潼南区米心镇中心小学" in texts[0]
    assert texts[0].count("省(市、自治区)") == 3 and "空白表" in texts[0] and "BX1" not in texts[0]
    assert "示例：1.什么时间，具体人员，赴什么地方" in texts[0]


def test_unwritable_target_is_one_clear_error(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    with pytest.raises(ExportError, match="文件夹 .* 不存在"):
        printing.write_forms_pdf(store, [case_id], tmp_path / "missing" / "f.pdf")
    with pytest.raises(NotFoundError):
        printing.write_forms_pdf(store, ["no-such-case"], tmp_path / "f.pdf")
    assert list(tmp_path.glob("*.part")) == [] and not (tmp_path / "f.pdf").exists()


def test_identity_number_goes_through_one_privacy_function(store: Store, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = saved_case(store)
    monkeypatch.setattr(printing, "shown_id_number", lambda _store, number, purpose="print", **_kw: number[:6] + "*" * 12)
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "masked.pdf")
    text = flat(page_texts(job.path)[0])
    assert "500223************" in text and "G50022************" in text and ID_NUMBER not in text
    monkeypatch.undo()
    assert printing.check_print(store, job.codes[0].short_text()).matches  # the digest covers the full number


@given(
    entries=st.lists(st.integers(min_value=1, max_value=12), max_size=40),
    first=st.integers(min_value=1, max_value=30), following=st.integers(min_value=2, max_value=40),
)
def test_pagination_keeps_every_line_in_order_within_the_page_sizes(entries: list[int], first: int,
                                                                     following: int) -> None:
    lines = [[f"{i}.{j}" for j in range(n)] for i, n in enumerate(entries)]
    pages = pdf_form._paginate(lines, first, following)
    assert [x for page in pages for x in page] == [x for e in lines for x in e]
    if len(pages) > 1:
        assert len(pages[0]) <= first - 1  # the last line says where it continues
        assert all(len(p) <= following - 1 for p in pages[1:])
    else:
        assert len(pages[0]) <= max(first, 0) or not any(lines)


def test_resources_are_found_in_a_pyinstaller_folder_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "resources" / "fonts").mkdir(parents=True)
    (bundle / "resources" / "fonts" / "wqy-microhei.ttc").write_bytes(b"font")
    try:
        with monkeypatch.context() as patch:
            patch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
            resources.resources_dir.cache_clear()
            assert resources.cjk_font_path() == bundle / "resources" / "fonts" / "wqy-microhei.ttc"
            with pytest.raises(StoreError, match="缺少程序文件 resources/fonts/none.ttf"):
                resources.resource_path("fonts", "none.ttf")
    finally:
        resources.resources_dir.cache_clear()
    assert resources.cjk_font_path().stat().st_size > 1_000_000


def test_short_code_shared_by_two_cases_finds_the_right_one(store: Store, tmp_path: Path) -> None:
    first = saved_case(store)
    other_id = make_id_number("500223", dt.date(2014, 6, 1), 201)
    second = saved_case(store, name="李小红", id_number=other_id, student_number="G" + other_id, attempts=[])
    with store.write() as session:  # give the second case an id with the first one's 8-character prefix
        twin = first[:8] + second[8:]
        session.execute(update(Case).where(Case.id == second).values(id=twin))
    code = printing.write_forms_pdf(store, [twin], tmp_path / "twin.pdf").codes[0]
    result = printing.check_print(store, code.short_text())
    assert result.matches and result.case_id == twin and result.name == "李小红"
    forged = dataclasses.replace(code, digest="ABCDEF012345")
    with pytest.raises(NotFoundError, match="对应多个案件"):
        printing.check_print(store, forged.short_text())


def test_bulk_loading_gives_the_same_forms_as_loading_one_by_one(store: Store) -> None:
    demo.load(store, 25)
    form = full_form()
    form.attempts.append(Attempt(dt.date(2026, 10, 15), "误录", "误录", "电话联系", "误录",
                                 voided=True, void_reason="x"))
    cases.save_form(store, form)
    ids = printing.case_ids(store)
    assert list(printing.load_forms(store, ids, chunk=7)) == [cases.load_form(store, i) for i in ids]


def test_roles_decide_who_prints_and_exports(store: Store, tmp_path: Path) -> None:
    case_id = saved_case(store)
    store.account = Actor("李老师", role=Role.TEACHER, account_id="teacher-1")
    job = printing.write_forms_pdf(store, [case_id], tmp_path / "teacher.pdf")  # a teacher prints the form
    assert ID_NUMBER in flat(page_texts(job.path)[0])
    with pytest.raises(PermissionDenied):
        exports.export_ledger(store, tmp_path / "l.xlsx")  # but exports personal data only as administrator
    store.account = Actor("访客", role=Role.READONLY, account_id="ro-1")
    with pytest.raises(PermissionDenied):
        printing.write_forms_pdf(store, [case_id], tmp_path / "ro.pdf")
    assert not (tmp_path / "ro.pdf").exists() and not (tmp_path / "l.xlsx").exists()
