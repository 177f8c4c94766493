"""Import every module that defines tables, so Base.metadata knows them all.

Areas add their own module (``database/census.py`` …) and one import line here.
"""

from database import (
    accounts,  # noqa: F401
    care,  # noqa: F401
    census,  # noqa: F401
    handover,  # noqa: F401
    lifecycle,  # noqa: F401
    matching,  # noqa: F401
    models,  # noqa: F401
    sync,  # noqa: F401
)
