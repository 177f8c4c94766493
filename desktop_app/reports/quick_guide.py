"""帮助 → 打印快速上手: a two-page A4 quick guide for the desk, with the bundled font embedded."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from desktop_app import APP_NAME, __version__
from desktop_app.reports.files import atomic_output
from desktop_app.reports.fonts import cjk_font

TITLE = f"{APP_NAME} 快速上手"

# (heading, [(what, how)]) per block; page 1 is starting and daily work, page 2 each term and safety.
PAGE_ONE: list[tuple[str, list[tuple[str, str]]]] = [
    ("第一次使用（只做一次）", [
        ("1 首次设置", "打开程序，选择“学校”，填写单位名称、10位学校标识码、教管中心、联系人；"
                       "设置管理员用户名和密码，并把密码记好。"),
        ("2 导入登记包", "区教委用U盘送来登记包（.bxpkg）。左侧点“数据交换”→“导入数据包…”，选中U盘上的登记包。"
                         "先与区教委电话核对密钥指纹。"),
        ("3 建第一件案件", "左侧点“台账”→“新建案件”（Ctrl+N），照纸质表填写一生一表，点“保存”（Ctrl+S）。"),
        ("4 备份到U盘", "左侧点“设置”→“备份与恢复”→“加密备份到U盘或文件夹…”。备份密码另外记好，没有它谁也打不开备份。"),
    ]),
    ("日常工作", [
        ("建档", "身份证号码填好后，出生日期、性别、年龄自动得出。年级必填。红字说明哪里要改，全部正确才会保存。"),
        ("劝返", "每次劝返后，在一生一表“核查劝返情况”页点“添加记录”。劝返次数自动统计。"),
        ("联合劝返", "多次劝返无效：“案件处理”页点“上报联合劝返…”，填写向乡镇书面报告的日期。"),
        ("销号", "复学、转学等：“案件处理”页点“销号…”，选原因，填所需内容，用“附加文件…”附上照片或扫描件。"),
        ("缓学", "3次联合劝返无效或有法院判决：点“申请延缓入学/休学…”，随数据包报区教委审批。"),
        ("查找", "“台账”页搜索框输入姓名、拼音首字母（张三→zs）或身份证号的一部分；双击一行打开一生一表。"),
        ("待办", "“总览”右侧列出要办的事，双击一项即打开。"),
    ]),
]
PAGE_TWO: list[tuple[str, list[tuple[str, str]]]] = [
    ("每学期", [
        ("学期", "“设置”→“学期与摸排”填好开学和结束日期（区教委发布的校历也会随数据包送来）。"),
        ("摸排核查", "“摸排核查”页：导入名册 → 按学籍名册标记本校在读 → 逐个核查其余儿童 → 标记本学期摸排完成。"),
        ("返校核查", "每个假期后，“返校核查”页逐个标记已返校、转学、未返校；未返校的一键立案。"),
        ("送教上门", "“送教上门”页：校历 → 新建送教计划 → 每次送教后“记录送教…”；没送教的周填写原因。"),
        ("特殊学生", "“特殊学生关爱”页登记类别、帮扶责任人、关爱记录和资助。"),
    ]),
    ("报送与打印", [
        ("报送区教委", "插U盘，“数据交换”→“导出数据包给区教委…”，选U盘。看到“可以安全拔出U盘”再拔。"),
        ("收区教委的包", "“数据交换”→“导入数据包…”。同一个包导入两次不会重复。"),
        ("打印一生一表", "在表中点“打印…”：先预览，再打印或保存为PDF。每张表有核验码。"),
        ("导出Excel", "“台账”→“打印/导出”，或“报表与打印”页；导出含身份证号的文件要填写原因。"),
        ("核对纸质表", "“报表与打印”→“核对纸质表”，输入纸质表上的核验码，看是否人账相符。"),
    ]),
    ("安全与求助", [
        ("账户", "每位老师用自己的账户；离开电脑10分钟自动锁定。忘记密码请管理员在“账户”页重设。"),
        ("备份", "每周至少一次加密备份到U盘。恢复：“设置”→“备份与恢复”→“从备份恢复…”。"),
        ("帮助", "随时按 F1 打开当前页面的使用指南；“帮助”→“关于”显示数据文件夹的位置。"),
    ]),
]


def write(path: str | Path) -> Path:
    """Write the quick guide to ``path`` (two A4 pages) and return it.

    Raises:
        ExportError: the file cannot be written (named in Chinese).
    """
    font = cjk_font()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4)
    subtitle = ParagraphStyle("subtitle", fontName=font, fontSize=9, leading=12, alignment=1,
                              textColor=colors.HexColor("#555555"))
    head = ParagraphStyle("head", fontName=font, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4,
                          textColor=colors.HexColor("#8b0000"))
    cell = ParagraphStyle("cell", fontName=font, fontSize=11.5, leading=17, wordWrap="CJK")
    what = ParagraphStyle("what", parent=cell, fontSize=12)

    def block(rows: list[tuple[str, str]]) -> Table:
        table = Table([[Paragraph(a, what), Paragraph(b, cell)] for a, b in rows],
                      colWidths=[32 * mm, 140 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ]))
        return table

    story: list[object] = [Paragraph(TITLE, title),
                           Paragraph(f"版本 {__version__}　·　贴在电脑旁，照着做", subtitle), Spacer(1, 4 * mm)]
    for heading, rows in PAGE_ONE:
        story += [Paragraph(heading, head), block(rows)]
    story.append(PageBreak())
    for heading, rows in PAGE_TWO:
        story += [Paragraph(heading, head), block(rows)]
    target = Path(path)
    with atomic_output(target) as tmp:
        doc = SimpleDocTemplate(str(tmp), pagesize=A4, title=TITLE, author=APP_NAME,
                                leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=14 * mm)
        doc.build(story)  # type: ignore[arg-type]
    return target
