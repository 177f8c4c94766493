"""The encoding baoxue-cli writes in: what the program reading its output expects.

A console shows Unicode whatever its code page (Python writes to it with WriteConsoleW). Output
redirected to a file or a pipe is read by someone else: Windows PowerShell 5.1 (``> out.txt``,
``| Select-String``) and cmd.exe's tools decode it with the console's output code page (936, GBK,
on Chinese Windows), so that is what is written there; without a console (a scheduled task) and
off Windows, UTF-8. ``--encoding`` or ``BAOXUE_ENCODING`` choose explicitly (``utf-8`` for
PowerShell 7 or a UTF-8 file). A character the encoding cannot hold is written as ``?``, never a
crash.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from typing import TextIO

ENCODING_ENV = "BAOXUE_ENCODING"


class UnknownEncoding(ValueError):
    """The encoding asked for does not exist; the message is the Chinese line to show."""


def console_output_codepage() -> int:
    """``GetConsoleOutputCP()`` on Windows: the console's code page, 0 without a console (or off Windows)."""
    if sys.platform != "win32":
        return 0
    import ctypes

    return int(ctypes.windll.kernel32.GetConsoleOutputCP())  # type: ignore[attr-defined]


def _lookup(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnknownEncoding(f"不认识的输出编码“{name}”：可用 utf-8、gbk（即 cp936）、gb18030 等") from None


def choose_encoding(stream: TextIO, explicit: str | None = None, *, asked: bool = True) -> str | None:
    """The encoding to write ``stream`` in, or None to leave it as it is (a console).

    ``asked`` False ignores ``explicit`` and BAOXUE_ENCODING (the default choice).

    Raises:
        UnknownEncoding: ``explicit`` (or BAOXUE_ENCODING) names no encoding.
    """
    if asked and (name := explicit or os.environ.get(ENCODING_ENV)):
        return _lookup(name)
    try:
        interactive = stream.isatty()
    except (OSError, ValueError):
        interactive = False
    if interactive:
        return None
    if page := console_output_codepage():
        try:
            return _lookup(f"cp{page}")
        except UnknownEncoding:
            return "utf-8"
    return "utf-8"


def configure_output(explicit: str | None = None) -> None:
    """Switch the real standard output and error to ``choose_encoding``'s answer, replacing what
    cannot be written. Streams someone replaced (a test's capture) are left alone.

    Raises:
        UnknownEncoding: ``explicit`` (or BAOXUE_ENCODING) names no encoding; the streams are still
            made safe (the default choice) so the message can be printed.
    """
    problem: UnknownEncoding | None = None
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if type(stream) is not io.TextIOWrapper:
            continue
        try:
            encoding = choose_encoding(stream, explicit)
        except UnknownEncoding as exc:
            problem = exc
            encoding = choose_encoding(stream, asked=False)
        stream.reconfigure(encoding=encoding or stream.encoding, errors="replace")
    if problem is not None:
        raise problem


def visible_desktop() -> bool:
    """Whether a person can see this process's console: False for a scheduled task set to run
    whether the user is signed in or not (and for a service), whose console sits on an invisible
    window station where a prompt waits forever. Always True off Windows."""
    if sys.platform != "win32":
        return True
    import ctypes
    from ctypes import wintypes

    class UserObjectFlags(ctypes.Structure):
        _fields_ = [("fInherit", wintypes.BOOL), ("fReserved", wintypes.BOOL), ("dwFlags", wintypes.DWORD)]

    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    user32.GetProcessWindowStation.restype = wintypes.HANDLE
    user32.GetUserObjectInformationW.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
                                                 ctypes.POINTER(wintypes.DWORD)]
    station = user32.GetProcessWindowStation()
    flags, needed = UserObjectFlags(), wintypes.DWORD()
    if not station or not user32.GetUserObjectInformationW(station, 1, ctypes.byref(flags), ctypes.sizeof(flags),
                                                           ctypes.byref(needed)):  # 1: UOI_FLAGS
        return True  # cannot tell: behave as before
    return bool(flags.dwFlags & 0x0001)  # WSF_VISIBLE


def can_prompt(stdin: TextIO | None) -> bool:
    """Whether a password can be typed: input is a console, and a person can see it."""
    try:
        interactive = stdin is not None and stdin.isatty()
    except (OSError, ValueError):
        interactive = False
    return interactive and visible_desktop()
