"""GUI test support: a virtual display for Tk, QtCore for Qt; skip only outside CI."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import unittest

from cometchat.testing import waitFor

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_xvfb: subprocess.Popen | None = None


def unavailable(reason: str) -> None:
    """Skip a GUI test whose toolkit or display is missing; in CI that is a failure."""
    if IN_CI:
        raise AssertionError(f"GUI test cannot run in CI: {reason}")
    raise unittest.SkipTest(reason)


def ensure_display() -> None:
    """Use $DISPLAY, or start one Xvfb for this test process."""
    global _xvfb
    if os.environ.get("DISPLAY"):
        return
    if shutil.which("Xvfb") is None:
        unavailable("no $DISPLAY and no Xvfb (apt-get install xvfb)")
    display = f":{90 + os.getpid() % 500}"
    _xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(_xvfb.terminate)
    socket_path = f"/tmp/.X11-unix/X{display[1:]}"
    try:
        waitFor(lambda: os.path.exists(socket_path) or _xvfb.poll() is not None, timeout=10)
    except AssertionError:
        pass
    if not os.path.exists(socket_path):
        unavailable("Xvfb did not start")
    os.environ["DISPLAY"] = display


def tk_root():  # type: ignore[no-untyped-def]
    try:
        import tkinter
    except ImportError:
        unavailable("tkinter is not installed")
    ensure_display()
    try:
        return tkinter.Tk()
    except tkinter.TclError as exc:
        unavailable(f"Tk cannot open a window: {exc}")


def qt_core():  # type: ignore[no-untyped-def]
    try:
        from PySide6 import QtCore
    except ImportError:
        unavailable("PySide6-Essentials is not installed (pip install -e '.[qt]')")
    return QtCore
