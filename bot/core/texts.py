"""The bot's own words (not FAQ content), looked up in the patient's language.

Every string here is a gettext msgid in English; `pybabel extract` finds them through the
`_()` calls, and `locales/` holds the Japanese and English texts admins may reword.
"""

from collections.abc import Callable, Iterable

from bot.core.decision import Choice
from bot.faq import Faq, Topic
from bot.i18n import Catalogs
from bot.lang import Lang

MAX_QUICK_REPLIES = 13

Gettext = Callable[[str], str]


def texts_for(catalogs: Catalogs, lang: Lang) -> Gettext:
    """The gettext function for one patient's language."""
    return catalogs[lang].gettext


def greeting(_: Gettext) -> str:
    return _(
        "Hello! I am the clinic's assistant. I can answer questions about exosome "
        "regenerative medicine. Please choose a topic below or type your question."
    )


def thanks(_: Gettext) -> str:
    return _("You're welcome. Please ask me anything else at any time.")


def fallback(_: Gettext) -> str:
    return _(
        "I'm sorry, I can't answer that. I can only answer questions about exosome "
        "regenerative medicine. Please choose a topic below, or talk to our staff."
    )


def fallback_twice(_: Gettext) -> str:
    return _(
        "I'm sorry I could not answer your questions. I have asked our staff to help: "
        "a staff member will reply in this chat."
    )


def clarify(_: Gettext) -> str:
    return _("Which of these would you like to know about?")


def handoff(_: Gettext) -> str:
    return _(
        "I will connect you with our staff. A staff member will reply in this chat; "
        "please wait a little."
    )


def emergency(_: Gettext) -> str:
    return _(
        "This may be an emergency. Please call 119 for an ambulance now, or go to the "
        "nearest emergency room. Do not wait for a reply in this chat. (When you call 119, "
        'you can say "English" to the operator.) If you are unsure whether to call an '
        "ambulance, #7119 gives medical advice where it is available. We have also alerted "
        "our staff."
    )


def language_switched(_: Gettext) -> str:
    return _("OK, I will answer in English from now on.")


def menu_prompt(_: Gettext) -> str:
    return _("Please choose a topic, or type your question.")


def staff_choice(_: Gettext, reason: str = "asked") -> Choice:
    """The "talk to staff" quick reply; `reason` travels in the postback to the staff card."""
    return Choice(_("Talk to staff"), f"staff={reason}")


def menu_choice(_: Gettext) -> Choice:
    return Choice(_("Topics"), "menu=1")


def topic_choice(topic: Topic, lang: Lang) -> Choice:
    return Choice(topic.entry(lang).label, f"topic={topic.id}")


def topic_choices(faq: Faq, ids: Iterable[str], lang: Lang) -> list[Choice]:
    """Quick replies for the topics in `ids` that exist, in order."""
    return [topic_choice(faq.topics[i], lang) for i in ids if i in faq.topics]


def menu(faq: Faq, lang: Lang, _: Gettext, *, staff: bool = True) -> tuple[Choice, ...]:
    """The topic menu as quick replies, with "talk to staff" first when offered."""
    choices = [staff_choice(_)] if staff else []
    choices += [topic_choice(t, lang) for t in faq.menu()]
    return tuple(choices[:MAX_QUICK_REPLIES])


def limited(choices: Iterable[Choice]) -> tuple[Choice, ...]:
    """At most LINE's 13 quick replies, without repeats."""
    seen: dict[str, Choice] = {}
    for choice in choices:
        seen.setdefault(choice.data, choice)
    return tuple(seen.values())[:MAX_QUICK_REPLIES]


def welcome(_: Gettext) -> str:
    return _(
        "Thank you for adding us as a friend! I am the clinic's assistant and can answer "
        "questions about exosome regenerative medicine in Japanese or English. Please choose "
        "a topic below or type your question. In an emergency, please call 119."
    )


def text_only(_: Gettext) -> str:
    return _(
        "Thank you! I can only read text messages. Please type your question, or choose a "
        "topic below."
    )


def group_note(_: Gettext) -> str:
    return _(
        "I answer questions in one-to-one chats only. Please add me as a friend and send me "
        "your question directly."
    )


def switch_language_choice(lang: Lang) -> Choice:
    """A quick reply offering the other language, labelled in that language."""
    return Choice("English", "lang=en") if lang == "ja" else Choice("日本語", "lang=ja")


def after_hours(_: Gettext, opening: str) -> str:
    return _(
        "Our staff are away now. A staff member will reply in this chat after we open ({opening})."
    ).format(opening=opening)


def unreachable(_: Gettext) -> str:
    return _(
        "I'm sorry, our staff cannot be reached through this chat right now. Please call the "
        "clinic directly."
    )


def returned(_: Gettext) -> str:
    return _(
        "Our staff have handed you back to me, the clinic's assistant. Ask me anything, or "
        'choose "Talk to staff" at any time.'
    )


def closed(_: Gettext) -> str:
    return _(
        "Your conversation with our staff is closed. Thank you! I, the clinic's assistant, "
        "will answer your questions again from now on."
    )


def idle(_: Gettext) -> str:
    return _(
        "As there have been no messages for a while, I, the clinic's assistant, will answer "
        'your questions again. Choose "Talk to staff" to reach a person.'
    )


def staff_label(_: Gettext) -> str:
    """The prefix of a staff member's reply relayed to the patient."""
    return _("[Clinic staff]")
