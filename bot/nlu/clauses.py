"""The sentences and clauses of a long message, each matched on its own.

Patients often tell their situation before they ask (冷え性がひどくて手足がいつも冷たいです。
血行改善の効果はありますか; "My eyebrows have gotten thin over the years. Can exosomes help?").
Matched as a whole, the context's words, which no FAQ example uses, dilute the question's:
the lexical index counts them as unknown, and the sentence vector drifts away from every
topic. The semantic stage therefore also scores each clause alone and gives the fusion each
topic's best clause signals beside the whole message's (`fusion.Inputs.clause`); where the
question sits is left to the learned weights.

Splitting is by sentence ends and by the Japanese connectives that close a clause of context
before a question (〜んですが、, 〜けど、, 〜ので、). It is pure and cheap; a message of one
clause gives nothing, and at most `MAX_CLAUSES` (the last ones: the question usually closes a
message) are scored, so the cost of a long message stays bounded.
"""

import re

MAX_CLAUSES = 2  # the last clauses of a message are scored (each costs an encode and a ranking)
MIN_CHARS = 5  # shorter pieces ("はい。", "Hi.") are joined to the next one

_BREAK = re.compile(
    r"[。．！？!?…\n]+"  # a Japanese sentence end, or any question or exclamation
    r"|(?<=[A-Za-z0-9)\"']{2})[.;](?=\s)"  # an English sentence end (not "e.g." or "U.S.")
    r"|(?:けど|けれど|ですが|ますが|んだが|のだが|ので|から)[、,]"  # context, then the question
)


def _pieces(text: str) -> list[str]:
    pieces, start = [], 0
    for found in _BREAK.finditer(text):
        pieces.append(text[start : found.end()])
        start = found.end()
    pieces.append(text[start:])
    return pieces


def clauses(text: str) -> list[str]:
    """The clauses of `text` when it has more than one (else []), the last `MAX_CLAUSES`."""
    parts: list[str] = []
    carry = ""
    for piece in _pieces(text.strip()):
        joined = f"{carry} {piece}".strip() if carry.isascii() else carry + piece.strip()
        if len(joined) < MIN_CHARS:
            carry = joined
            continue
        parts.append(joined)
        carry = ""
    if carry and parts:
        parts[-1] = f"{parts[-1]} {carry}" if carry.isascii() else parts[-1] + carry
    return parts[-MAX_CLAUSES:] if len(parts) > 1 else []
