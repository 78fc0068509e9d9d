"""The Swift "request" builders: paged lists of users, messages, conversations, groups, reactions.

Not named ``requests`` (that would read as the HTTP library). Each request type lives in the
module of its area; ``base.py`` holds what they share (one fetch at a time, the limit, the
client a request runs on).
"""

from .conversations import ConversationRequest
from .groups import BannedGroupMembersRequest, GroupMembersRequest, GroupsRequest
from .messages import MessagesRequest
from .reactions import ReactionsRequest, ReactionsRequestBuilder
from .users import BlockedUserRequest, UsersRequest

__all__ = [
    "BannedGroupMembersRequest",
    "BlockedUserRequest",
    "ConversationRequest",
    "GroupMembersRequest",
    "GroupsRequest",
    "MessagesRequest",
    "ReactionsRequest",
    "ReactionsRequestBuilder",
    "UsersRequest",
]
