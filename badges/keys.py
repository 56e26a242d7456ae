"""The node's signing keys: Ed25519 (OB 3.0 proofs, VC-JWT) and RSA 2048 (OB 2.0 JWS RS256).

``ensure_keys(data_dir)`` creates them once in ``{data_dir}/keys/`` (private keys mode 0600,
the directory 0700) and never replaces an existing key; ``maarifa init`` calls it. Before
signing, :func:`load_keys` refuses a private key file that the group or others may read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import KeyFileUnsafe, KeysMissing
from .multibase import ed25519_multikey

KEYS_DIR = "keys"
ED25519_FILE = "ed25519.pem"
RSA_FILE = "rsa.pem"


def keys_dir(data_dir) -> Path:
    return Path(data_dir) / KEYS_DIR


def _write_new(path: Path, data: bytes, mode: int) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have removed bits; set exactly
    return True


def ensure_keys(data_dir) -> list[str]:
    """Create the missing key files; never replace an existing one. Returns the files created."""
    directory = keys_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = []
    pem = serialization.PrivateFormat.PKCS8
    if not (directory / ED25519_FILE).exists():
        key = ed25519.Ed25519PrivateKey.generate()
        data = key.private_bytes(serialization.Encoding.PEM, pem, serialization.NoEncryption())
        if _write_new(directory / ED25519_FILE, data, 0o600):
            created.append(str(directory / ED25519_FILE))
    if not (directory / RSA_FILE).exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        data = key.private_bytes(serialization.Encoding.PEM, pem, serialization.NoEncryption())
        if _write_new(directory / RSA_FILE, data, 0o600):
            created.append(str(directory / RSA_FILE))
    return created


def check_private_file(path: Path) -> None:
    """Refuse a private key that anyone but its owner may read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileUnsafe(
            f"refusing to sign: the private key {path} has mode {mode:04o}, so other users "
            f"(group/others) can read it; anyone who read it can forge this node's badges. "
            f"Run `chmod 600 {path}` if you are sure it was not copied, or create new keys")


@dataclass
class KeyRing:
    """The node's keys. Public parts are always available; private ones only from safe files."""

    ed25519_private: ed25519.Ed25519PrivateKey
    rsa_private: rsa.RSAPrivateKey
    directory: Path

    @cached_property
    def ed25519_public_bytes(self) -> bytes:
        return self.ed25519_private.public_key().public_bytes(serialization.Encoding.Raw,
                                                               serialization.PublicFormat.Raw)

    @cached_property
    def ed25519_multikey(self) -> str:
        return ed25519_multikey(self.ed25519_public_bytes)

    @cached_property
    def rsa_public_pem(self) -> str:
        return self.rsa_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def check_signing_allowed(self) -> None:
        for name in (ED25519_FILE, RSA_FILE):
            check_private_file(self.directory / name)


def load_keys(data_dir, *, for_signing: bool = True) -> KeyRing:
    directory = keys_dir(data_dir)
    paths = [directory / ED25519_FILE, directory / RSA_FILE]
    if not all(p.is_file() for p in paths):
        raise KeysMissing(directory)
    if for_signing:
        for p in paths:
            check_private_file(p)
    ed = serialization.load_pem_private_key(paths[0].read_bytes(), password=None)
    rs = serialization.load_pem_private_key(paths[1].read_bytes(), password=None)
    if not isinstance(ed, ed25519.Ed25519PrivateKey) or not isinstance(rs, rsa.RSAPrivateKey):
        raise KeysMissing(directory)
    return KeyRing(ed, rs, directory)
