"""Why a card asks for staff, in words staff read at a glance, in both staff languages."""

import pytest

from bot import i18n
from bot.channels.slack_cards import reason_label


@pytest.mark.parametrize(
    ("reason", "en_part", "ja_part"),
    [
        ("asked", "Asked for a person", None),
        ("chest_pain", "Possible emergency: chest_pain", None),
        ("self_harm", "self-harm", None),
        ("symptom:fever", "Symptom report after treatment: fever", None),
        ("medical:anticoagulant", "Medical situation for a doctor: anticoagulant", None),
        ("line_quota", "monthly message limit", "月間メッセージ上限"),
        ("cost", "after the answer on: cost", None),
    ],
)
def test_every_reason_has_words(reason: str, en_part: str, ja_part: str | None) -> None:
    catalogs = i18n.load(i18n.LOCALES)
    assert en_part in reason_label(reason, catalogs["en"].gettext)
    ja = reason_label(reason, catalogs["ja"].gettext)
    assert ja and (ja_part is None or ja_part in ja)
