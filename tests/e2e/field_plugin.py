"""A plugin with field forms that are not tallies: a detailed street encounter and a group session.

Loaded only by ``test_field_forms.py``'s own server, as an outside plugin would be: any form a plugin
marks ``fieldwork`` gets the phone page and its offline queue, whatever it records.
"""

from __future__ import annotations

from typing import Any

from tremplin import Field, Form, T, hookimpl

PLACES = {
    "street": T("Street", fr="Rue", nl="Straat", uk="Вулиця"),
    "youth_centre": T("Youth centre", fr="Maison de jeunes", nl="Jeugdhuis", uk="Молодіжний центр"),
}


@hookimpl
def register_forms(app: Any) -> list[Form]:
    return [
        Form(
            "streetwork.encounter",
            "neet",
            T("Street encounter", fr="Rencontre de rue", nl="Straatcontact", uk="Зустріч на вулиці"),
            fields=(Field("place", T("Where", fr="Où", nl="Waar", uk="Де"), choices=PLACES, required=True),),
            core_fields=("headcount", "themes", "language", "gender", "age_band", "note"),
            fixed={"modality": "field_awareness", "channel": "field"},
            fieldwork=True,
        )
    ]
