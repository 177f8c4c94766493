"""销号 while a 移交 waits for the receiving school: the sending school could close the case (已复学) and the
receiving school would still accept it as an open case of its own. Now 销号 is off in the case panel, with why, and
the service refuses it in one Chinese line, nothing written; after 撤回移交 the case closes as usual. The form's
status line says 移交中 (it said only 联合劝返)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.errors import ValidationError
from desktop_app.domain.lifecycle import Closing
from desktop_app.services import cases, handover, lifecycle
from desktop_app.ui.form.registration_dialog import RegistrationFormDialog
from desktop_app.ui.lifecycle.panel import CaseLifecyclePanel
from tests.handover_world import World, a_case, hand_over, make_world
from tests.sync_helpers import dump

TODAY = dt.date.today()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def _returned() -> Closing:
    return Closing(reason="已复学", closed_on=TODAY, event_date=TODAY, grade="七年级", class_name="2班",
                   placement="随班就读")


def test_no_closing_while_the_case_is_handed_over(qtbot, world: World, tmp_path: Path) -> None:  # noqa: ANN001
    w = world
    case_id = a_case(w, tmp_path)
    hand_over(w, case_id)
    panel = CaseLifecyclePanel(w.a)
    qtbot.addWidget(panel)
    panel.set_case(case_id)
    assert panel.withdraw_button.isVisibleTo(panel) and not panel.close_case_button.isEnabled()
    assert "撤回移交" in panel.close_case_button.toolTip()
    form = RegistrationFormDialog(w.a, case_id)  # the form's status line says it too
    qtbot.addWidget(form)
    assert "移交中：已于" in form.status_label.text() and "双江镇中心小学" in form.status_label.text()
    before = dump(w.a)
    with pytest.raises(ValidationError, match="案件正在移交中.*请先“撤回移交”，再销号"):
        lifecycle.close_case(w.a, case_id, _returned())
    assert dump(w.a) == before

    handover.withdraw_handover(w.a, case_id, "家长决定暂不搬家")
    panel.refresh()
    assert panel.close_case_button.isEnabled() and not panel.withdraw_button.isVisibleTo(panel)
    lifecycle.close_case(w.a, case_id, _returned())
    assert cases.load_form(w.a, case_id).status == "已销号"
