"""Built-in plugin: the staff roles every centre has.

The roles are the administrator, the programme lead, the counsellor and the reception (with the
digital stewards). The roles of an audience's own staff (a programme's field workers, a coordinator)
come from that audience's plugin. A core role names no audience: the audiences a counsellor or the
reception see by default are those that list the role in ``Audience.default_roles``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin.core import hookimpl
from tremplin.core.i18n import T
from tremplin.core.registry import EVERY_AUDIENCE, EVERY_CAPABILITY, Role

if TYPE_CHECKING:
    from tremplin.core.app import App

#: What a desk role uses: figures, quick logging, the lists of records and the reports.
DESK: tuple[str, ...] = ("dashboard", "log", "contacts", "reports")


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            "admin",
            T("Administrator", fr="Administrateur", nl="Beheerder", uk="Адміністратор"),
            (EVERY_CAPABILITY,),
            (EVERY_AUDIENCE,),
        ),
        Role(
            "programme_lead",
            T("Programme lead", fr="Responsable de programme", nl="Programmaverantwoordelijke", uk="Керівник програми"),
            (*DESK, "activities", "referrals", "cases", "corrections", "inbox"),
            (EVERY_AUDIENCE,),
        ),
        Role(
            "counsellor",
            T("Counsellor", fr="Conseiller", nl="Adviseur", uk="Консультант"),
            (*DESK, "activities", "referrals", "cases", "inbox", "desk"),
        ),
        Role(
            "reception",
            T(
                "Reception or digital steward",
                fr="Accueil ou steward numérique",
                nl="Onthaal of digitale steward",
                uk="Рецепція або цифровий помічник",
            ),
            (*DESK, "referrals", "desk"),
        ),
    ]
