"""Exceptions whose messages are the Chinese sentences users read."""

from __future__ import annotations

from dataclasses import dataclass


class BaoxueError(Exception):
    """Base of every expected error; ``str(err)`` is the message shown to the user."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a form.

    Attributes:
        field: the field's name in code (``id_number``, ``guardian1_phone`` …).
        message: the Chinese sentence naming the field and the fault.
    """

    field: str
    message: str


class ValidationError(BaoxueError):
    """One or more fields are wrong; nothing was saved."""

    def __init__(self, errors: list[FieldError] | FieldError | str) -> None:
        if isinstance(errors, str):
            errors = [FieldError("", errors)]
        elif isinstance(errors, FieldError):
            errors = [errors]
        self.errors: list[FieldError] = list(errors)
        super().__init__("；".join(e.message for e in self.errors))

    def for_field(self, field: str) -> list[str]:
        return [e.message for e in self.errors if e.field == field]


class NotFoundError(BaoxueError):
    """A record the user asked for does not exist."""


class ConflictError(BaoxueError):
    """Someone else changed the record since it was opened."""


class StoreError(BaoxueError):
    """The data store cannot be opened, migrated or verified."""


class StoreBusy(StoreError):
    """Another Baoxue program kept the data folder busy past the bounded wait; nothing was changed."""

    MESSAGE = "另一个保学台账程序正在使用此数据文件夹，请稍后再试"

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


class ExportError(BaoxueError):
    """A PDF or Excel file cannot be written (folder missing, disk full, file open elsewhere)."""


class PermissionDenied(BaoxueError):
    """The signed-in account's role does not allow this action; nothing was changed."""


class SignInError(BaoxueError):
    """Wrong user name or password, a disabled account, or a wait after wrong passwords.

    Attributes:
        wait_seconds: how long to wait before the next try (0 when there is no wait).
    """

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


_OS_REASONS = {  # errno name → what a user reads (the system's own text is English on every platform here)
    "ENOENT": "文件或文件夹不存在",
    "EACCES": "没有权限（文件可能被其他程序占用，或该位置不允许读写）",
    "EPERM": "没有权限（文件可能被其他程序占用，或该位置不允许读写）",
    "EISDIR": "这是一个文件夹，不是文件",
    "ENOTDIR": "路径中有一部分不是文件夹",
    "ENOSPC": "磁盘或U盘已满",
    "EROFS": "该位置只读（U盘可能开了写保护）",
    "EIO": "读写出错（U盘或磁盘可能已损坏，或已被拔出）",
    "ENAMETOOLONG": "文件名或路径太长",
    "EBUSY": "文件正被其他程序使用",
    "ENODEV": "设备不存在（U盘可能已被拔出）",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused a file operation, in Chinese (the system's English text when the cause is rare)."""
    import errno  # noqa: PLC0415 - only when something was refused

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name) or str(exc.strerror or exc)
