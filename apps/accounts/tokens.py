"""Making and recognising secrets: API tokens and invite links."""

import hashlib
import secrets

API_TOKEN_PREFIX = "vgt_"  # noqa: S105  a public marker, not a secret


def secret_hash(secret: str) -> str:
    # The secrets are long and random, so a plain SHA-256 is enough (no need for a slow hash).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_make() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def invite_token_make() -> str:
    return secrets.token_urlsafe(24)
