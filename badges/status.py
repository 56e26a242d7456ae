"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/): the
``BitstringStatusListEntry`` of a credential, the ``BitstringStatusListCredential`` that holds
the bits, and the bitstring's encoding.

Sections "BitstringStatusListEntry" and "BitstringStatusListCredential": every term used here
is defined by the VC 2.0 context, so the list credential declares that context alone.
"Bitstring Generation Algorithm": position 0 is the left-most bit of the first byte; the
bitstring is GZIP-compressed and multibase-encoded as base64url without padding (prefix
``u``); it holds at least 131,072 positions (16 KB) so that a list says little about how
many credentials an issuer has. "Validate Algorithm": a position beyond the list is an
error, not "not revoked".

Pure functions: no I/O, no graph. ``badges.ob3`` names the URLs and signs the list.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Iterable

from .multibase import b64url, b64url_decode

REVOCATION = "revocation"
MIN_POSITIONS = 131072
#: the largest list we decode (a GZIP bomb stops here): 16 MiB of bits, 134 million positions
MAX_LIST_BYTES = 16 * 1024 * 1024


class StatusListError(ValueError):
    """A status list that cannot be read, or a position it does not have."""


def list_length(allocated: int) -> int:
    """Positions in a list that must hold ``allocated`` of them: whole blocks of 131,072."""
    blocks = max(1, -(-allocated // MIN_POSITIONS))
    return blocks * MIN_POSITIONS


def encode(set_positions: Iterable[int], length: int) -> str:
    """The ``encodedList`` of a bitstring of ``length`` positions with the given ones set."""
    bits = bytearray(length // 8)
    for position in set_positions:
        if not 0 <= position < length:
            raise StatusListError(f"position {position} is outside a list of {length}")
        bits[position >> 3] |= 0x80 >> (position & 7)
    # mtime=0: the same bits always give the same text (and the same signature)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


def decode(encoded_list) -> bytes:
    """The bitstring of an ``encodedList``; :class:`StatusListError` saying what is wrong."""
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise StatusListError("encodedList must be a multibase base64url string (starting with 'u')")
    try:
        compressed = b64url_decode(encoded_list[1:])
    except ValueError:
        raise StatusListError("encodedList is not valid base64url") from None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # GZIP framing
    try:
        bits = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP-compressed: {exc}") from None
    if len(bits) > MAX_LIST_BYTES:
        raise StatusListError(f"the status list is larger than {MAX_LIST_BYTES:,} bytes")
    return bits


def is_set(bits: bytes, position: int) -> bool:
    if not 0 <= position < len(bits) * 8:
        raise StatusListError(f"position {position} is outside the status list ({len(bits) * 8} positions)")
    return bool(bits[position >> 3] & (0x80 >> (position & 7)))


def entry(list_url: str, position: int, purpose: str = REVOCATION) -> dict:
    """A credential's ``credentialStatus``; its id is the list URL with the position."""
    return {"id": f"{list_url}#{position}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(position), "statusListCredential": list_url}


def list_credential(list_url: str, issuer_id: str, set_positions: Iterable[int], length: int, valid_from: str,
                    context: str, purpose: str = REVOCATION) -> dict:
    """The unsigned ``BitstringStatusListCredential``."""
    return {
        "@context": [context],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{list_url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
                              "encodedList": encode(set_positions, length)},
    }
