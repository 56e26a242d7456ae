"""Errors of the badge services: each one a readable message, and nothing issued."""

from __future__ import annotations

from graph.errors import MaarifaError, NotFound, PermissionDenied


class BadgeError(MaarifaError):
    """A badge operation that cannot be done as asked."""


class UnknownBadge(NotFound):
    def __init__(self, badge: str):
        super().__init__(f"no badge class {badge!r}: load badge classes with `maarifa ingest badges FILE` "
                         f"and use a badge slug or IRI")


class UnknownRecipient(NotFound):
    """No person the caller may see has this identity: one message whether nobody has it or
    someone the caller may not see does, so the error cannot be used to test e-mail addresses."""

    def __init__(self, identity: str):
        super().__init__(f"no person you may issue badges to is identified by {identity!r}; nothing was issued")


class UnknownAward(NotFound):
    def __init__(self, award: str):
        super().__init__(f"no badge award {award!r}")


class UnservableAward(NotFound):
    """An award in the store this node cannot serve documents for: its IRI is not under this
    node's base URL (a record from before a base URL change, or copied from elsewhere), or a
    required property (badge, recipient, issue date) is missing or points elsewhere."""

    def __init__(self, iri: str, reason: str):
        super().__init__(f"the badge award {iri} cannot be served: {reason}")
        self.iri, self.reason = iri, reason


class NotAllowed(PermissionDenied):
    """The caller may not issue this award (e.g. a manual award without the trainer role)."""


class KeyFileUnsafe(BadgeError):
    """A private key file others can read: we refuse to sign with it."""


class KeysMissing(BadgeError):
    def __init__(self, keys_dir):
        super().__init__(f"no signing keys in {keys_dir}: run `maarifa init` to create them")


class BadEvidence(BadgeError):
    """Evidence that is neither a public web address nor a narrative of reasonable length."""


class BadImage(BadgeError):
    """A badge image that is neither PNG nor SVG."""


class ContextNotBundled(BadgeError):
    """A JSON-LD document that is not one of our bundled copies (we never fetch contexts)."""

    def __init__(self, url: str):
        super().__init__(f"JSON-LD context {url} is not bundled with Maarifa; it is never fetched from "
                         f"the network, so this document cannot be processed")
        self.url = url
