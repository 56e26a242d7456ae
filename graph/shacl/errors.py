"""The one exception of the compiled validator."""

from __future__ import annotations


class UnsupportedShape(Exception):
    """A shape uses a construct the compiled checks do not implement.

    Raised while compiling; :func:`graph.validation.make_validator` then hands that shape
    (and only that shape) to pySHACL, so a write is still checked against it.
    """

    def __init__(self, reason: str, shape: str | None = None):
        super().__init__(f"{shape}: {reason}" if shape else reason)
        self.reason = reason
        self.shape = shape
