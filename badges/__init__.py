"""Open Badges 2.0 / 3.0: issuing into the graph, signing, baking, verifying, revoking.

Imports ``graph`` and ``ontology`` only (never flask, web, ingest or search). Entry points:

- :func:`ensure_keys` (``maarifa init``) and :func:`load_keys`;
- :class:`BadgeService` (issue, issue_pending, revoke, reads) over a ``GraphStore``;
- :mod:`badges.ob2`, :mod:`badges.ob3`: the documents; :mod:`badges.images`: images, baking;
- :class:`Verifier`: verification of images, JSON, JWS and VC-JWT, one module per format in
  :mod:`badges.verify` (:mod:`badges.status_check` reads an issuer's status lists,
  :func:`badges.fetch.http_fetch` fetches them);
- :mod:`badges.jose`: compact JWS signed and checked by joserfc, with an algorithm allow-list;
- :mod:`badges.status`: the W3C Bitstring status list the node publishes;
- :mod:`badges.badgr_client`: pushes issuers, badge classes and awards to a Badgr server.
"""

from .errors import (BadEvidence, BadgeError, BadImage, ContextNotBundled, KeyFileUnsafe, KeysMissing, NotAllowed,
                     UnknownAward, UnknownBadge, UnknownRecipient, UnservableAward)
from .keys import KeyRing, ensure_keys, load_keys
from .model import Evidence
from .service import AUTOMATIC, CLI_ACTOR, Actor, BadgeService, Issuer, IssueResult
from .verify import Verification, Verifier

__all__ = [
    "AUTOMATIC", "Actor", "BadEvidence", "BadImage", "BadgeError", "Evidence", "BadgeService", "CLI_ACTOR", "ContextNotBundled", "IssueResult",
    "Issuer", "KeyFileUnsafe", "KeyRing", "KeysMissing", "NotAllowed", "UnknownAward", "UnknownBadge",
    "UnknownRecipient", "UnservableAward", "Verification", "Verifier", "ensure_keys", "load_keys",
]
