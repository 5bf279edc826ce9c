"""fakedesk: faithful fake customer-support vendors for offline integration tests.

The wheel installs the ``fakedesk`` binary and this package: :func:`start` runs
``fakedesk serve`` on OS-chosen ports and returns a :class:`Server` whose methods
talk to its control API; the pytest plugin (:mod:`fakedesk.pytest_plugin`) wraps
it in the ``fakedesk`` fixture.

    >>> import fakedesk
    >>> with fakedesk.start() as fd:
    ...     fd.url("zendesk")
    'http://127.0.0.1:...'
"""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("fakedesk")
except PackageNotFoundError:  # pragma: no cover - run from a source checkout
    __version__ = "0.0.0"

from ._binary import find_binary
from ._client import ExpectationFailed, Fakedesk, Json
from ._errors import FakedeskError
from ._server import Server, parse_env_file, start

__all__ = [
    "__version__",
    "ExpectationFailed",
    "Fakedesk",
    "FakedeskError",
    "Json",
    "Server",
    "find_binary",
    "parse_env_file",
    "start",
]
