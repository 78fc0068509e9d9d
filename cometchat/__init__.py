"""CometChat for Python: the iOS (Swift) SDK's API, mirrored one-to-one.

    from cometchat import AppSettings, CometChat

The public names are listed once, here, in ``__all__``; ``transport`` is internal.
"""

import logging

from .__version__ import __version__

logging.getLogger("cometchat").addHandler(logging.NullHandler())

from .client import CometChatClient  # noqa: E402
from .cometchat import CometChat  # noqa: E402
from .dispatch import (  # noqa: E402
    AsyncioDispatchQueue,
    DispatchQueue,
    MainDispatchQueue,
    QtDispatchQueue,
    TkDispatchQueue,
)
from .exceptions import CometChatException  # noqa: E402
from .listeners import (  # noqa: E402
    CometChatConnectionDelegate,
    CometChatGroupDelegate,
    CometChatLoginDelegate,
    CometChatMessageDelegate,
    CometChatUserDelegate,
)
from .models import (  # noqa: E402
    ActionEntityType,
    ActionMessage,
    ActionType,
    ApplicationState,
    BaseMessage,
    Blocked,
    ConnectionStateChange,
    ConnectionStatus,
    Conversation,
    ConversationType,
    ConversationUpdateSettings,
    Attachment,
    CustomMessage,
    File,
    Group,
    GroupMember,
    GroupMemberScopeType,
    GroupType,
    MediaMessage,
    MemberScope,
    MessageCategory,
    MessageReceipt,
    MessageType,
    Reaction,
    ReactionAction,
    ReactionCount,
    ReactionEvent,
    ReceiptType,
    ReceiverType,
    SortOrder,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
    UserStatus,
)
from .paging import (  # noqa: E402
    BannedGroupMembersRequest,
    BlockedUserRequest,
    ConversationRequest,
    GroupMembersRequest,
    GroupsRequest,
    MessagesRequest,
    ReactionsRequest,
    ReactionsRequestBuilder,
    UsersRequest,
)
from .settings import AppSettings, AppSettingsBuilder  # noqa: E402
from .statistics import ClientStatistics  # noqa: E402

__all__ = [
    "__version__",
    "ActionEntityType",
    "ActionMessage",
    "ActionType",
    "AppSettings",
    "AppSettingsBuilder",
    "ApplicationState",
    "AsyncioDispatchQueue",
    "Attachment",
    "BannedGroupMembersRequest",
    "BaseMessage",
    "Blocked",
    "BlockedUserRequest",
    "ClientStatistics",
    "CometChat",
    "CometChatClient",
    "CometChatConnectionDelegate",
    "CometChatException",
    "CometChatGroupDelegate",
    "CometChatLoginDelegate",
    "CometChatMessageDelegate",
    "CometChatUserDelegate",
    "ConnectionStateChange",
    "ConnectionStatus",
    "Conversation",
    "ConversationRequest",
    "ConversationType",
    "ConversationUpdateSettings",
    "CustomMessage",
    "DispatchQueue",
    "File",
    "Group",
    "GroupMember",
    "GroupMemberScopeType",
    "GroupMembersRequest",
    "GroupType",
    "GroupsRequest",
    "MainDispatchQueue",
    "MediaMessage",
    "MemberScope",
    "MessageCategory",
    "MessageReceipt",
    "MessageType",
    "MessagesRequest",
    "QtDispatchQueue",
    "Reaction",
    "ReactionAction",
    "ReactionCount",
    "ReactionEvent",
    "ReactionsRequest",
    "ReactionsRequestBuilder",
    "ReceiptType",
    "ReceiverType",
    "SortOrder",
    "TextMessage",
    "TkDispatchQueue",
    "TransientMessage",
    "TypingIndicator",
    "User",
    "UserStatus",
    "UsersRequest",
]
