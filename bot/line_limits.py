"""LINE's limits on what the bot sends, each stated once (Messaging API reference; platform
notes 1.8): the core trims quick replies to them, the FAQ and rich-menu checks refuse files
that break them, and the LINE renderer never builds a request that exceeds them."""

MAX_MESSAGES = 5  # message objects in one reply or push
MAX_TEXT_UNITS = 5000  # one text message, in UTF-16 code units
MAX_QUICK_REPLIES = 13  # quick-reply buttons under one message
MAX_LABEL_CHARS = 20  # an action's label: a quick-reply button, a rich-menu area
MAX_DATA_CHARS = 300  # a postback action's data


def utf16_length(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units, so 🍎 and 𠀋 count 2."""
    return len(text.encode("utf-16-le")) // 2
