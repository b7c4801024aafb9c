"""Turn already-localized texts and choices into LINE message models, within LINE's limits.

This module is pure: no I/O, no clock. It owns LINE's size rules, which neither the SDK's models nor
the OpenAPI spec check for us (platform notes 1.8): 5,000 UTF-16 code units per text message, 20
characters per quick-reply label, 300 for postback data. The SDK models do enforce 5 messages per
request and 13 quick-reply items, so we stay inside those too, or the call raises before sending.

It imports only the SDK's message models and our core `Choice`; it must not import the sender.
"""

import logging
import re
import unicodedata
from collections.abc import Sequence

from linebot.v3.messaging import (
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.core.decision import Choice
from bot.line_limits import (
    MAX_DATA_CHARS,
    MAX_LABEL_CHARS,
    MAX_MESSAGES,
    MAX_QUICK_REPLIES,
    MAX_TEXT_UNITS,
    utf16_length,
)

logger = logging.getLogger(__name__)

ELLIPSIS = "…"

# Cut points, best first. Each pattern matches the separator that ends a piece; the separator stays
# with the piece before it, so joining the pieces restores the text exactly.
_PARAGRAPH = re.compile(r"\n[ \t\r]*\n\s*")
_LINE = re.compile(r"\n")
# Japanese full stops end a sentence outright; ASCII ones only before whitespace, so "3.5" survives.
_SENTENCE = re.compile(r"(?:(?<=[。．！？])|(?<=[.!?])(?=\s))\s*")
_CUTS = (_PARAGRAPH, _LINE, _SENTENCE)
_ZWJ = "\u200d"


def render(texts: Sequence[str], choices: Sequence[Choice]) -> list[Message]:
    """Build at most 5 text messages, with the choices as quick replies on the last one."""
    chunks = _fit(texts)
    if not chunks:
        return []
    messages: list[Message] = [TextMessage(text=chunk) for chunk in chunks[:-1]]
    items = _quick_reply_items(choices)
    last = TextMessage(text=chunks[-1], quickReply=QuickReply(items=items) if items else None)
    messages.append(last)
    return messages


def _fit(texts: Sequence[str]) -> list[str]:
    """Split long texts, then merge or truncate so at most `MAX_MESSAGES` remain."""
    kept = [text.strip() for text in texts if text.strip()]
    chunks = [chunk for text in kept for chunk in split_text(text)]
    if len(chunks) <= MAX_MESSAGES:
        return chunks
    # Too many bubbles: treat every text boundary as a paragraph break and pack greedily.
    chunks = split_text("\n\n".join(kept))
    if len(chunks) <= MAX_MESSAGES:
        return chunks
    logger.warning("line text truncated: %d messages needed, %d allowed", len(chunks), MAX_MESSAGES)
    last = _hard_cut(chunks[MAX_MESSAGES - 1], MAX_TEXT_UNITS - utf16_length(ELLIPSIS))[0]
    return [*chunks[: MAX_MESSAGES - 1], last.rstrip() + ELLIPSIS]


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """Split one text into as few pieces of at most `limit` UTF-16 units as its boundaries allow.

    Cuts at blank lines first, then line breaks, then sentence ends, and only as a last resort
    anywhere (never inside a surrogate pair or an emoji sequence).
    """
    pieces = (piece.strip() for piece in _split(text, limit, 0))
    return [piece for piece in pieces if piece]


def _split(text: str, limit: int, level: int) -> list[str]:
    """Greedily pack the pieces that `_CUTS[level]` makes; split oversize ones one level down."""
    if utf16_length(text) <= limit:
        return [text]
    if level == len(_CUTS):
        return _hard_cut(text, limit)
    chunks: list[str] = []
    current, units = "", 0
    for piece in _pieces(text, _CUTS[level]):
        size = utf16_length(piece)
        if units + size <= limit:
            current, units = current + piece, units + size
            continue
        chunks.append(current)
        if size <= limit:
            current, units = piece, size
        else:
            # Cut at this level's boundary first, then inside the oversize piece one level down;
            # its tail may still share a message with what follows.
            *done, current = _split(piece, limit, level + 1)
            chunks.extend(done)
            units = utf16_length(current)
    chunks.append(current)
    return chunks


def _pieces(text: str, cut: re.Pattern[str]) -> list[str]:
    """Cut `text` after every match of `cut`, keeping the separator with the piece before it."""
    pieces: list[str] = []
    start = 0
    for match in cut.finditer(text):
        if start < match.end() < len(text):
            pieces.append(text[start : match.end()])
            start = match.end()
    pieces.append(text[start:])
    return pieces


def _hard_cut(text: str, limit: int) -> list[str]:
    """Cut anywhere, but keep code points and emoji sequences (ZWJ, modifiers) whole."""
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end, units = start, 0
        while end < len(text):
            width = 2 if text[end] > "\uffff" else 1  # astral code points are surrogate pairs
            if units + width > limit:
                break
            units += width
            end += 1
        end = max(end, start + 1)
        cut = end
        while start + 1 < cut < len(text) and _joins(text[cut - 1], text[cut]):
            cut -= 1
        end = cut if cut > start + 1 else end
        chunks.append(text[start:end])
        start = end
    return chunks


def _joins(before: str, after: str) -> bool:
    """Whether a cut between these two code points would break one visible character."""
    return (
        _ZWJ in (before, after)
        or unicodedata.category(after) in {"Mn", "Mc", "Me"}  # combining marks, keycaps
        or "\ufe00" <= after <= "\ufe0f"  # variation selectors (emoji vs text style)
        or "\U0001f3fb" <= after <= "\U0001f3ff"  # skin-tone modifiers
    )


def _quick_reply_items(choices: Sequence[Choice]) -> list[QuickReplyItem]:
    """Postback buttons for the choices; LINE shows at most 13, so the rest are dropped."""
    usable = [choice for choice in choices if choice.label and len(choice.data) <= MAX_DATA_CHARS]
    if len(usable) < len(choices):
        logger.warning(
            "line quick replies dropped: %d with empty label or data over %d chars",
            len(choices) - len(usable),
            MAX_DATA_CHARS,
        )
    if len(usable) > MAX_QUICK_REPLIES:
        logger.warning(
            "line quick replies dropped: %d offered, %d allowed", len(usable), MAX_QUICK_REPLIES
        )
    return [
        QuickReplyItem(
            action=PostbackAction(
                label=_label(choice.label), data=choice.data, displayText=_label(choice.label)
            )
        )
        for choice in usable[:MAX_QUICK_REPLIES]
    ]


def _label(label: str) -> str:
    """Labels over 20 characters are cut to 19 plus "…"; LINE rejects longer ones."""
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1].rstrip() + ELLIPSIS
