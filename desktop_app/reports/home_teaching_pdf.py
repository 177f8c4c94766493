"""One child's home-teaching record (送教上门工作档案) as an A4 PDF for signature and seal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from desktop_app.domain.errors import StoreError
from desktop_app.domain.school_calendar import WEEKDAYS
from desktop_app.reports.fonts import cjk_font


def _date(value: Any) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else (value or "")


def write(path: Path, *, unit: str, semester: str, child: dict[str, Any], disability: dict[str, Any],
          plan: dict[str, Any], sessions: list[dict[str, Any]], weeks: list[Any], summary: str, minimum: str,
          contacts: list[dict[str, Any]], today: dt.date) -> None:
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("head", fontName=font, fontSize=11, leading=16, spaceBefore=6)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12)

    def p(text: Any) -> Paragraph:
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br/>"), cell)

    def table(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
        t = Table([[p(c) for c in r] for r in rows], colWidths=widths, repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
        t.setStyle(TableStyle(style))
        return t

    full = 180 * mm
    story: list[Any] = [
        Paragraph(f"送教上门工作档案（{semester}）", title),
        Spacer(1, 4 * mm),
        Paragraph(f"单位（盖章）：{unit}　　　　打印日期：{today:%Y年%m月%d日}", cell),
        Spacer(1, 2 * mm),
        table([
            ["姓名", child.get("name", ""), "性别", child.get("sex", ""), "出生日期", _date(child.get("birth_date"))],
            ["身份证号码", child.get("id_number", ""), "监护人", child.get("guardian", ""), "联系电话",
             child.get("guardian_phone", "")],
            ["残疾类别", disability.get("kind", ""), "残疾等级", disability.get("grade", ""), "残疾证号",
             disability.get("certificate_number", "")],
            ["安置方式", disability.get("placement", ""), "安置时间", _date(disability.get("placement_start")),
             "送教方式", plan.get("mode", "")],
            ["送教教师", plan.get("teachers", ""), "送教日", WEEKDAYS[plan.get("weekday", 0)],
             "每次学时", plan.get("hours_per_visit", "")],
        ], [22 * mm, 40 * mm, 20 * mm, 32 * mm, 22 * mm, 44 * mm], header=False),
        Paragraph("送教内容（教学计划）", head),
        table([[plan.get("content", "")]], [full], header=False),
        Paragraph(f"送教记录（要求：{minimum}）", head),
    ]
    rows: list[list[Any]] = [["序号", "日期", "学时", "形式", "送教教师", "送教内容", "监护人确认"]]
    for i, s in enumerate(sessions, 1):
        rows.append([i, _date(s["session_date"]), s["class_hours"], s["form"], s["teachers"], s["content"],
                     s["guardian_name"] if s["guardian_confirmed"] else "未确认"])
    if len(rows) == 1:
        rows.append(["", "（无记录）", "", "", "", "", ""])
    story.append(table(rows, [12 * mm, 23 * mm, 12 * mm, 15 * mm, 26 * mm, 70 * mm, 22 * mm]))
    story.append(Paragraph(f"逐周达标情况：{summary}", head))
    rows = [["教学周", "计划日", "情况", "实际学时", "未送教原因"]]
    for w in weeks:
        rows.append([w.week.label(), _date(w.planned_day), w.status.value, w.delivered_hours, w.reason])
    story.append(table(rows, [48 * mm, 23 * mm, 22 * mm, 19 * mm, 68 * mm]))
    if contacts:
        story.append(Paragraph("假期联系记录", head))
        rows = [["假期", "日期", "方式", "联系人员", "情况"]]
        rows += [[c["break_kind"], _date(c["contact_date"]), c["method"], c["people"], c["notes"]] for c in contacts]
        story.append(table(rows, [16 * mm, 22 * mm, 22 * mm, 30 * mm, 90 * mm]))
    story += [
        Spacer(1, 10 * mm),
        Paragraph("送教教师（签名）：＿＿＿＿＿＿　　监护人（签名）：＿＿＿＿＿＿　　"
                  "学校负责人（签名）：＿＿＿＿＿＿", cell),
    ]
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"送教上门工作档案 {child.get('name', '')}")

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.setFont(font, 8)
        canvas.drawRightString(195 * mm, 8 * mm,
                               f"{child.get('name', '')} 送教上门工作档案　第{canvas.getPageNumber()}页")

    try:
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    except OSError as exc:
        raise StoreError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
