"""baoxue-cli: the same services from a terminal, for batch work and scripts.

Expected errors print one Chinese line on stderr and exit with status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from desktop_app import APP_NAME, __version__
from desktop_app.domain.codes import CaseStatus
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import cases, demo, exports, installation, printing
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


def _progress(label: str) -> Callable[[int, int], bool]:
    """A progress callback printing to stderr about every 10%."""
    step = {"next": 0}

    def report(done: int, total: int) -> bool:
        if total and done * 10 >= step["next"] * total:
            print(f"{label}：{done}/{total}", file=sys.stderr)
            step["next"] = done * 10 // total + 1
        return True

    return report


def cmd_print_forms(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        if args.blank:
            path = printing.write_blank_pdf(store, args.out, copies=args.blank)
            print(f"已生成空白一生一表 {args.blank} 份：{path}")
            return 0
        if args.all or args.open:
            ids = printing.case_ids(store, cases.LedgerQuery(statuses=CaseStatus.open_values() if args.open else ()))
        else:
            ids = list(dict.fromkeys(args.case or []))
        if not ids:
            print("错误：没有要打印的案件：请用 --case 指定案件编号，或用 --all / --open", file=sys.stderr)
            return 1
        job = printing.write_forms_pdf(store, ids, args.out, progress=_progress("正在生成") if len(ids) > 50 else None)
        print(f"已生成一生一表 {len(job.codes)} 份，共 {job.pages} 页：{job.path}")
        return 0
    finally:
        store.close()


def cmd_export_ledger(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        rows = exports.export_ledger(store, args.out, args.ledger, progress=_progress("正在导出"))
        print(f"已导出{exports.LEDGERS[args.ledger].title} {rows} 行：{args.out}")
        return 0
    finally:
        store.close()


def cmd_monthly_report(args: argparse.Namespace) -> int:
    try:
        year, month = (int(x) for x in args.month.split("-"))
    except ValueError:
        print("错误：月份应写成 年-月，如 2026-09", file=sys.stderr)
        return 1
    store = _open(args)
    try:
        path = exports.export_monthly(store, year, month, args.out)
        print(f"已导出{year}年{month}月月报：{path}")
        return 0
    finally:
        store.close()


def cmd_check_print(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        result = printing.check_print(store, args.code)
        print(result.report())
        return 0 if result.matches else 1
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

    p_print = sub.add_parser("print-forms", help="一生一表PDF（可直接打印、签字盖章）")
    p_print.add_argument("out", metavar="OUT.pdf", help="输出的PDF文件")
    which = p_print.add_mutually_exclusive_group()
    which.add_argument("--case", action="append", metavar="ID", help="案件编号（可重复）")
    which.add_argument("--all", action="store_true", help="台账中全部案件（含已销号），按台账顺序合成一个PDF")
    which.add_argument("--open", action="store_true", help="全部未销号案件")
    which.add_argument("--blank", type=int, nargs="?", const=1, metavar="份数", help="空白表（入户先填纸质表用）")
    p_print.set_defaults(func=cmd_print_forms)

    p_ledger = sub.add_parser("export-ledger", help="导出台账Excel")
    p_ledger.add_argument("out", metavar="OUT.xlsx", help="输出的Excel文件")
    p_ledger.add_argument("--ledger", default="open", choices=list(exports.LEDGERS),
                          help="；".join(f"{k}：{v.title}（{v.description}）" for k, v in exports.LEDGERS.items()))
    p_ledger.set_defaults(func=cmd_export_ledger)

    p_month = sub.add_parser("monthly-report", help="导出月报Excel（新增、复学、其他销号、仍未复学，按辍学原因）")
    p_month.add_argument("out", metavar="OUT.xlsx", help="输出的Excel文件")
    p_month.add_argument("--month", required=True, metavar="YYYY-MM", help="统计月份，如 2026-09")
    p_month.set_defaults(func=cmd_monthly_report)

    p_check = sub.add_parser("check-print", help="核对纸质表：核验码与台账是否一致（人账相符）；不符时退出码为1")
    p_check.add_argument("code", metavar="CODE", help="扫码得到的 BX1:… 或纸质表上印的 BX1-XXXXXXXX-版本-校验码")
    p_check.set_defaults(func=cmd_check_print)
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
