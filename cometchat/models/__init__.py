"""The SDK's value types, with the Swift property names.

Wire dictionaries become models only through the ``fromWire`` named constructors, never
``User(**payload)``: unknown server fields are ignored there, and a missing required field
raises ``RemoteProtocolError`` naming it. Each model maps its wire names in one place.

- ``enums``: Swift's nested enums (``ReceiverType``, ``ConversationType``, ...);
- ``user``: ``User``;
- ``group``: ``Group``, ``GroupMember``;
- ``messages``: ``BaseMessage``, ``TextMessage``, ``MediaMessage``, ``CustomMessage``,
  ``ActionMessage``, ``TransientMessage``, ``TypingIndicator``, ``MessageReceipt``;
- ``media``: ``Attachment``, ``File``;
- ``reactions``: ``Reaction``, ``ReactionCount``, ``ReactionEvent``;
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
    ReactionAction,
    ReceiptType,
    ReceiverType,
    SortOrder,
    UserStatus,
)
from .group import Group, GroupMember
from .media import Attachment, File
from .messages import (
    ActionMessage,
    BaseMessage,
    CustomMessage,
    MediaMessage,
    MessageReceipt,
    TextMessage,
    TransientMessage,
    TypingIndicator,
)
from .reactions import Reaction, ReactionCount, ReactionEvent
from .user import User

__all__ = [
    "ActionEntityType",
    "ActionMessage",
    "ActionType",
    "ApplicationState",
    "Attachment",
    "BaseMessage",
    "Blocked",
    "ConnectionStateChange",
    "ConnectionStatus",
    "Conversation",
    "ConversationType",
    "ConversationUpdateSettings",
    "CustomMessage",
    "File",
    "Group",
    "GroupMember",
    "GroupMemberScopeType",
    "GroupType",
    "MediaMessage",
    "MemberScope",
    "MessageCategory",
    "MessageReceipt",
    "MessageType",
    "Reaction",
    "ReactionAction",
    "ReactionCount",
    "ReactionEvent",
    "ReceiptType",
    "ReceiverType",
    "SortOrder",
    "TextMessage",
    "TransientMessage",
    "TypingIndicator",
    "User",
    "UserStatus",
]
