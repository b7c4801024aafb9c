"""The bot's own words (not FAQ content), looked up in the patient's language.

Every string here is a gettext msgid in English; `pybabel extract` finds them through the
`_()` calls, and `locales/` holds the Japanese and English texts admins may reword.
"""

from collections.abc import Callable, Iterable

from bot.clinic import Clinic
from bot.core import crisis_lines
from bot.core.decision import Choice
from bot.faq.model import Faq, Topic
from bot.i18n import Catalogs
from bot.lang import Lang
from bot.line_limits import MAX_QUICK_REPLIES

Gettext = Callable[[str], str]
Text = Callable[[Gettext], str]  # one of the texts below, looked up when the language is known


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


def emergency(_: Gettext, category: str | None = None) -> str:
    """119 first, then what to do while waiting (by the category that fired), then staff."""
    call = _(
        "This may be an emergency. Please call 119 for an ambulance now, or go to the "
        "nearest emergency room. Do not wait for a reply in this chat. (When you call 119, "
        'you can say "English" to the operator.)'
    )
    return "\n\n".join((call, _waiting(_, category), _("We have also alerted our staff.")))


def _waiting(_: Gettext, category: str | None) -> str:
    if category in ("anaphylaxis", "collapse"):
        return _(
            "While you wait: lie down with your legs raised; if breathing is hard, sit up "
            "instead. Stay with someone, and do not eat or drink."
        )
    if category in ("breathing", "chest_pain", "cyanosis", "blood_vomit"):
        return _(
            "While you wait: sit in the position that makes breathing easiest, rest, and "
            "loosen tight clothing. Stay with someone."
        )
    if category == "bleeding":
        return _(
            "While you wait: press firmly on the bleeding spot with a clean cloth or gauze "
            "and keep pressing."
        )
    if category == "seizure":
        return _(
            "While you wait: move hard objects away, put nothing in the mouth, and note the "
            "time the seizure started. Once it stops, turn the person on their side."
        )
    if category in ("stroke", "headache"):
        return _(
            "While you wait: note the time the symptoms started, lie down and rest, and do "
            "not eat or drink."
        )
    return _(
        "While you wait: rest, stay with someone, and tell the ambulance crew which "
        "treatment you received."
    )


def self_harm(_: Gettext) -> str:
    """A calm reply with 119 and crisis lines (numbers and sources in `crisis_lines`)."""
    return _(
        "Thank you for telling us how you feel; you do not have to go through this alone. "
        "If you might act on these thoughts now, or have already hurt yourself, please call "
        "119 right away. You can talk to someone at any hour: Yorisoi Hotline {yorisoi} "
        "(free, 24 hours; press 2 for English), TELL Lifeline {tell} (English), or the "
        "mental-health line {kokoro}. We have let our staff know, and someone will contact "
        "you in this chat."
    ).format(yorisoi=crisis_lines.YORISOI, tell=crisis_lines.TELL, kokoro=crisis_lines.KOKORO)


def symptom_report(_: Gettext, clinic: Clinic) -> str:
    """A symptom after treatment: what to watch for, when to call 119, who to call."""
    parts = [
        _(
            "Thank you for letting us know. I cannot judge symptoms in this chat, so I have "
            "passed your message to our staff, who will reply here."
        ),
        _(
            "Call 119 at once if you have trouble breathing, swelling of the lips, face or "
            "throat, chest pain, fainting, a high fever with chills or confusion, bleeding "
            "that will not stop, or redness at the injection site that spreads with pus or "
            "fever."
        ),
    ]
    parts.append(_advice_and_phone(_, clinic))
    return "\n\n".join(p for p in parts if p)


def _advice_and_phone(_: Gettext, clinic: Clinic) -> str:
    lines = []
    if clinic.medical_advice_line:
        lines.append(
            _(
                "If you are unsure whether to call an ambulance, call {line} for medical advice."
            ).format(line=clinic.medical_advice_line)
        )
    lines.append(
        _("During opening hours you can also call the clinic at {phone}.").format(
            phone=clinic.phone
        )
    )
    if clinic.after_hours_phone:
        lines.append(_("Outside opening hours: {phone}.").format(phone=clinic.after_hours_phone))
    return " ".join(lines)


def medical_situation(_: Gettext) -> str:
    return _(
        "Thank you for telling us. Whether this treatment suits your situation must be "
        "decided by a doctor, so I have passed your message to our staff, who will check "
        "with the doctor and reply here. Please do not stop or change any medicine your "
        "doctor prescribed without asking them."
    )


def clinician(_: Gettext) -> str:
    return _(
        "I have asked our staff to connect you with a nurse or doctor. A staff member will "
        "reply in this chat; please wait a little."
    )


def after_hours_safety(_: Gettext, clinic: Clinic) -> str:
    """Added to the after-hours notice when a symptom or medical situation was handed off."""
    if clinic.medical_advice_line:
        return _(
            "Until then, if your symptoms get worse, call 119; if you are unsure, call {line}."
        ).format(line=clinic.medical_advice_line)
    return _("Until then, if your symptoms get worse, call 119.")


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


def privacy_notice(_: Gettext, clinic: Clinic, retention_days: int, *, keeps_text: bool) -> str:
    """What the bot is and is not, what is stored for how long, who sees it, and how to stop
    storage or delete. Shown on follow and before the first answer; continuing counts as
    agreement for what the patient sends (Japan's APPI guidelines accept that for a notice
    given before the information is provided)."""
    about = _(
        "About this chat: I am the clinic's automated assistant. I give general information "
        "from the clinic's FAQ, not medical advice, and nobody watches this chat live for "
        "symptoms. In an emergency, call 119."
    )
    if keeps_text:
        stored = _(
            "Your messages are stored for {days} days, and clinic staff see them when you "
            "are connected to a person."
        ).format(days=retention_days)
        how = _(
            'To stop storing your messages, tap "Don\'t keep messages" or send "don\'t keep '
            'my messages". To delete your data, send "delete my data".'
        )
    else:
        stored = _(
            "At your request, the text of your messages is not stored, only their topics. "
            "Clinic staff see your messages when you are connected to a person."
        )
        how = _('To delete your data, send "delete my data".')
    policy = _("Privacy policy: {url}").format(url=clinic.privacy_policy_url)
    parts = [about, f"{stored} {policy}", how]
    if keeps_text:
        parts.append(
            _("If you continue, you agree that the clinic uses what you send here in this way.")
        )
    return "\n\n".join(parts)


def storing_stopped(_: Gettext) -> str:
    return _(
        "OK. From now on I will not store the text of your messages, only their topics, and "
        "the text stored so far has been erased. I will keep answering as before; if you ask "
        "for a person, our staff still see your messages in their staff chat."
    )


def delete_question(_: Gettext) -> str:
    return _(
        "Do you want to delete your data? This erases the messages this chat has stored, your "
        "conversation state (language and progress) and the links to your conversations with "
        "staff. It cannot be undone."
    )


def deleted(_: Gettext, *, staff_saw: bool) -> str:
    """What was erased; when staff were ever involved, what stays with them."""
    text = _(
        "Your data has been deleted: the messages this chat stored, your conversation state "
        "and the links to your conversations with staff. If you write again, we will start "
        "afresh, as with a new patient."
    )
    if staff_saw:
        text += " " + _(
            "Messages our staff already received in their staff chat stay there, as described "
            "in the clinic's privacy policy."
        )
    return text


def delete_cancelled(_: Gettext) -> str:
    return _("OK, nothing was deleted.")


def stop_choice(_: Gettext) -> Choice:
    """The "don't keep my messages" quick reply (LINE labels hold 20 characters)."""
    return Choice(_("Don't keep messages"), "privacy=stop")


def delete_choice(_: Gettext) -> Choice:
    return Choice(_("Delete my data"), "privacy=delete")


def delete_yes_choice(_: Gettext) -> Choice:
    return Choice(_("Yes, delete"), "privacy=delete_yes")


def delete_no_choice(_: Gettext) -> Choice:
    return Choice(_("Cancel"), "privacy=delete_no")
