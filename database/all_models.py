"""Import every module that defines tables, so Base.metadata knows them all.

Areas add their own module (``database/census.py`` …) and one import line here.
"""

from database import models  # noqa: F401
from database import care  # noqa: F401
from database import lifecycle  # noqa: F401
from database import accounts  # noqa: F401
from database import sync  # noqa: F401
from database import census  # noqa: F401
