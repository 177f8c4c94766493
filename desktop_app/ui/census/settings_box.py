"""设置 › 学期与摸排: the current semester and its dates, the age window, the contact interval."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from desktop_app.domain.errors import BaoxueError
from desktop_app.domain.semester import next_name, previous_name
from desktop_app.services import census, semesters, settings
from desktop_app.services.store import Store
from desktop_app.ui.widgets import ErrorLabel, from_qdate, make_date_edit, to_qdate


class CensusSettingsBox(QGroupBox):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("学期与摸排"))
        self.store = store
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.semester_combo = QComboBox(self)
        self.semester_combo.setEditable(True)
        self.start_edit = make_date_edit(self)
        self.end_edit = make_date_edit(self)
        row.addWidget(self.semester_combo)
        row.addWidget(QLabel(self.tr("开学"), self))
        row.addWidget(self.start_edit)
        row.addWidget(QLabel(self.tr("结束"), self))
        row.addWidget(self.end_edit)
        row.addStretch(1)
        form.addRow(self.tr("当前学期"), row)
        self.min_spin = QSpinBox(self)
        self.max_spin = QSpinBox(self)
        self.contact_spin = QSpinBox(self)
        for spin, spec in ((self.min_spin, census.MIN_AGE), (self.max_spin, census.MAX_AGE),
                           (self.contact_spin, census.CONTACT_DAYS)):
            spin.setRange(spec.minimum or 0, spec.maximum or 999)
            spin.setSuffix(f" {spec.unit}")
            form.addRow(spec.label, spin)
        self.errors = ErrorLabel(self)
        form.addRow(self.errors)
        buttons = QHBoxLayout()
        self.saved_label = QLabel(self)
        self.save_button = QPushButton(self.tr("保存学期与摸排设置"), self)
        buttons.addWidget(self.saved_label)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)
        self.semester_combo.currentTextChanged.connect(self._show_dates)
        self.save_button.clicked.connect(self.save)
        self.reload()

    def reload(self) -> None:
        current = semesters.current(self.store).name
        names = {s.name for s in semesters.all_semesters(self.store)} | {current, previous_name(current),
                                                                        next_name(current)}
        self.semester_combo.blockSignals(True)
        self.semester_combo.clear()
        self.semester_combo.addItems(sorted(names, key=lambda n: (n[:4], n[4:] == "秋")))
        self.semester_combo.setCurrentText(current)
        self.semester_combo.blockSignals(False)
        self._show_dates(current)
        self.min_spin.setValue(int(settings.get(self.store, census.MIN_AGE.key)))
        self.max_spin.setValue(int(settings.get(self.store, census.MAX_AGE.key)))
        self.contact_spin.setValue(int(settings.get(self.store, census.CONTACT_DAYS.key)))

    def _show_dates(self, name: str) -> None:
        stored = {s.name: s for s in semesters.all_semesters(self.store)}
        span = stored.get(name)
        if span is None:
            try:
                from desktop_app.domain.semester import default_span

                span = default_span(name)
            except ValueError:
                return
        self.start_edit.setDate(to_qdate(span.start))
        self.end_edit.setDate(to_qdate(span.end))

    def save(self) -> bool:
        name = self.semester_combo.currentText().strip()
        try:
            if self.min_spin.value() > self.max_spin.value():
                raise BaoxueError("适龄儿童最小年龄不能大于最大年龄")
            semesters.set_dates(self.store, name, from_qdate(self.start_edit.date()) or dt.date.today(),
                                from_qdate(self.end_edit.date()) or dt.date.today())
            semesters.choose_current(self.store, name)
            settings.put(self.store, census.MIN_AGE.key, self.min_spin.value())
            settings.put(self.store, census.MAX_AGE.key, self.max_spin.value())
            settings.put(self.store, census.CONTACT_DAYS.key, self.contact_spin.value())
        except ValueError as exc:
            self.errors.show_messages([str(exc)])
            return False
        except BaoxueError as exc:
            self.errors.show_messages([str(exc)])
            return False
        self.errors.show_messages([])
        self.saved_label.setText(self.tr("已保存"))
        return True
