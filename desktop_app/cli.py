"""baoxue-cli: the same services from a terminal, for batch work and scripts.

Expected errors print one Chinese line on stderr and exit with status 1; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from desktop_app import APP_NAME, __version__
from desktop_app.domain.errors import BaoxueError
from desktop_app.services import demo, installation
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


def cmd_import_roster(args: argparse.Namespace) -> int:
    from desktop_app.services import census

    store = _open(args)
    try:
        if store.installation() is None:
            print("错误：本机尚未设置单位信息，请先运行 baoxue-cli setup", file=sys.stderr)
            return 1
        result = census.import_roster(store, args.file, args.kind, semester=args.semester, report_path=args.report)
        print(result.summary())
        if result.report_path:
            print(f"未导入的行及原因已写入：{result.report_path}")
        return 1 if result.accepted == 0 and result.duplicates == 0 else 0
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

    p_import = sub.add_parser("import-roster",
                              help="导入名册（Excel 或 CSV）：户籍适龄儿童、在籍学生、监测户、残疾儿童")
    p_import.add_argument("file", help="名册文件（.xlsx、.xls、.ods、.csv）")
    p_import.add_argument("--kind", required=True,
                          choices=["census", "enrolled", "monitored", "disabled", "kindergarten"],
                          help="census 户籍适龄儿童；enrolled 本校在籍学生；monitored 监测户/边缘户；"
                               "disabled 残疾儿童；kindergarten 幼儿园毕业儿童")
    p_import.add_argument("--semester", help="在籍名册所属学期，如 2026秋（默认当前学期）")
    p_import.add_argument("--report", help="未导入行报告的保存位置（默认与名册同一文件夹）")
    p_import.set_defaults(func=cmd_import_roster)

    p_verify = sub.add_parser("verify", help="校验数据文件和历史记录链")
    p_verify.set_defaults(func=cmd_verify)
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
