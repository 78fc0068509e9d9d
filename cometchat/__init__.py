"""CometChat for Python: the iOS SDK's API, mirrored one-to-one."""

import logging

__version__ = "0.1.0"

logging.getLogger("cometchat").addHandler(logging.NullHandler())
