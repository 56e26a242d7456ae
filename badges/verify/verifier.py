"""The :class:`Verifier`: what it is given to check (bytes, text, a JSON object, a URL), which
format that is, and the context every format's checks share (this node's graph and keys, the
clock, the documents fetched during one verification)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Callable

from .. import jose, ob2, ob3, status_check
from ..errors import BadImage, UnknownAward
from ..images import sniff, unbake_any
from . import ob2_assertions, ob3_credential, ob3_data_integrity, ob3_vc_jwt
from .fields import contexts_of, types_of
from .result import Verification

#: fetch(url) -> (HTTP status, content type, body)
Fetch = Callable[[str], tuple[int, str, bytes]]


def looks_like_jws(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", text.strip()))


class Verifier:
    def __init__(self, service=None, keys=None, fetch: Fetch | None = None, now: dt.datetime | None = None):
        self.service = service
        self.keys = keys
        self.fetch = fetch
        self.now = now
        self._fetched: dict[str, dict] | None = None  # documents read during one verify() call

    @property
    def base_url(self) -> str | None:
        return self.service.issuer.base_url if self.service is not None else None

    def current_time(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.timezone.utc)

    def is_ours(self, url) -> bool:
        return bool(self.base_url) and isinstance(url, str) and url.startswith(self.base_url + "/")

    def get(self, url: str) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) of an issuer's document; LookupError when fetching is off."""
        if self.fetch is None:
            raise LookupError(f"{url} would have to be fetched, and fetching is off here")
        return self.fetch(url)

    def get_json(self, url: str) -> dict:
        """The JSON object at ``url`` (fragment dropped), read once per verification;
        :class:`LookupError` saying why when there is none."""
        address = url.split("#")[0]
        cache = self._fetched if self._fetched is not None else {}
        if address not in cache:
            status, _, body = self.get(address)
            if status >= 400:
                raise LookupError(f"{address} answered HTTP {status}")
            try:
                doc = json.loads(body)
            except ValueError:
                raise LookupError(f"{address} did not answer with JSON") from None
            if not isinstance(doc, dict):
                raise LookupError(f"{address} did not answer with a JSON object")
            cache[address] = doc
        return cache[address]

    def award_of(self, result: Verification, url: str):
        """This node's award that ``url`` (an assertion or credential id) names; marks ``result``
        when this node never issued it or revoked it. None without a graph."""
        if self.service is None:
            return None
        award_id = url.split("/")[-1].removeprefix("urn:uuid:").replace("-", "")
        try:
            award = self.service.award(award_id)
        except UnknownAward:
            result.error(f"{url}: this node never issued such a badge")
            return None
        result.award_id = award.id
        if award.revoked:
            result.revoke(award.revocation_reason, award.revoked_on)
        return award

    # The two checks a status list credential is put through (badges.status_check calls them).

    def check_vc(self, result: Verification, doc: dict) -> bool:
        return ob3_credential.check_vc(self, result, doc)

    def check_proof(self, result: Verification, doc: dict, issuer_id: str | None) -> bool:
        return ob3_data_integrity.check_proof(self, result, doc, issuer_id)

    # -- entry point ----------------------------------------------------------------------

    def verify(self, data: bytes | str | dict, *, recipient: str | None = None) -> Verification:
        """Verify a baked image, a JSON document, a JWS/VC-JWT or an http(s) URL."""
        if self._fetched is not None:  # a nested call (a baked image's payload): same documents
            return self._verify(data, recipient)
        self._fetched = {}
        try:
            return self._verify(data, recipient)
        finally:
            self._fetched = None

    def _verify(self, data: bytes | str | dict, recipient: str | None) -> Verification:
        if isinstance(data, dict):
            return self._verify_json(data, recipient)
        if isinstance(data, bytes):
            head = data[:1024].lstrip()
            if data.startswith(b"\x89PNG") or head.startswith((b"<?xml", b"<svg", b"<!--")):
                return self._verify_image(data, recipient)
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                return Verification().error("not an image, JSON, a JWS or a URL (binary data)")
        text = data.strip()
        if re.match(r"https?://", text):
            return self._verify_url(text, recipient)
        if text.startswith("{"):
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                return Verification(kind="json").error(f"not valid JSON: {exc}")
            if not isinstance(doc, dict):
                return Verification(kind="json").error("a badge is a JSON object")
            return self._verify_json(doc, recipient)
        if looks_like_jws(text):
            try:
                header, payload = jose.read(text)
            except ValueError as exc:
                return Verification(kind="jws").error(str(exc))
            if ob3_vc_jwt.is_vc_jwt(header, payload):
                return ob3_vc_jwt.verify(self, text, recipient)
            return ob2_assertions.verify_signed(self, text, recipient)
        return Verification().error("not a baked image, JSON, a JWS/VC-JWT or an http(s) URL")

    def _verify_image(self, data: bytes, recipient) -> Verification:
        try:
            payload = unbake_any(data)
        except BadImage as exc:
            return Verification(kind="image").error(str(exc))
        if not payload:
            return Verification(kind="image").error("the image carries no baked Open Badges data")
        result = self.verify(payload, recipient=recipient)
        result.kind = f"baked {sniff(data).upper()}: {result.kind}"
        return result

    def _verify_url(self, url: str, recipient) -> Verification:
        if self.is_ours(url) and self.service is not None:
            local = self._local_document(url)
            if isinstance(local, Verification):
                return local
            if local is not None:
                return self.verify(local, recipient=recipient)
        try:
            status, _, body = self.get(url)
        except Exception as exc:  # fetching off, or no answer: nothing is known about the badge
            return Verification(kind="url").unknown(f"cannot fetch {url}: {exc}")
        if status == 410:
            reason, revoked_on = status_check.revoked_body(body)
            return Verification(kind="url").revoke(reason, revoked_on)
        if status >= 400:
            return Verification(kind="url").error(f"{url} answered HTTP {status}")
        return self.verify(body, recipient=recipient)

    def _local_document(self, url: str):
        """Our own OB URL, read from the graph without HTTP (a revoked award: its verdict)."""
        path = url[len(self.base_url):]
        m = re.fullmatch(r"/ob/v2/assertions/([0-9a-f]{32})(\.jws)?", path)
        m3 = re.fullmatch(r"/ob/v3/credentials/([0-9a-f]{32})(\.jwt)?", path)
        if not (m or m3):
            return None
        try:
            award = self.service.award((m or m3).group(1))
        except UnknownAward:
            return None
        if award.revoked:
            return Verification(kind="url", award_id=award.id).revoke(award.revocation_reason, award.revoked_on)
        issuer = self.service.issuer
        if m and not m.group(2):
            return ob2.assertion(issuer, award)
        if m:
            return ob2.jws_sign(ob2.signed_assertion(issuer, award), self.keys)
        if m3.group(2):
            return ob3.jwt(issuer, award, self.keys)
        return ob3.signed_credential(issuer, award, self.keys)

    def _verify_json(self, doc: dict, recipient) -> Verification:
        types = types_of(doc.get("type"))
        if "BitstringStatusListCredential" in types:
            return ob3_data_integrity.verify_status_list(self, doc)
        if ob3_credential.is_credential(doc):
            return ob3_data_integrity.verify_credential(self, doc, recipient)
        if "Assertion" in types or ob2.OB2_CONTEXT in contexts_of(doc):
            return ob2_assertions.verify_hosted(self, doc, recipient)
        return Verification(kind="json").error("neither an Open Badges 2.0 assertion nor a verifiable credential")
