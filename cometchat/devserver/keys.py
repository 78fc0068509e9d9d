"""Conversation keys: who a conversation is between, which the server authorizes by.

The display id the wire carries (``conversationId``: ``a_user_b`` for two users, sorted, as the
real service writes it, and ``group_<guid>``) cannot tell ``a`` + ``b_user_c`` from
``a_user_b`` + ``c``. The key can: uids and guids never contain ``:``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["user_key", "group_key", "display_id", "is_group", "UID_PATTERN", "is_uid"]

#: what a uid (and a guid) may be: 1-100 letters, digits, ``_`` and ``-``
UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}\Z")


def is_uid(value: Any) -> bool:
    """Whether ``value`` is a syntactically valid uid (whether or not such a user exists)."""
    return isinstance(value, str) and UID_PATTERN.match(value) is not None


def user_key(uid_a: str, uid_b: str) -> str:
    first, second = sorted((uid_a, uid_b))
    return f"u:{first}:{second}"


def group_key(guid: str) -> str:
    return f"g:{guid}"


def is_group(key: str) -> bool:
    return key.startswith("g:")


def display_id(key: str) -> str:
    """The wire's ``conversationId`` for a key."""
    if is_group(key):
        return f"group_{key[2:]}"
    _, first, second = key.split(":", 2)
    return f"{first}_user_{second}"
