"""Starting and stopping `fakedesk serve` on OS-chosen ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ._binary import PathLike, find_binary
from ._client import Fakedesk
from ._errors import FakedeskError

#: How long `serve` may take to bind every listener and write its env file.
START_TIMEOUT_S = 30.0
#: Grace between SIGTERM and SIGKILL when stopping.
STOP_TIMEOUT_S = 10.0


def parse_env_file(text: str) -> Dict[str, str]:
    """``NAME=value`` lines (as ``serve --env-file`` writes them) as a dict."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() and not name.lstrip().startswith("#"):
            out[name.strip()] = value.strip()
    return out


class Server(Fakedesk):
    """A running ``fakedesk serve``: every :class:`Fakedesk` method, plus :meth:`stop`.

    Use :func:`start` to get one; it is also a context manager that stops the
    server on exit.
    """

    def __init__(self, process: "subprocess.Popen[bytes]", workdir: str, binary: str):
        super().__init__({}, binary)
        self._process = process
        self._workdir = workdir

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._process.pid

    @property
    def log(self) -> str:
        """What the server printed so far (its stdout and stderr)."""
        try:
            return Path(self._workdir, "fakedesk.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its files."""
        p = self._process
        if p.poll() is None:
            p.terminate()  # SIGTERM: serve lets in-flight requests finish
            try:
                p.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    binary: Optional[PathLike] = None,
    config: Optional[PathLike] = None,
    args: Sequence[str] = (),
    timeout: float = START_TIMEOUT_S,
) -> Server:
    """Starts ``fakedesk serve --ephemeral-ports`` and waits until it listens.

    Args:
        binary: the executable (default: see :func:`find_binary`).
        config: a YAML config file for ``serve --config``.
        args: more ``serve`` options, e.g. ``["--no-rate-limits"]``.
        timeout: seconds to wait for every listener.

    Returns:
        The running server; call :meth:`Server.stop` (or use ``with``) when done.

    Raises:
        FakedeskError: when it cannot start; the message holds its output.
    """
    exe = find_binary(binary)
    workdir = tempfile.mkdtemp(prefix="fakedesk-")
    env_path = os.path.join(workdir, "fakedesk.env")
    cmd: List[str] = [exe, "serve", "--ephemeral-ports", "--env-file", env_path]
    if config:
        cmd += ["--config", str(config)]
    cmd += list(args)
    with open(os.path.join(workdir, "fakedesk.log"), "wb") as log:
        try:
            process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except OSError as e:
            shutil.rmtree(workdir, ignore_errors=True)
            raise FakedeskError(f"cannot run {exe}: {e}") from e
    server = Server(process, workdir, exe)
    deadline = time.monotonic() + timeout
    while not os.path.exists(env_path):
        if process.poll() is not None or time.monotonic() > deadline:
            output = server.log
            server.stop()
            why = f"exited with {process.returncode}" if process.returncode is not None else f"did not listen within {timeout:g}s"
            raise FakedeskError(f"fakedesk serve {why}:\n{output}")
        time.sleep(0.02)
    server._load_env(parse_env_file(Path(env_path).read_text(encoding="utf-8")))
    return server
