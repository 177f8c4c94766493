"""baoxue-cli: the same services from a terminal, for batch work and scripts.

Expected errors print one Chinese line on stderr and exit with status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop_app import APP_NAME, __version__
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import about, demo, installation, todo
from desktop_app.services import lifecycle as _lifecycle  # noqa: F401 - registers the case reminders
from desktop_app.services.store import Store

def _open(args: argparse.Namespace) -> Store:
    return Store.open(args.data_dir)


def cmd_setup(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        info = installation.InstallationInfo(
            kind=args.kind, name=args.name, code=args.code, township_centre=args.township or "",
            contact_name=args.contact or "", contact_phone=args.phone or "",
        )
        inst = installation.setup(store, info)
        print(f"已设置为{installation.KIND_LABELS[inst.kind]}：{inst.name}（{inst.code}），数据文件：{store.path}")
        return 0
    finally:
        store.close()


def cmd_demo(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        if store.installation() is None:
            installation.setup(store, installation.InstallationInfo(
                kind=installation.SCHOOL, name="潼南区演示小学", code="2150022301",
                township_centre="梓潼教管中心", contact_name="演示联系人", contact_phone="023-44551234",
            ))
            print("空数据文件夹：已设置演示学校“潼南区演示小学”（仅供演示）")
        added = demo.load(store, count=args.count, seed=args.seed)
        print(f"已载入演示案件 {added} 件（虚构数据，仅供演示）")
        return 0
    finally:
        store.close()


def cmd_verify(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        result = store.verify()
        if result.ok:
            print(result.message)
            return 0
        print(f"校验失败：{result.message}", file=sys.stderr)
        return 1
    finally:
        store.close()


def cmd_about(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        for label, value in about.info(store).lines():
            print(f"{label}：{value}")
    finally:
        store.close()
    problems = about.self_check()
    for problem in problems:
        print(f"错误：{problem}", file=sys.stderr)
    if args.licences:
        for lib in about.libraries():
            print(f"{lib.name} {lib.version}：{lib.licence}")
        for name, _text in about.font_licences():
            print(f"字体许可证：{name}")
    return 1 if problems else 0


def _semester(store: Store, name: str | None) -> str:
    from desktop_app.domain.semester import default_span
    from desktop_app.services import semesters

    if not name:
        return semesters.current(store).name
    try:
        default_span(name)
    except ValueError as exc:
        raise BaoxueError(str(exc)) from exc
    return name


def cmd_care_export(args: argparse.Namespace) -> int:
    from desktop_app.services import care

    store = _open(args)
    try:
        count = care.export_register(store, Path(args.out))
        print(f"已导出特殊学生关爱帮扶名册：{count}人，{args.out}")
        return 0
    finally:
        store.close()


def cmd_home_teaching(args: argparse.Namespace) -> int:
    from desktop_app.services import home_teaching

    store = _open(args)
    try:
        semester = _semester(store, args.semester)
        if args.action == "calendar":
            print(home_teaching.propose_calendar(store, semester).message)
            warning = home_teaching.calendar_warning(store, semester)
            return 1 if warning and args.strict else 0
        if not args.out:
            raise BaoxueError("请用 --out 指定导出的Excel文件")
        count = home_teaching.export_log(store, semester, Path(args.out))
        print(f"已导出{semester}送教上门记录：{count}名学生，{args.out}")
        return 0
    finally:
        store.close()


def cmd_todo(args: argparse.Namespace) -> int:
    """待办: every reminder due today (or on --date), most overdue first."""
    try:
        today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError as exc:
        raise BaoxueError(f"日期“{args.date}”无效，请写成 2026-10-09 的形式") from exc
    store = _open(args)
    try:
        items = todo.collect(store, today)
        for item in items:
            print(f"{item.due}\t{item.kind}\t{item.title}\t{item.detail}")
        print(f"共 {len(items)} 项待办", file=sys.stderr)
        return 0
    finally:
        store.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baoxue-cli", description=f"{APP_NAME}命令行工具（版本 {__version__}）",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", help="数据文件夹（默认：用户数据文件夹，或环境变量 BAOXUE_DATA_DIR）")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p_setup = sub.add_parser("setup", help="首次设置本机单位（学校或区教委）")
    setup_sub = p_setup.add_subparsers(dest="kind", required=True, metavar="类型")
    for kind, label in ((installation.SCHOOL, "学校"), (installation.DISTRICT, "区教委")):
        p = setup_sub.add_parser(kind, help=f"设置为{label}")
        p.add_argument("--code", required=True, help="学校标识码（10位）或区县代码（6位）")
        p.add_argument("--name", required=True, help="单位名称")
        p.add_argument("--township", help="所属教管中心（学校）")
        p.add_argument("--contact", help="联系人")
        p.add_argument("--phone", help="联系电话")
        p.set_defaults(func=cmd_setup)

    p_demo = sub.add_parser("demo", help="载入演示数据（空文件夹时先设置演示学校）")
    p_demo.add_argument("--count", type=int, default=80, help="演示案件数（默认80）")
    p_demo.add_argument("--seed", type=int, default=2026, help=argparse.SUPPRESS)
    p_demo.set_defaults(func=cmd_demo)

    p_verify = sub.add_parser("verify", help="校验数据文件和历史记录链")
    p_verify.set_defaults(func=cmd_verify)

    p_about = sub.add_parser("about", help="版本、数据文件夹、数据结构版本、节点编号，并检查程序文件是否完整")
    p_about.add_argument("--licences", action="store_true", help="同时列出所用开源组件及其许可证")
    p_about.set_defaults(func=cmd_about)
    p_care = sub.add_parser("care-export", help="导出特殊学生关爱帮扶名册（Excel）")
    p_care.add_argument("--out", required=True, help="Excel文件（.xlsx）")
    p_care.set_defaults(func=cmd_care_export)
    p_ht = sub.add_parser("home-teaching", help="送教上门：按法定节假日填入校历（calendar），导出记录（export）")
    p_ht.add_argument("action", choices=("calendar", "export"))
    p_ht.add_argument("--semester", help="学期，如 2026秋（默认当前学期）")
    p_ht.add_argument("--out", help="导出的Excel文件（export）")
    p_ht.add_argument("--strict", action="store_true", help="校历有未知年份时以状态1退出（calendar）")
    p_ht.set_defaults(func=cmd_home_teaching)
    p_todo = sub.add_parser("todo", help="列出待办提醒（未及时劝返、劝返中断、可申请缓学等）")
    p_todo.add_argument("--date", help="按哪一天计算（默认今天，格式 2026-10-09）")
    p_todo.set_defaults(func=cmd_todo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BaoxueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
