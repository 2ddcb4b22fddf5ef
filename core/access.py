"""Staff roles, and what each may do. Pages and API routes check both a role and the audiences."""

from __future__ import annotations

from tremplin.core.i18n import T, Text

ROLES: dict[str, Text] = {
    "admin": T("Administrator", fr="Administrateur", nl="Beheerder", uk="Адміністратор"),
    "programme_lead": T("Programme lead", fr="Responsable de programme", nl="Programmaverantwoordelijke", uk="Керівник програми"),
    "counsellor": T("Counsellor", fr="Conseiller", nl="Adviseur", uk="Консультант"),
    "reception": T("Reception or digital steward", fr="Accueil ou steward numérique", nl="Onthaal of digitale steward", uk="Рецепція або цифровий помічник"),
    "neet_worker": T("NEET project worker", fr="Travailleur du projet NEET", nl="NEET-projectmedewerker", uk="Працівник проєкту NEET"),
    "schools_coordinator": T("Schools coordinator", fr="Coordinateur écoles", nl="Scholencoördinator", uk="Координатор шкіл"),
    "formtruck_adviser": T("Formtruck adviser", fr="Conseiller Formtruck", nl="Formtruck-adviseur", uk="Консультант Formtruck"),
}

#: Audiences a role sees when an account is created without naming any.
DEFAULT_AUDIENCES: dict[str, tuple[str, ...]] = {
    "admin": ("*",),
    "programme_lead": ("*",),
    "counsellor": ("general", "ukrainian", "disability", "prisons"),
    "reception": ("general", "ukrainian"),
    "neet_worker": ("neet",),
    "schools_coordinator": ("schools",),
    "formtruck_adviser": ("formtruck",),
}
