"""Swift's enums nested in ``CometChat``, with the Swift case names.

Each member's value is its wire string (``"user"``, ``"online"``, ``"text"``), so
``ReceiverType.user.value`` is what the server sends and expects. Case names follow Swift
exactly, lower-case type names included (``CometChat.actionType``).
"""

from __future__ import annotations

import enum

__all__ = [
    "ReceiverType",
    "UserStatus",
    "MessageType",
    "MessageCategory",
    "ConnectionStatus",
    "ApplicationState",
    "ReceiptType",
    "ConversationType",
    "SortOrder",
    "Blocked",
    "ActionType",
    "ActionEntityType",
    "GroupType",
    "GroupMemberScopeType",
    "MemberScope",
    "ReactionAction",
]


class ReceiverType(str, enum.Enum):
    #: a one-to-one conversation
    user = "user"
    #: a group conversation
    group = "group"


class UserStatus(str, enum.Enum):
    online = "online"
    offline = "offline"
    #: deprecated in Swift; the wire's ``available`` counts as online
    available = "available"


class MessageType(str, enum.Enum):
    text = "text"
    image = "image"
    video = "video"
    audio = "audio"
    file = "file"
    custom = "custom"
    groupMember = "groupMember"


class MessageCategory(str, enum.Enum):
    message = "message"
    action = "action"
    call = "call"
    custom = "custom"
    interactive = "interactive"


class ConnectionStatus(str, enum.Enum):
    """``CometChat.getConnectionStatus``; ``.value`` is the documented string."""

    connecting = "connecting"
    connected = "connected"
    disconnected = "disconnected"
    featureThrottled = "featureThrottled"
    #: the Swift case name; the same member as ``featureThrottled``
    onfeatureThrottled = "featureThrottled"


class ApplicationState(str, enum.Enum):
    """``CometChat.applicationState``: what ``configureServices`` is told about the app."""

    didEnterBackground = "didEnterBackground"
    didBecomeActive = "didBecomeActive"
    willResignActive = "willResignActive"


class ReceiptType(str, enum.Enum):
    delivered = "delivered"
    read = "read"
    deliveredToAll = "deliveredToAll"
    readByAll = "readByAll"


class ConversationType(str, enum.Enum):
    """``CometChat.ConversationType``; ``none`` lists both kinds."""

    user = "user"
    group = "group"
    none = "none"


class SortOrder(str, enum.Enum):
    """``CometChat.SortOrder`` for ``UsersRequestBuilder.sortOrder``."""

    asc = "asc"
    desc = "desc"


class Blocked(str, enum.Enum):
    """``CometChat.Blocked``: which side of a block ``BlockedUserRequest`` lists; the value
    is the wire's ``direction``."""

    #: users I blocked
    byMe = "blockedByMe"
    #: users who blocked me
    me = "hasBlockedMe"
    #: both
    both = "both"


class ActionType(str, enum.Enum):
    """``CometChat.actionType``: what an ``ActionMessage`` records; the value is the wire's
    ``data.action``."""

    joined = "joined"
    left = "left"
    kicked = "kicked"
    banned = "banned"
    unbanned = "unbanned"
    scopeChanged = "scopeChanged"
    messageEdited = "edited"
    messageDeleted = "deleted"
    added = "added"


class ActionEntityType(str, enum.Enum):
    user = "user"
    group = "group"
    groupMember = "groupMember"
    message = "message"


class GroupType(str, enum.Enum):
    """``CometChat.groupType`` (lower-case g, as in Swift); the value is the wire's ``type``."""

    public = "public"
    private = "private"
    password = "password"


class GroupMemberScopeType(str, enum.Enum):
    """``CometChat.GroupMemberScopeType``: a member's scope (the owner is an admin)."""

    admin = "admin"
    moderator = "moderator"
    participant = "participant"


class MemberScope(str, enum.Enum):
    """``CometChat.MemberScope``, what ``updateGroupMemberScope`` takes."""

    admin = "admin"
    moderator = "moderator"
    participant = "participant"


class ReactionAction(str, enum.Enum):
    """``CometChat.ReactionAction`` (upper-case cases, as in Swift); the value is the
    ``reaction`` frame's ``action``."""

    REACTION_ADDED = "message_reaction_added"
    REACTION_REMOVED = "message_reaction_removed"
