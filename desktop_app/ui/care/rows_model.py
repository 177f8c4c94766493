"""Moved to desktop_app.ui.common.rows_model (re-exported here for old imports)."""

from desktop_app.ui.common.rows_model import Index, RowsModel

__all__ = ["Index", "RowsModel"]
