"""Built-in plugin: the sections of the built-in reports, and the reports' web pages.

The annual activity report follows the shape of the centre's own annual reports (2018 to 2020): the
year in figures (contacts, individual advice, group activities face to face and online with their
participants, multimedia-area entries), monthly charts per modality with the closure periods shaded,
the public's profile, the specific audiences, fairs and events, and the online figures. Audience
plugins add their own sections through the same hook; they are placed after the specific audiences.

Only centre-wide counters (``tremplin.core.builtins.general``) are named here: what an audience shows comes
from its plugin, or from its counters through ``AudienceFigures``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin.core import hookimpl
from tremplin.core.i18n import T
from tremplin.core.reports.sections import AudienceFigures, Breakdown, KeyFigures, MonthlyChart, Note, OnlineFigures

if TYPE_CHECKING:
    from tremplin.core.app import App

OVERVIEW = (
    "contacts.total",
    "individual_advice.contacts",
    "individual_advice.remote",
    "group_activities.count",
    "group_activities.face_to_face",
    "group_activities.online",
    "group_activities.participants",
    "multimedia.entries",
    "reception.contacts",
)
GROUP_SUMS = (("group_activities.count", ("group_activities.face_to_face", "group_activities.online")),)
#: Individual advice includes remote advice: remote is shown as a part of it, not beside it.
ADVICE_PARTS = (("individual_advice.contacts", ("individual_advice.remote",)),)

PROFILE = (
    ("gender", T("The public: gender", fr="Le public : genre", nl="Het publiek: gender", uk="Відвідувачі: стать")),
    (
        "age_band",
        T(
            "The public: age band",
            fr="Le public : tranche d'âge",
            nl="Het publiek: leeftijdsgroep",
            uk="Відвідувачі: вікова група",
        ),
    ),
    ("language", T("The public: language", fr="Le public : langue", nl="Het publiek: taal", uk="Відвідувачі: мова")),
    (
        "theme",
        T(
            "The public: themes of their questions",
            fr="Le public : thèmes des questions",
            nl="Het publiek: thema's van de vragen",
            uk="Відвідувачі: теми запитань",
        ),
    ),
    ("channel", T("The public: channel", fr="Le public : canal", nl="Het publiek: kanaal", uk="Відвідувачі: канал")),
)

METHOD = T(
    "Every figure is read from the counters' roll-up, which is kept exact as records are written. "
    "Contacts are the headcount of every contact logged plus the participants of group activities, as "
    "the centre counts its contacts. Individual advice includes remote advice (phone, video, e-mail, "
    "messenger). A contact may concern several themes: the theme rows do not add up to the total. "
    "Changes compare with the same period one year earlier. Shaded months in the charts are periods "
    "during which the service was closed.",
    fr="Chaque chiffre est lu dans les compteurs agrégés, tenus exacts à chaque enregistrement. Les "
    "contacts sont le nombre de personnes de tous les contacts enregistrés, plus les participants aux "
    "activités collectives, comme la Cité des métiers compte ses contacts. Le conseil individuel comprend "
    "le conseil à distance (téléphone, vidéo, e-mail, messagerie). Un contact peut porter sur plusieurs "
    "thèmes : les lignes par thème ne s'additionnent pas au total. Les évolutions comparent avec la même "
    "période un an plus tôt. Les zones grisées des graphiques sont les périodes de fermeture.",
    nl="Elk cijfer komt uit de geaggregeerde tellers, die bij elke registratie exact worden bijgehouden. "
    "Contacten zijn het aantal personen van alle geregistreerde contacten plus de deelnemers aan "
    "groepsactiviteiten. Individueel advies omvat advies op afstand. Een contact kan over meerdere thema's "
    "gaan: de rijen per thema tellen niet op tot het totaal. Evoluties vergelijken met dezelfde periode een "
    "jaar eerder. Grijze zones in de grafieken zijn sluitingsperiodes.",
    uk="Кожне число взято з агрегованих лічильників, які точно оновлюються під час кожного запису. "
    "Контакти — це кількість людей у всіх записаних контактах плюс учасники групових занять. "
    "Індивідуальні консультації включають дистанційні. Контакт може стосуватися кількох тем: рядки за "
    "темами не складаються в загальну суму. Зміни порівнюються з тим самим періодом роком раніше. "
    "Сірі зони на графіках — періоди закриття.",
)


def annual_sections() -> list[Any]:
    return [
        KeyFigures(
            "overview",
            T("The year in figures", fr="L'année en chiffres", nl="Het jaar in cijfers", uk="Рік у цифрах"),
            OVERVIEW,
            GROUP_SUMS,
            ADVICE_PARTS,
        ),
        Breakdown(
            "modality",
            T(
                "Contacts by service modality",
                fr="Contacts par modalité de service",
                nl="Contacten per dienstverleningsvorm",
                uk="Контакти за форматом послуги",
            ),
            "contacts.total",
            "modality",
        ),
        MonthlyChart(
            "monthly.modality",
            T(
                "Contacts by month and modality",
                fr="Contacts par mois et par modalité",
                nl="Contacten per maand en vorm",
                uk="Контакти за місяцями та форматами",
            ),
            ("contacts.total",),
            closure_scope="all",
            dim="modality",
        ),
        MonthlyChart(
            "monthly.multimedia",
            T(
                "Contacts in the multimedia area, by month",
                fr="Contacts dans l'espace multimédia, par mois",
                nl="Contacten in de multimediaruimte, per maand",
                uk="Відвідування мультимедійної зони за місяцями",
            ),
            ("multimedia.entries",),
            closure_scope="multimedia",
        ),
        MonthlyChart(
            "monthly.individual_advice",
            T(
                "Individual advice, by month",
                fr="Conseils individuels, par mois",
                nl="Individuele adviezen, per maand",
                uk="Індивідуальні консультації за місяцями",
            ),
            ("individual_advice.contacts", "individual_advice.remote"),
            closure_scope="individual_advice",
        ),
        MonthlyChart(
            "monthly.group_activities",
            T(
                "Participants in group activities, by month",
                fr="Participants aux activités collectives, par mois",
                nl="Deelnemers aan groepsactiviteiten, per maand",
                uk="Учасники групових занять за місяцями",
            ),
            ("group_activities.participants",),
            closure_scope="group_activity",
        ),
        *[Breakdown(f"profile.{dim}", title, "contacts.total", dim) for dim, title in PROFILE],
        Breakdown(
            "audience",
            T(
                "Contacts by audience",
                fr="Contacts par public",
                nl="Contacten per doelgroep",
                uk="Контакти за аудиторіями",
            ),
            "contacts.total",
            "audience",
        ),
        AudienceFigures(
            "audiences",
            T("Specific audiences", fr="Publics spécifiques", nl="Specifieke doelgroepen", uk="Окремі аудиторії"),
        ),
        KeyFigures(
            "events",
            T("Fairs and events", fr="Salons et événements", nl="Beurzen en evenementen", uk="Ярмарки та заходи"),
            ("events.contacts",),
        ),
        OnlineFigures("online", T("Online", fr="En ligne", nl="Online", uk="Онлайн")),
        Note(
            "method",
            T(
                "How these figures are counted",
                fr="Comment ces chiffres sont comptés",
                nl="Hoe deze cijfers worden geteld",
                uk="Як рахуються ці цифри",
            ),
            METHOD,
        ),
    ]


def monthly_sections() -> list[Any]:
    return [
        KeyFigures(
            "overview",
            T("The month in figures", fr="Le mois en chiffres", nl="De maand in cijfers", uk="Місяць у цифрах"),
            OVERVIEW,
            GROUP_SUMS,
            ADVICE_PARTS,
        ),
        Breakdown(
            "modality",
            T(
                "Contacts by service modality",
                fr="Contacts par modalité de service",
                nl="Contacten per dienstverleningsvorm",
                uk="Контакти за форматом послуги",
            ),
            "contacts.total",
            "modality",
        ),
        Breakdown(
            "audience",
            T(
                "Contacts by audience",
                fr="Contacts par public",
                nl="Contacten per doelgroep",
                uk="Контакти за аудиторіями",
            ),
            "contacts.total",
            "audience",
        ),
        Breakdown(
            "channel",
            T("Contacts by channel", fr="Contacts par canal", nl="Contacten per kanaal", uk="Контакти за каналами"),
            "contacts.total",
            "channel",
        ),
        Breakdown(
            "theme",
            T("Contacts by theme", fr="Contacts par thème", nl="Contacten per thema", uk="Контакти за темами"),
            "contacts.total",
            "theme",
        ),
        MonthlyChart(
            "trend",
            T(
                "The last twelve months",
                fr="Les douze derniers mois",
                nl="De laatste twaalf maanden",
                uk="Останні дванадцять місяців",
            ),
            ("contacts.total",),
            closure_scope="all",
            dim="modality",
            months=12,
        ),
        AudienceFigures(
            "audiences",
            T("Specific audiences", fr="Publics spécifiques", nl="Specifieke doelgroepen", uk="Окремі аудиторії"),
        ),
        OnlineFigures("online", T("Online", fr="En ligne", nl="Online", uk="Онлайн")),
    ]


def _people_counter(app: Any, audience: str) -> str | None:
    """The audience's counter of people (its ``<key>.reached``, else the first counting people)."""
    from tremplin.core.dimensions import people_counter

    return people_counter(app, audience)


def audience_sections(app: Any, audience: str) -> list[Any]:
    if audience not in app.registry.audiences:
        return []
    counters = tuple(k for k, c in app.registry.counters.items() if c.audience == audience)
    people = _people_counter(app, audience)
    out: list[Any] = [AudienceFigures("figures", None, exclude=(), only=(audience,), remaining=True)]
    if people:
        for dim, title in (
            (
                "modality",
                T(
                    "By service modality",
                    fr="Par modalité de service",
                    nl="Per dienstverleningsvorm",
                    uk="За форматом послуги",
                ),
            ),
            ("channel", T("By channel", fr="Par canal", nl="Per kanaal", uk="За каналом")),
            ("theme", T("By theme", fr="Par thème", nl="Per thema", uk="За темою")),
            ("gender", T("By gender", fr="Par genre", nl="Per gender", uk="За статтю")),
            ("age_band", T("By age band", fr="Par tranche d'âge", nl="Per leeftijdsgroep", uk="За віковою групою")),
            ("language", T("By language", fr="Par langue", nl="Per taal", uk="За мовою")),
        ):
            out.append(Breakdown(f"{audience}.{dim}", title, people, dim))
    # The audience's own dimensions (register_dimensions): Formtruck contacts by stop, pupils by workshop...
    from tremplin.core.dimensions import dimension_counter, of_audience

    for declared in of_audience(app, audience):
        counter = dimension_counter(app, declared)
        if counter:
            key = f"{audience}.{declared.key.removeprefix(audience + '.')}"
            out.append(Breakdown(key, declared.title or declared.label, counter, declared.key))
    if counters:
        out.append(
            MonthlyChart(
                f"{audience}.monthly",
                T("By month", fr="Par mois", nl="Per maand", uk="За місяцями"),
                counters,
                closure_scope="*",
            )
        )
    return out


@hookimpl
def register_report_sections(app: App, report: str) -> list[Any]:
    if report == "annual":
        return annual_sections()
    if report == "monthly":
        return monthly_sections()
    if report.startswith("audience:"):
        return audience_sections(app, report.split(":", 1)[1])
    return []


@hookimpl
def register_routes(app: App) -> list[Any]:
    """The report pages (``tremplin.core.reports.web``); the web app includes the same router only once."""
    from tremplin.core.reports.web import router

    return [router]
