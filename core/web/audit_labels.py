"""What the audit log's codes mean, in the reader's language: ``contact.edit`` reads "Contact: corrected".

An audit event names its action ``<record>.<verb>`` (``staff.create``, ``referral.expired``) and the kind of
record it touched (``contact``, ``centre``). Rather than one label per action, the record kinds (nouns) and
the verbs are labelled separately and composed, so that ``{name}.create`` or ``referral.{status}`` need no
entry of their own. A code nobody labelled shows as itself: the audit page never hides an event, and an
administrator can always filter by the code (the filter's values stay codes).
"""

from __future__ import annotations

from collections.abc import Callable

from tremplin.core.web.i18n import N_

#: The kinds of record, and the first part of an action (``contact`` of ``contact.edit``).
NOUNS: dict[str, str] = {
    "contact": N_("Contact"),
    "contacts": N_("Contacts"),
    "activity": N_("Activity"),
    "activities": N_("Activities"),
    "referral": N_("Referral"),
    "referrals": N_("Referrals"),
    "case": N_("Case"),
    "cases": N_("Cases"),
    "staff": N_("Account"),
    "centre": N_("Centre"),
    "site": N_("Site"),
    "partner": N_("Partner"),
    "closure": N_("Closure"),
    "workshop_kind": N_("Kind of workshop"),
    "counters": N_("Counters"),
    "list": N_("List"),
    "audit": N_("Audit log"),
    "esf": N_("ESF"),
    "esf_operation": N_("ESF operation"),
    "report": N_("Report"),
    "digest": N_("Digest"),
    "retention": N_("Retention"),
    "plugin": N_("Audience records"),
    "core": N_("Records"),
    "login": N_("Sign-in"),
}

#: The second part of an action (``edit`` of ``contact.edit``), as a noun of action or a participle.
VERBS: dict[str, str] = {
    "create": N_("created"),
    "edit": N_("corrected"),
    "update": N_("corrected"),
    "delete": N_("deleted"),
    "export": N_("exported"),
    "import": N_("imported"),
    "repair": N_("repaired"),
    "contact": N_("contact address changed"),
    "participants": N_("participants changed"),
    "issue": N_("issued"),
    "received": N_("received"),
    "completed": N_("completed"),
    "expired": N_("expired"),
    "public_confirm": N_("confirmed by the partner"),
    "reminder": N_("reminder sent"),
    "open": N_("opened"),
    "move": N_("moved to another stage"),
    "outcome": N_("outcome recorded"),
    "reenter": N_("re-entered"),
    "purge": N_("purged"),
    "api_token": N_("API token issued"),
    "logout_everywhere": N_("signed out everywhere"),
    "password": N_("password changed"),
    "estimate": N_("estimate entered"),
    "sent": N_("sent"),
    "delivery": N_("sent"),
    "differ": N_("differences found"),
    "ok": N_("succeeded"),
    "failed": N_("failed"),
    "check_failed": N_("code check failed"),
}

#: Actions written verb first (``import.contacts``: the contacts were imported).
VERB_FIRST: set[str] = {"import"}


def kind_label(code: str, _: Callable[..., str]) -> str:
    """A kind of record in the reader's language (``_`` translates), or its code if nobody labelled it."""
    return _(NOUNS[code]) if code in NOUNS else code


def action_label(code: str, _: Callable[..., str]) -> str:
    """An action in the reader's language ("Contact: corrected"), or its code if nobody labelled it."""
    noun, dot, verb = code.partition(".")
    if noun in VERB_FIRST:
        noun, verb = verb, noun
    if not dot or noun not in NOUNS or verb not in VERBS:
        return code
    return _("%(record)s: %(action)s", record=_(NOUNS[noun]), action=_(VERBS[verb]))
