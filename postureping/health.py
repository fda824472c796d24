"""When to see a doctor: the warnings from the project's source articles, in our own words.

Shown by `postureping routines --about` and, once, on the first run of the service.
"""

from __future__ import annotations

HEADING: str = "When to see a doctor about back pain"

ABOUT: str = (
    "postureping's routines and this notice are written in our own words from general "
    "articles about lower back pain, listed below. The routines are everyday habits "
    "those articles suggest: changing position, moving around, a comfortable workplace, "
    "lifting with care and sleeping posture."
)

# The two articles the routines and this notice were written from, titled as published.
SOURCES: tuple[str, ...] = (
    "Lower Back And Buttock Pain From Running",
    "Lower Back Leg Pain When Running",
)

SEE_A_DOCTOR_LEAD: str = (
    "Most back pain slowly gets better with care at home, often within a few weeks. "
    "If you have back pain, it is still worth talking to your doctor about it. Contact "
    "your doctor if your back pain:"
)

# Each warning sign once, named, so that the check-in's guidance (postureping.red_flags)
# quotes the same words as the notice.
NOT_BETTER_IN_72_HOURS = "is not getting better within 72 hours (three days)"
LASTS_WEEKS = "goes on for more than a few weeks, or its symptoms keep lingering"
SEVERE_NOT_EASING = "is severe, especially if resting doesn't make it better"
BELOW_KNEE = "travels down one leg or both, above all if it reaches below the knee"
LEG_WEAKNESS = "makes one leg or both feel weak, numb or tingly"
WEIGHT_LOSS = "comes with weight loss you can't explain"
BLADDER_BOWEL = "brings on new bowel or bladder problems"
FEVER = "comes with a fever"
INJURY = "starts after a fall, a blow to your back or another injury"

SEE_A_DOCTOR: tuple[str, ...] = (
    NOT_BETTER_IN_72_HOURS,
    LASTS_WEEKS,
    SEVERE_NOT_EASING,
    BELOW_KNEE,
    LEG_WEAKNESS,
    WEIGHT_LOSS,
)

SEEK_CARE_NOW_LEAD: str = (
    "Rarely, back pain is a sign of something serious. Get medical care right away if "
    "your back pain:"
)

SEEK_CARE_NOW: tuple[str, ...] = (BLADDER_BOWEL, FEVER, INJURY)

# The check-in (postureping.checkin): its question, and the yes/no questions it asks when
# the pain is above the user's level, keyed by Symptom value.
CHECKIN_QUESTION = "How is your back today?"
CHECKIN_SCALE = "0 means no pain at all, 10 the worst pain you can imagine."
QUESTIONS: dict[str, str] = {
    "not-easing": "Is the pain severe, and does it stay as bad when you rest?",
    "weakness": "Does one leg or both feel weak, numb or tingly?",
    "weight-loss": "Have you lost weight without knowing why?",
    "bladder-bowel": "Have you had new problems with your bladder or bowels?",
    "fever": "Do you have a fever?",
    "injury": "Did the pain start after a fall, a blow to your back or another injury?",
}

# After a pain level picked on the notification, above the user's level: buttons cannot ask.
CHECKIN_FOLLOW_UP_TITLE = "A few questions about your back"
CHECKIN_FOLLOW_UP = (
    "You rated your pain {pain}/10. Some signs with back pain need a doctor: to answer a "
    "few yes/no questions about them, run: postureping checkin {pain}"
)

# The guidance a check-in shows when a warning sign is present (postureping.red_flags).
GUIDANCE_DOCTOR_LEAD = "Please contact your doctor about your back pain. It"
GUIDANCE_NOW_LEAD = "Please get medical care right away. Your back pain"
GUIDANCE_TITLE_DOCTOR = "Back pain: please see your doctor"
GUIDANCE_TITLE_NOW = "Back pain: get medical care now"
GUIDANCE_FOOTER = (
    "This is what general articles about back pain advise, not a diagnosis and not "
    "medical advice: only a doctor can tell what is going on."
)

DISCLAIMER: str = (
    "postureping gives habit reminders, not medical advice. Its reminders are general "
    "tips that may not suit everyone: they cannot diagnose or treat anything and do not "
    "replace your doctor or physiotherapist. If a movement hurts, stop, and ask your "
    "doctor before you carry on."
)

SHORT_NOTICE: str = (
    "postureping gives habit reminders, not medical advice. "
    "To see when back pain needs a doctor, run: postureping routines --about"
)

# The welcome notification's word on the check-in (its full text is CHECKIN_NOTICE).
CHECKIN_SHORT: str = (
    "If your back hurts, a weekly check-in can ask how it is: turn it on in the settings "
    "([routines.checkin] enabled = true), or run: postureping checkin"
)

CHECKIN_NOTICE: str = (
    "If your back hurts, a weekly check-in can ask how it is and tell you when the answers "
    "match a warning sign from the list above. It is off until you turn it on: "
    "[routines.checkin] enabled = true in the settings file (or answer any time with "
    "postureping checkin 0-10)."
)

WIDTH: int = 79  # every line of render_notice() is shorter than 80 characters


def _wrap(text: str, first: str = "", rest: str = "", width: int = WIDTH) -> list[str]:
    """Greedy word wrap: `first` starts the first line, `rest` the following ones."""
    lines: list[str] = []
    line = first
    start = len(first)
    for word in text.split():
        if len(line) > start and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = rest
            start = len(rest)
        line = line + word if len(line) == start else f"{line} {word}"
    lines.append(line)
    return lines


def render_notice() -> str:
    """The notice as plain text for the terminal: a heading, the two lists, the disclaimer."""
    lines = [HEADING, "=" * len(HEADING), ""]
    lines += _wrap(SEE_A_DOCTOR_LEAD)
    for item in SEE_A_DOCTOR:
        lines += _wrap(item, "  - ", "    ")
    lines.append("")
    lines += _wrap(SEEK_CARE_NOW_LEAD)
    for item in SEEK_CARE_NOW:
        lines += _wrap(item, "  - ", "    ")
    lines.append("")
    lines += _wrap(DISCLAIMER)
    lines.append("")
    lines += _wrap(CHECKIN_NOTICE)
    lines.append("")
    lines += _wrap(ABOUT)
    lines.append("Sources:")
    for title in SOURCES:
        lines += _wrap(f'"{title}"', "  - ", "    ")
    return "\n".join(lines)
