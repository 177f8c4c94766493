"""Baoxue (保学台账): the dropout-prevention ledger for compulsory education."""

# Semantic versioning (CHANGELOG.md): MAJOR when a store or package of the last release can no longer be
# read, MINOR for new features, PATCH for fixes. A version ending in .devN is work on main between releases.
__version__ = "0.2.0.dev0"
# The day the release was made (ISO date), or None on main between releases.
RELEASE_DATE: str | None = None
APP_NAME = "保学台账"
APP_NAME_ASCII = "Baoxue"
APP_ID = "baoxue"
ORGANIZATION = "Baoxue"


def version_label() -> str:
    """The version as the user sees it: with its release date, or marked as not yet released."""
    if RELEASE_DATE:
        return f"{__version__}（{RELEASE_DATE} 发布）"
    return f"{__version__}（开发版，尚未发布）"
