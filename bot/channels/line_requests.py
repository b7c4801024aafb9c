"""SDK request models whose messages the SDK serializes once per content, not once per send.

line-bot-sdk turns a request into JSON on every call by walking its pydantic models several
times over (each `to_dict` runs pydantic's `.dict()` and then re-serializes every nested model):
0.6 ms for one answer with eight quick replies, the largest single cost per event under load
(docs/benchmarks.md). An answer's messages depend only on its texts and choices, and the same FAQ
answers go out again and again, so `Prepared` keeps the SDK's own `to_dict()` of each message,
made once, and the requests below hand those dicts back instead of re-serializing. Everything else
(argument checks, headers, auth, the HTTP call, errors) stays the SDK's.
"""

from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import Message, PushMessageRequest, ReplyMessageRequest
from pydantic.v1 import PrivateAttr

__all__ = ["Prepared", "PreparedPush", "PreparedReply"]


@dataclass(frozen=True)
class Prepared:
    """Messages as SDK models (validated once) and as the SDK serialized them."""

    models: tuple[Message, ...]
    dicts: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, messages: list[Message]) -> "Prepared":
        """Serialize each message once with the SDK's own `to_dict`."""
        return cls(tuple(messages), tuple(message.to_dict() for message in messages))

    def __bool__(self) -> bool:
        return bool(self.models)


def _with_messages(model: ReplyMessageRequest | PushMessageRequest, prepared: Prepared) -> Any:
    """The request's own fields as the SDK serializes them, with the prepared messages."""
    data: dict[str, Any] = model.dict(by_alias=True, exclude={"messages"}, exclude_none=True)
    data["messages"] = list(prepared.dicts)
    return data


class PreparedReply(ReplyMessageRequest):  # type: ignore[misc]  # the SDK ships no types
    """A `ReplyMessageRequest` that serializes to exactly what the SDK would send, faster."""

    _prepared: Prepared = PrivateAttr()

    @classmethod
    def build(cls, token: str, prepared: Prepared) -> "PreparedReply":
        """A reply with these messages (validated when they were made, so not again here)."""
        request: PreparedReply = cls.construct(replyToken=token, messages=list(prepared.models))
        request._prepared = prepared
        return request

    def to_dict(self) -> Any:
        """What the SDK's `to_dict` returns for the same request."""
        return _with_messages(self, self._prepared)


class PreparedPush(PushMessageRequest):  # type: ignore[misc]  # the SDK ships no types
    """A `PushMessageRequest` that serializes to exactly what the SDK would send, faster."""

    _prepared: Prepared = PrivateAttr()

    @classmethod
    def build(cls, user_id: str, prepared: Prepared) -> "PreparedPush":
        """A push with these messages (validated when they were made, so not again here)."""
        request: PreparedPush = cls.construct(to=user_id, messages=list(prepared.models))
        request._prepared = prepared
        return request

    def to_dict(self) -> Any:
        """What the SDK's `to_dict` returns for the same request."""
        return _with_messages(self, self._prepared)
