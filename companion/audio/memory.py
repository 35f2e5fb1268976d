"""Giving freed memory back to the system. Decoding a long track goes through large temporary
arrays; glibc keeps freed heap memory for reuse, so a process that has decoded a library's
worth of sound looks far bigger than what it holds. malloc_trim hands the unused pages back."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_trim = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim): nothing to do
        _trim = None


def give_back_memory() -> None:
    if _trim is not None:
        _trim(0)
