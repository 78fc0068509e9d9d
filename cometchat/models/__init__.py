"""The SDK's value types, with the Swift property names.

Wire dictionaries become models only through the ``fromWire`` named constructors, never
``User(**payload)``: unknown server fields are ignored there, and a missing required field
raises ``RemoteProtocolError`` naming it. Each model maps its wire names in one place.

- ``enums``: Swift's nested enums (``ReceiverType``, ``ConversationType``, ...);
- ``user``: ``User``;
- ``group``: ``Group``, ``GroupMember``;
- ``messages``: ``BaseMessage``, ``TextMessage``, ``CustomMessage``, ``ActionMessage``,
  ``TransientMessage``, ``TypingIndicator``, ``MessageReceipt``;
- ``conversation``: ``Conversation``, ``ConversationUpdateSettings``;
- ``connection``: ``ConnectionStateChange``.
"""

from .connection import ConnectionStateChange
from .conversation import Conversation, ConversationUpdateSettings
from .enums import (
    ActionEntityType,
    ActionType,
    ApplicationState,
    Blocked,
    ConnectionStatus,
    ConversationType,
    GroupMemberScopeType,
    GroupType,
    MemberScope,
    MessageCategory,
    MessageType,
    ReceiptType,
    ReceiverType,
    SortOrder,
    UserStatus,
)
from .group import Group, GroupMember
from .messages import (
    ActionMessage,
    BaseMessage,
    CustomMessage,
    MessageReceipt,
    TextMessage,
    TransientMessage,
    TypingIndicator,
)
from .user import User

__all__ = [
    "ActionEntityType",
    "ActionMessage",
    "ActionType",
    "ApplicationState",
    "BaseMessage",
    "Blocked",
    "ConnectionStateChange",
    "ConnectionStatus",
    "Conversation",
    "ConversationType",
    "ConversationUpdateSettings",
    "CustomMessage",
    "Group",
    "GroupMember",
    "GroupMemberScopeType",
    "GroupType",
    "MemberScope",
    "MessageCategory",
    "MessageReceipt",
    "MessageType",
    "ReceiptType",
    "ReceiverType",
    "SortOrder",
    "TextMessage",
    "TransientMessage",
    "TypingIndicator",
    "User",
    "UserStatus",
]
