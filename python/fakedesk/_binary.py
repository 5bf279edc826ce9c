"""Finding the ``fakedesk`` executable."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from typing import Optional, Union

from ._errors import FakedeskError

PathLike = Union[str, "os.PathLike[str]"]


def find_binary(explicit: Optional[PathLike] = None) -> str:
    """The `fakedesk` executable to run.

    In order: `explicit`, the ``FAKEDESK_BIN`` environment variable, the one this
    wheel installed beside the running Python (found even when the virtual
    environment is not activated), then ``fakedesk`` on the PATH.

    Raises:
        FakedeskError: when none is found.
    """
    if explicit:
        return str(explicit)
    env = os.environ.get("FAKEDESK_BIN")
    if env:
        return env
    exe = "fakedesk.exe" if sys.platform == "win32" else "fakedesk"
    scripts = sysconfig.get_path("scripts")
    if scripts and os.access(os.path.join(scripts, exe), os.X_OK):
        return os.path.join(scripts, exe)
    beside = os.path.join(os.path.dirname(sys.executable), exe)
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("fakedesk")
    if found:
        return found
    raise FakedeskError(
        "cannot find the fakedesk binary: install the fakedesk wheel, put fakedesk on "
        "the PATH, set FAKEDESK_BIN, or pass --fakedesk-bin"
    )
