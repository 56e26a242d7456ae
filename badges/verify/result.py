"""The outcome of one verification and its verdict (VALID, INVALID, REVOKED, STATUS UNKNOWN)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Verification:
    valid: bool = True
    kind: str = "unknown"
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    document: dict | None = None
    award_id: str | None = None
    revoked: bool = False
    unsupported: str | None = None  # set when it needs documents or suites we do not have
    unknowns: list[str] = field(default_factory=list)  # what the issuer publishes that could not be read
    revocation_reason: str | None = None
    revoked_on: str | None = None

    def error(self, message: str) -> "Verification":
        self.valid = False
        self.errors.append(message)
        return self

    def unknown(self, message: str) -> "Verification":
        """Something the verdict depends on that could not be checked: never VALID then."""
        self.valid = False
        self.unknowns.append(message)
        return self

    def revoke(self, reason: str | None, revoked_on: str | None = None) -> "Verification":
        self.revoked = True
        self.revocation_reason = reason or None
        self.revoked_on = revoked_on or None
        when = f" (revoked on {revoked_on})" if revoked_on else ""
        return self.error(f"the badge was revoked: {reason}{when}" if reason else
                          f"the badge was revoked{when}; the issuer gives no reason")

    @property
    def verdict(self) -> str:
        if self.revoked:
            return "REVOKED"
        if self.errors:
            return "INVALID"
        if self.unknowns:
            return "STATUS UNKNOWN"
        return "VALID"

    def to_dict(self) -> dict:
        return {"valid": self.valid, "verdict": self.verdict, "kind": self.kind, "errors": self.errors,
                "unknown": self.unknowns, "warnings": self.warnings, "award": self.award_id,
                "revoked": self.revoked, "revocation_reason": self.revocation_reason,
                "revoked_on": self.revoked_on}

    def summary(self) -> str:
        lines = ([f"{self.verdict} ({self.kind})"] + [f"  error: {e}" for e in self.errors]
                 + [f"  status unknown: {u}" for u in self.unknowns] + [f"  warning: {w}" for w in self.warnings])
        return "\n".join(lines)
