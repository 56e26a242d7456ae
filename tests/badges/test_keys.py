"""Keys: created once, owner-only, never replaced; unsafe key files refuse to sign."""

from __future__ import annotations

import stat

import pytest

from badges import KeyFileUnsafe, KeysMissing, ensure_keys, load_keys
from badges import ob3
from badges.keys import keys_dir

from .conftest import make_issuer


def test_keys_are_created_owner_only_and_never_replaced(tmp_path):
    created = ensure_keys(tmp_path)
    assert len(created) == 2
    for name in ("ed25519.pem", "rsa.pem"):
        assert stat.S_IMODE((keys_dir(tmp_path) / name).stat().st_mode) == 0o600
    before = {p.name: p.read_bytes() for p in keys_dir(tmp_path).iterdir()}
    assert ensure_keys(tmp_path) == []
    assert {p.name: p.read_bytes() for p in keys_dir(tmp_path).iterdir()} == before
    keys = load_keys(tmp_path)
    assert keys.ed25519_multikey.startswith("z6Mk") and keys.rsa_private.key_size == 2048


def test_key_readable_by_others_refuses_to_sign(tmp_path, service):
    ensure_keys(tmp_path)
    path = keys_dir(tmp_path) / "ed25519.pem"
    path.chmod(0o644)
    with pytest.raises(KeyFileUnsafe, match=r"mode 0644.*chmod 600"):
        load_keys(tmp_path)
    keys = load_keys(tmp_path, for_signing=False)  # publishing and verifying still work
    award = service.issue("commons", "ada").award
    with pytest.raises(KeyFileUnsafe, match="refusing to sign"):
        ob3.signed_credential(make_issuer(service.issuer.base_url), award, keys)


def test_missing_keys_say_how_to_create_them(tmp_path):
    with pytest.raises(KeysMissing, match="maarifa init"):
        load_keys(tmp_path)
