"""The recovery key sheet (恢复密钥单): one A4 page to print and keep in the school's safe."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from desktop_app.reports.files import atomic_output, check_target
from desktop_app.reports.fonts import cjk_font, wrap

TITLE = "保学台账 恢复密钥单"
PURPOSE = [
    "本机台账数据（学生姓名、身份证号码、家庭情况等）加密保存，只有账户密码或本恢复密钥能打开。",
    "当所有管理员都忘记密码，或数据文件夹中的密钥文件（baoxue.keys）丢失、损坏时，"
    "在登录窗口点“忘记密码/无法打开 → 使用恢复密钥”，输入上面的恢复密钥即可打开台账，并为管理员重新设置密码。",
    "任何人拿到本恢复密钥和数据文件，都能读出全部学生信息：请勿拍照、复印、存入电脑或手机，勿与U盘放在一起。",
    "生成新的恢复密钥后，本单作废，请销毁本单并保存新单。",
]
KEEP = "保管：请将本单装入信封密封，由校长（区教委为指定负责人）存放在本单位保险柜中。"


def write_sheet(path: str | Path, unit_name: str, unit_code: str, key_groups: str, made_at: dt.datetime) -> Path:
    """Write the sheet: unit name and code, date, the key in groups, what it is for, where to keep it.

    Raises:
        ExportError: the file cannot be written.
    """
    target = check_target(path)
    font = cjk_font()
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    with atomic_output(target) as tmp:
        pdf = canvas.Canvas(str(tmp), pagesize=A4)
        pdf.setTitle(TITLE)
        y = height - 30 * mm
        pdf.setFont(font, 20)
        pdf.drawCentredString(width / 2, y, TITLE)
        y -= 16 * mm
        pdf.setFont(font, 12)
        for label, value in (("单位", unit_name), ("学校标识码", unit_code),
                             ("生成日期", f"{made_at:%Y年%m月%d日 %H:%M}")):
            pdf.drawString(left, y, f"{label}：{value}")
            y -= 8 * mm
        y -= 6 * mm
        pdf.drawString(left, y, "恢复密钥（共25个字母和数字，分5组；输入时可不加横线，不区分大小写）：")
        y -= 16 * mm
        pdf.rect(left, y - 6 * mm, right - left, 22 * mm)
        pdf.setFont("Courier-Bold", 22)
        pdf.drawCentredString(width / 2, y, key_groups.replace("-", "  "))
        y -= 22 * mm
        pdf.setFont(font, 11)
        pdf.drawString(left, y, "用途：")
        y -= 7 * mm
        for n, paragraph in enumerate(PURPOSE, 1):
            for line in wrap(f"{n}. {paragraph}", right - left - 6 * mm, 11):
                pdf.drawString(left + 6 * mm, y, line)
                y -= 6.5 * mm
        y -= 6 * mm
        pdf.setFont(font, 12)
        for line in wrap(KEEP, right - left, 12):
            pdf.drawString(left, y, line)
            y -= 7 * mm
        y -= 14 * mm
        pdf.setFont(font, 11)
        pdf.drawString(left, y, "保管人签字：____________        日期：____________        （单位盖章）")
        pdf.showPage()
        pdf.save()
    return target
