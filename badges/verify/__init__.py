"""Verification of Open Badges: baked images, OB 2.0 hosted JSON and signed JWS, OB 3.0
credentials with an embedded proof and VC-JWT. One module per format:

- :mod:`.ob2_assertions`: OB 2.0 hosted and signed assertions
  (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Verification);
- :mod:`.ob3_data_integrity`: OB 3.0 credentials with a Data Integrity proof
  (https://www.w3.org/TR/vc-data-integrity/, https://www.imsglobal.org/spec/ob/v3p0/#verification);
- :mod:`.ob3_vc_jwt`: OB 3.0 credentials as VC-JWT (https://www.w3.org/TR/vc-jose-cose/);
- :mod:`.ob3_credential`: what both OB 3.0 forms check besides the signature;
- :mod:`.verifier`: which format an input is, and the context the checks share.

Documents of this node are checked against the graph (does the award exist, is it revoked,
is the key ours) when the verifier has the node's store. Everything else is checked against
what the issuer publishes, fetched only through the ``fetch`` callable given to
:class:`Verifier` (:func:`badges.fetch.http_fetch` in the CLI; none means offline): the
controller document that must list the signing key, and the revocation status (a W3C
Bitstring status list, a 1EdTech revocation list, see :mod:`badges.status_check`). Contexts
always come from the bundle.

A verification ends in one of four verdicts: VALID; INVALID (something is wrong with the
badge); REVOKED; STATUS UNKNOWN (nothing is wrong with the badge itself, but what the issuer
publishes about it could not be read: the badge is not reported valid).
"""

from .fields import issuer_id_of, types_of
from .ob3_credential import schema_errors
from .result import Verification
from .verifier import Fetch, Verifier, looks_like_jws

__all__ = ["Fetch", "Verification", "Verifier", "issuer_id_of", "looks_like_jws", "schema_errors", "types_of"]
