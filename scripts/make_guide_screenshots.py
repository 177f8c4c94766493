"""Take the user guide's pictures from the demonstration store (offscreen Qt, a 1366x728 window).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_guide_screenshots.py [--only NAME …]

Builds a demonstration school and a demonstration district in a temporary folder, shows each
screen of ``desktop_app.ui.help.screens.SCREENS`` and writes ``resources/guide/images/<name>.png``
and what each screen shows (buttons, tabs, columns) to ``resources/guide/images/manifest.json`` (the test
``tests/test_guide.py`` fails when a screen changed after its picture was taken: run this again).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.services.store import Store  # noqa: E402
from desktop_app.ui import app as gui_app  # noqa: E402
from desktop_app.ui.help import screens  # noqa: E402


def shoot(kind: str, folder: Path, only: set[str], manifest: dict[str, list[str]]) -> None:
    from desktop_app.ui.main_window import MainWindow

    wanted = [s for s in screens.SCREENS if s.kind == kind and (not only or s.name in only)]
    if not wanted:
        return
    store = Store.open(folder)
    gui_app.sign_in_at_start(store, demo_start=kind == screens.SCHOOL, demo_district=kind == screens.DISTRICT)
    window = MainWindow(store)
    window.resize(*screens.WINDOW_SIZE)
    window.show()
    screens.settle()
    for item in wanted:
        shown, structure = screens.take(window, item)
        target = screens.images_dir() / f"{item.name}.png"
        shown.grab().save(str(target), "PNG")
        manifest[item.name] = structure
        print(f"{target.name}  {shown.width()}x{shown.height()}  {screens.fingerprint(shown)}")
        if shown is not window:
            shown.close()
            screens.settle()
    window.close()
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="only these screens")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    gui_app.install_translations(app)  # type: ignore[arg-type]
    screens.images_dir().mkdir(parents=True, exist_ok=True)
    manifest = screens.read_manifest()
    with tempfile.TemporaryDirectory(prefix="baoxue-guide-") as tmp:
        os.environ["BAOXUE_DATA_DIR"] = str(Path(tmp) / "unused")
        shoot(screens.SCHOOL, Path(tmp) / "school", set(args.only), manifest)
        shoot(screens.DISTRICT, Path(tmp) / "district", set(args.only), manifest)
    screens.manifest_path().write_text(
        json.dumps(dict(sorted(manifest.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
