"""Moved to desktop_app.ui.common.pages (re-exported here for old imports)."""

from desktop_app.ui.common.pages import Ask, make_table, run_in_worker, select_row_where, selected_row

__all__ = ["Ask", "make_table", "run_in_worker", "select_row_where", "selected_row"]
