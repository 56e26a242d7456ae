"""The graph: the only package that touches pyoxigraph (see README.md in this folder)."""

from .changes import ACCESS_LEVELS, Change, SourceGraphs, sha256_checksum
from .errors import MaarifaError, ValidationFailed, Violation
from .store import CommitResult, GraphStore

__all__ = [
    "ACCESS_LEVELS", "Change", "CommitResult", "GraphStore", "MaarifaError", "SourceGraphs",
    "ValidationFailed", "Violation", "sha256_checksum",
]
