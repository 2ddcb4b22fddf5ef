"""The shared vocabulary: the code lists every contact, activity and case is described with.

These codes are the interchange format (CSV import, JSON API, report keys): they never change once
published. Labels are for people and come in the four languages of the centre. Every coarse profile
dimension has ``unknown``: the public is never asked to justify itself, and a blank is a valid answer.

This module holds only what every centre shares. An audience adds its own workshop kinds, site kinds,
modalities, channels or partner kinds through the ``register_codes`` hook; the app's lists, with those
codes merged in, are ``app.registry.codes`` (``app.registry.code_list("workshop")``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from tremplin.core.i18n import T, Text


@dataclass(frozen=True)
class CodeList:
    """An ordered set of codes with translated labels.

    A plugin adding codes to an existing list gives its name and the new items only:
    ``CodeList("workshop", items={"erasmus_day": T("Erasmus day")})``.
    """

    name: str
    label: Text | None = None
    items: Mapping[str, Text] = field(default_factory=dict)
    default: str | None = None

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(self.items)

    def codes(self) -> tuple[str, ...]:
        return tuple(self.items)

    def label_of(self, code: str, language: str | None = None) -> str:
        text = self.items.get(code)
        return text.get(language) if text else code


UNKNOWN = T("Unknown", fr="Inconnu", nl="Onbekend", uk="Невідомо")

MODALITY = CodeList(
    "modality",
    T("Modality", fr="Modalité", nl="Modaliteit", uk="Формат послуги"),
    {
        "individual_advice": T(
            "Individual advice", fr="Conseil individuel", nl="Individueel advies", uk="Індивідуальна консультація"
        ),
        "group_activity": T("Group activity", fr="Activité collective", nl="Groepsactiviteit", uk="Групове заняття"),
        "multimedia": T("Multimedia area", fr="Espace multimédia", nl="Multimediaruimte", uk="Мультимедійна зона"),
        "reception": T(
            "Reception and information",
            fr="Accueil et information",
            nl="Onthaal en informatie",
            uk="Рецепція та інформація",
        ),
        "remote_advice": T(
            "Remote advice", fr="Conseil à distance", nl="Advies op afstand", uk="Дистанційна консультація"
        ),
    },
)

CHANNEL = CodeList(
    "channel",
    T("Channel", fr="Canal", nl="Kanaal", uk="Канал"),
    {
        "walk_in": T("Walk-in", fr="Sans rendez-vous", nl="Vrije inloop", uk="Без запису"),
        "phone": T("Phone", fr="Téléphone", nl="Telefoon", uk="Телефон"),
        "video": T("Video call", fr="Visioconférence", nl="Videogesprek", uk="Відеодзвінок"),
        "email": T("E-mail", fr="E-mail", nl="E-mail", uk="Електронна пошта"),
        "messenger": T("Messenger", fr="Messenger", nl="Messenger", uk="Messenger"),
        "telegram": T("Telegram", fr="Telegram", nl="Telegram", uk="Telegram"),
        "field": T("In the field", fr="Sur le terrain", nl="Op het terrein", uk="На місці"),
        "event": T("Event or fair", fr="Événement ou salon", nl="Evenement of beurs", uk="Захід або ярмарок"),
    },
    default="walk_in",
)

THEME = CodeList(
    "theme",
    T("Theme", fr="Thème", nl="Thema", uk="Тема"),
    {
        "choose": T("Choose", fr="Choisir", nl="Kiezen", uk="Обрати"),
        "learn": T("Learn", fr="Se former", nl="Leren", uk="Навчатися"),
        "work": T("Work", fr="Travailler", nl="Werken", uk="Працювати"),
        "move": T("Move", fr="Bouger", nl="Bewegen", uk="Мобільність"),
        "self_employment": T("Self-employment", fr="Entreprendre", nl="Ondernemen", uk="Власна справа"),
    },
)

LANGUAGE = CodeList(
    "language",
    T("Language", fr="Langue", nl="Taal", uk="Мова"),
    {
        "fr": T("French", fr="Français", nl="Frans", uk="Французька"),
        "nl": T("Dutch", fr="Néerlandais", nl="Nederlands", uk="Нідерландська"),
        "en": T("English", fr="Anglais", nl="Engels", uk="Англійська"),
        "uk": T("Ukrainian", fr="Ukrainien", nl="Oekraïens", uk="Українська"),
        "other": T("Other", fr="Autre", nl="Andere", uk="Інша"),
        "unknown": UNKNOWN,
    },
    default="unknown",
)

GENDER = CodeList(
    "gender",
    T("Gender", fr="Genre", nl="Gender", uk="Стать"),
    {
        "woman": T("Woman", fr="Femme", nl="Vrouw", uk="Жінка"),
        "man": T("Man", fr="Homme", nl="Man", uk="Чоловік"),
        "non_binary": T("Non-binary", fr="Non binaire", nl="Non-binair", uk="Небінарна особа"),
        "unknown": UNKNOWN,
    },
    default="unknown",
)

AGE_BAND = CodeList(
    "age_band",
    T("Age band", fr="Tranche d'âge", nl="Leeftijdsgroep", uk="Вікова група"),
    {
        "under_18": T("Under 18", fr="Moins de 18 ans", nl="Jonger dan 18", uk="До 18 років"),
        "18_24": T("18–24", fr="18–24 ans", nl="18–24 jaar", uk="18–24 роки"),
        "25_29": T("25–29", fr="25–29 ans", nl="25–29 jaar", uk="25–29 років"),
        "30_49": T("30–49", fr="30–49 ans", nl="30–49 jaar", uk="30–49 років"),
        "50_54": T("50–54", fr="50–54 ans", nl="50–54 jaar", uk="50–54 роки"),
        "55_64": T("55–64", fr="55–64 ans", nl="55–64 jaar", uk="55–64 роки"),
        "65_plus": T("65 and over", fr="65 ans et plus", nl="65 en ouder", uk="65 років і старше"),
        "unknown": UNKNOWN,
    },
    default="unknown",
)

EDUCATION = CodeList(
    "education",
    T("Education", fr="Niveau d'études", nl="Opleidingsniveau", uk="Освіта"),
    {
        "isced_0_2": T(
            "Lower secondary or less (ISCED 0–2)",
            fr="Secondaire inférieur ou moins (CITE 0–2)",
            nl="Lager secundair of minder (ISCED 0–2)",
            uk="Базова середня або нижче (МСКО 0–2)",
        ),
        "isced_3_4": T(
            "Upper secondary or post-secondary (ISCED 3–4)",
            fr="Secondaire supérieur ou post-secondaire (CITE 3–4)",
            nl="Hoger secundair of postsecundair (ISCED 3–4)",
            uk="Повна середня або післясередня (МСКО 3–4)",
        ),
        "isced_5_8": T(
            "Higher education (ISCED 5–8)",
            fr="Enseignement supérieur (CITE 5–8)",
            nl="Hoger onderwijs (ISCED 5–8)",
            uk="Вища освіта (МСКО 5–8)",
        ),
        "foreign_recognised": T(
            "Foreign diploma, recognised",
            fr="Diplôme étranger reconnu",
            nl="Buitenlands diploma, erkend",
            uk="Іноземний диплом, визнаний",
        ),
        "foreign_unrecognised": T(
            "Foreign diploma, not recognised",
            fr="Diplôme étranger non reconnu",
            nl="Buitenlands diploma, niet erkend",
            uk="Іноземний диплом, не визнаний",
        ),
        "unknown": UNKNOWN,
    },
    default="unknown",
)

LABOUR_STATUS = CodeList(
    "labour_status",
    T(
        "Labour-market status",
        fr="Statut sur le marché du travail",
        nl="Arbeidsmarktstatus",
        uk="Статус на ринку праці",
    ),
    {
        "unemployed": T("Unemployed", fr="Demandeur d'emploi", nl="Werkzoekend", uk="Безробітний"),
        "long_term_unemployed": T(
            "Long-term unemployed",
            fr="Demandeur d'emploi de longue durée",
            nl="Langdurig werkzoekend",
            uk="Довготривало безробітний",
        ),
        "inactive": T("Inactive", fr="Inactif", nl="Inactief", uk="Економічно неактивний"),
        "in_education": T(
            "In education or training", fr="Aux études ou en formation", nl="In onderwijs of opleiding", uk="Навчається"
        ),
        "employed": T("Employed", fr="Salarié", nl="Werknemer", uk="Працює за наймом"),
        "self_employed": T("Self-employed", fr="Indépendant", nl="Zelfstandige", uk="Самозайнятий"),
        "unknown": UNKNOWN,
    },
    default="unknown",
)

FORMAT = CodeList(
    "format",
    T("Format", fr="Format", nl="Formaat", uk="Формат"),
    {
        "face_to_face": T("Face to face", fr="En présentiel", nl="Fysiek", uk="Очно"),
        "online": T("Online", fr="En ligne", nl="Online", uk="Онлайн"),
    },
    default="face_to_face",
)

SITE_KIND = CodeList(
    "site_kind",
    T("Kind of site", fr="Type de lieu", nl="Soort locatie", uk="Тип місця"),
    {
        "reception": T("Reception", fr="Accueil", nl="Onthaal", uk="Рецепція"),
        "multimedia": T("Multimedia area", fr="Espace multimédia", nl="Multimediaruimte", uk="Мультимедійна зона"),
        "advice": T("Advice area", fr="Espace conseil", nl="Adviesruimte", uk="Зона консультацій"),
        "group_room": T("Group room", fr="Salle d'activités", nl="Groepsruimte", uk="Зала для групових занять"),
        "online": T("Online", fr="En ligne", nl="Online", uk="Онлайн"),
        "outreach": T("Outreach place", fr="Lieu de terrain", nl="Terreinlocatie", uk="Місце роботи на виїзді"),
    },
)

PARTNER_KIND = CodeList(
    "partner_kind",
    T("Kind of partner", fr="Type de partenaire", nl="Soort partner", uk="Тип партнера"),
    {
        "pes": T(
            "Public employment service",
            fr="Service public de l'emploi",
            nl="Openbare dienst voor arbeidsbemiddeling",
            uk="Державна служба зайнятості",
        ),
        "training": T("Training body", fr="Organisme de formation", nl="Opleidingsverstrekker", uk="Навчальний заклад"),
        "youth": T("Youth centre or AMO", fr="Maison de jeunes ou AMO", nl="Jeugdhuis of AMO", uk="Молодіжний центр"),
        "school": T("School", fr="École", nl="School", uk="Школа"),
        "prison": T("Prison", fr="Prison", nl="Gevangenis", uk="В'язниця"),
        "ngo": T("Association or NGO", fr="Association", nl="Vereniging", uk="Громадська організація"),
        "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
    },
)

REFERRAL_STATUS = CodeList(
    "referral_status",
    T("Referral status", fr="Statut de l'orientation", nl="Status van de doorverwijzing", uk="Статус направлення"),
    {
        "issued": T("Issued", fr="Émise", nl="Uitgegeven", uk="Видано"),
        "received": T("Received", fr="Reçue", nl="Ontvangen", uk="Отримано"),
        "completed": T("Completed", fr="Aboutie", nl="Afgerond", uk="Завершено"),
        "expired": T("Expired", fr="Expirée", nl="Verlopen", uk="Прострочено"),
    },
)

CODE_LISTS: dict[str, CodeList] = {
    c.name: c
    for c in (
        MODALITY,
        CHANNEL,
        THEME,
        LANGUAGE,
        GENDER,
        AGE_BAND,
        EDUCATION,
        LABOUR_STATUS,
        FORMAT,
        SITE_KIND,
        PARTNER_KIND,
        REFERRAL_STATUS,
    )
}

#: Kinds of group activity every centre runs; ``fair`` participants also count as event contacts.
WORKSHOP = CodeList(
    "workshop",
    T("Kind of activity", fr="Type d'activité", nl="Soort activiteit", uk="Тип заходу"),
    {
        "info_session": T("Information session", fr="Séance d'information", nl="Infosessie", uk="Інформаційна сесія"),
        "workshop": T("Workshop", fr="Atelier", nl="Workshop", uk="Майстер-клас"),
        "thematic_day": T(
            "Thematic day or week",
            fr="Journée ou semaine thématique",
            nl="Themadag of -week",
            uk="Тематичний день або тиждень",
        ),
        "fair": T("Fair or event", fr="Salon ou événement", nl="Beurs of evenement", uk="Ярмарок або захід"),
        "guided_tour": T("Guided tour", fr="Visite guidée", nl="Rondleiding", uk="Екскурсія"),
    },
    default="info_session",
)
CODE_LISTS[WORKSHOP.name] = WORKSHOP

#: What an audience's own audit events mean (``<audience>.weekly_plan``: "...: weekly plan sent"), in the
#: audit page and its export. The core labels its own actions (``tremplin.core.web.audit_labels``) but cannot
#: name an audience's: the plugin that writes the event adds its label here.
AUDIT_ACTION = CodeList(
    "audit_action",
    T("Audit log action", fr="Action du journal d'audit", nl="Actie in het auditlogboek", uk="Дія в журналі аудиту"),
)
#: The kinds of record an audience's audit events name (``school_bookings``), labelled by its plugin too.
AUDIT_KIND = CodeList(
    "audit_kind",
    T(
        "Kind of record in the audit log",
        fr="Type d'enregistrement du journal d'audit",
        nl="Soort record in het auditlogboek",
        uk="Тип запису в журналі аудиту",
    ),
)
CODE_LISTS[AUDIT_ACTION.name] = AUDIT_ACTION
CODE_LISTS[AUDIT_KIND.name] = AUDIT_KIND

#: The lists a plugin may add codes to (``register_codes``); the others are the same in every centre.
EXTENSIBLE: tuple[str, ...] = (
    "modality",
    "channel",
    "site_kind",
    "partner_kind",
    "workshop",
    AUDIT_ACTION.name,
    AUDIT_KIND.name,
)


class Vocabulary:
    """An app's code lists by the names of this module's constants, for templates and routes:
    ``Vocabulary(app.registry.codes).MODALITY`` is the modality list with the plugins' modalities in it."""

    def __init__(self, codes: Mapping[str, CodeList]) -> None:
        self._codes = codes

    def __getattr__(self, name: str) -> CodeList:
        try:
            return self._codes[name.lower()]
        except KeyError:
            raise AttributeError(f"no code list {name.lower()!r}") from None
