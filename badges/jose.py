"""Compact JWS (RFC 7515 §7.1, https://www.rfc-editor.org/rfc/rfc7515#section-7.1) through
joserfc, each format with an explicit allow-list of algorithms.

OB 2.0 signed assertions are RS256 (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#SignedBadge);
this node's VC-JWTs are EdDSA over Ed25519 (https://www.w3.org/TR/vc-jose-cose/#securing-with-jose),
and ``Ed25519``, the name RFC 9864 gives that algorithm now, is accepted too. Anything else,
``none`` and HMAC first (an HS256 token "signed" with the issuer's public key is the classic
forgery), is refused before any key is used.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError, UnsupportedAlgorithmError
from joserfc.jwk import OKPKey, RSAKey

from .fetch import MAX_DOCUMENT_BYTES

OB2_ALGORITHMS = ("RS256",)
VC_JWT_ALGORITHMS = ("EdDSA", "Ed25519")
MIN_RSA_BITS = 2048
#: algorithm -> (the cryptography public key class it verifies with, the joserfc key class)
_KEYS = {"RS256": (rsa.RSAPublicKey, RSAKey), "EdDSA": (ed25519.Ed25519PublicKey, OKPKey),
         "Ed25519": (ed25519.Ed25519PublicKey, OKPKey)}


class AllowList(jws.JWSRegistry):
    """joserfc's registry, limited to ``algorithms`` and sized for badges.

    ``get_alg`` is joserfc's own check without its warning that ``EdDSA`` is deprecated (RFC 9864):
    EdDSA is the algorithm every VC-JWT this node handed out carries, so it stays allowed.
    """

    max_header_length = 16 * 1024
    max_payload_length = MAX_DOCUMENT_BYTES  # an OB 2.0 assertion may embed its badge image
    max_signature_length = 1024

    def __init__(self, algorithms: tuple[str, ...]):
        # Foreign issuers put headers of their own in a JWS; registered ones are still type-checked.
        super().__init__(algorithms=algorithms, strict_check_header=False)

    def get_alg(self, name: str):
        if name not in self.allowed or name not in self.algorithms:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


def sign(header: dict, payload: dict, private_key, algorithms: tuple[str, ...]) -> str:
    """``payload`` as compact JSON (UTF-8, no spaces) signed with a cryptography private key."""
    key = _KEYS[header["alg"]][1].import_key(private_key)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return jws.serialize_compact(header, body, key, registry=AllowList(algorithms))


def read(token: str) -> tuple[dict, dict]:
    """(header, payload) of a compact JWS, *not verified* (to find its key); ValueError when malformed."""
    try:
        parsed = jws.extract_compact(token.strip().encode("ascii"))
        payload = json.loads(parsed.payload)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise ValueError(f"malformed JWS: {_reason(exc)}") from None
    header = parsed.headers()
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("the header and payload must be JSON objects")
    return header, payload


def check_algorithm(header: dict, algorithms: tuple[str, ...]) -> str:
    """The header's ``alg`` if the allow-list has it; ValueError naming it otherwise."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise ValueError(f"the JWS algorithm {alg!r} is not allowed here (allowed: {', '.join(algorithms)})")
    return alg


def verify(token: str, public_key, algorithms: tuple[str, ...]) -> dict:
    """The payload of ``token`` if its signature verifies with ``public_key`` (a cryptography
    public key) under one of ``algorithms``; ValueError saying why otherwise."""
    header, payload = read(token)
    alg = check_algorithm(header, algorithms)
    public_class, joserfc_class = _KEYS[alg]
    if not isinstance(public_key, public_class):
        raise ValueError(f"a {alg} signature cannot be checked with the issuer's {type(public_key).__name__}")
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < MIN_RSA_BITS:
        # joserfc would only warn; a 1024-bit RSA key can be factored by a well-funded forger
        raise ValueError(f"the issuer's RSA key has {public_key.key_size} bits; keys under {MIN_RSA_BITS} bits "
                         f"are refused (NIST SP 800-131A)")
    try:
        jws.deserialize_compact(token.strip(), joserfc_class.import_key(public_key), registry=AllowList(algorithms))
    except BadSignatureError:
        raise ValueError("the signature does not verify: altered, or signed with another key") from None
    except JoseError as exc:
        raise ValueError(f"malformed JWS: {_reason(exc)}") from None
    return payload


def _reason(exc: JoseError) -> str:
    return getattr(exc, "description", None) or str(exc) or "not three base64url parts"
