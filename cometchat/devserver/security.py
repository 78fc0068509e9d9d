"""Credentials of the dev server: API keys, auth tokens and the socket's JWTs.

API keys are compared in constant time; auth tokens carry 192 random bits and only their
SHA-256 is stored; JWTs are HS256, signed with a per-app secret kept in the database (so a
restart with the same database keeps sessions valid), and expire.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

import attrs
import jwt


def new_app_id() -> str:
    return "app" + secrets.token_hex(6)


def new_auth_key() -> str:
    return secrets.token_hex(20)


def keys_match(given: str, expected: str) -> bool:
    """Constant-time comparison; any text at all (a lone surrogate included) is just unequal."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def new_auth_token() -> str:
    return secrets.token_hex(24)


def token_hash(token: str) -> str:
    """What is stored of a token; any text hashes (a path value may hold a lone surrogate)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@attrs.frozen
class JwtClaims:
    """What the server signs into a socket credential."""

    uid: str
    app_id: str
    token_id: int
    device_id: str
    epoch: int


def issue_jwt(claims: JwtClaims, secret: str, lifetime: float) -> str:
    now = time.time()
    payload: dict[str, Any] = {
        "sub": claims.uid,
        "app": claims.app_id,
        "tid": claims.token_id,
        "dev": claims.device_id,
        "epoch": claims.epoch,
        "iat": int(now),
        "exp": int(now + lifetime) + (1 if lifetime % 1 else 0),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def read_jwt(token: str, secret: str, app_id: str) -> JwtClaims | None:
    """The claims of a valid, unexpired JWT for this app; None for anything else."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "tid", "dev"]}
        )
    except jwt.PyJWTError:
        return None
    if payload.get("app") != app_id:
        return None
    try:
        return JwtClaims(
            uid=str(payload["sub"]),
            app_id=app_id,
            token_id=int(payload["tid"]),
            device_id=str(payload["dev"]),
            epoch=int(payload.get("epoch", 0)),
        )
    except (TypeError, ValueError):
        return None
