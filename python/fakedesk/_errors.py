"""The package's one error type, at the bottom of its imports."""


class FakedeskError(Exception):
    """The control API refused a request, or fakedesk could not be run."""
