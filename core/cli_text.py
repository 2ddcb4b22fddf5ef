"""What the ``tremplin`` command says to a person, in the operator's language.

Every confirmation, warning and error the command prints is an entry of ``MESSAGES``: a ``T(...)`` in the
four languages of the interface, keyed by name, with ``str.format`` fields (``{path}``, ``{code!r}``).
``say("import.failed", count=..., path=...)`` gives it in the language of the command. The catalogue is
Python rather than the web app's gettext catalogs: reading a ``.po`` file needs Babel, and the command must
answer ``--help`` without importing more than click. Messages that come from the rules of a record
(``tremplin.core.rules``) are the web app's, and are read from its catalogs when an error is shown.

Click's own texts (``--help``, "Missing option", "Aborted!") stay in English: they describe the command
line itself, whose option names are English too. Machine output (JSON, CSV, an API token) never changes.

The language is, in this order: the global ``--language`` option, ``TREMPLIN_LANGUAGE``, the POSIX locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``nl_BE.UTF-8`` is Dutch), else English. ``Settings.default_language``
is not used: it is the language the centre publishes in (reports, e-mails, the public pages), while the
command speaks to whoever sits at the terminal, and a terminal that states no language is most often a
server's or a container's, read by whoever administers it, in English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from tremplin.core.i18n import LANGUAGES, T, Text, french_spacing

if TYPE_CHECKING:
    from tremplin.core.rules import Problem

#: Where the chosen language is kept for the commands of one invocation (``click.Context.meta``).
META_KEY = "tremplin.language"
#: The command's language when neither the options nor the environment name one of the four.
FALLBACK = "en"
#: The environment variables of the POSIX locale that name the language of messages, strongest first.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_of_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the POSIX locale names (``uk_UA.UTF-8`` -> ``uk``), if it is one of the four.

    As for every program, the first variable that is set decides: ``LC_ALL=de_DE.UTF-8`` means German even
    with ``LANG=fr_BE.UTF-8``, and German is not spoken here, so the answer is ``None``. ``C`` and ``POSIX``
    name no language.
    """
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGUAGES else None
    return None


def choose_language(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``option`` (``--language``, or ``TREMPLIN_LANGUAGE`` that click reads for it), else the locale's, else
    English."""
    if option:
        return option.lower()
    return language_of_locale(environ) or FALLBACK


def current_language() -> str:
    """The language of the running command (what the ``tremplin`` group chose), else the environment's."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        chosen = ctx.meta.get(META_KEY)
        if chosen in LANGUAGES:
            return str(chosen)
    env_choice = os.environ.get("TREMPLIN_LANGUAGE", "").strip().lower()
    return choose_language(env_choice if env_choice in LANGUAGES else None)


def say(key: str, language: str | None = None, **values: Any) -> str:
    """The message ``key`` in ``language`` (default: the command's), its fields filled with ``values``."""
    return render(MESSAGES[key], language or current_language(), values)


def render(text: Text, language: str, values: Mapping[str, Any]) -> str:
    """``text`` in ``language``, its ``str.format`` fields filled from ``values`` (any mapping: one that keeps
    a field it lacks, as the import's messages do, leaves it for later)."""
    template = text.get(language)
    if language == "fr":
        # Before the fields are filled: a value (a path, an English detail) keeps its own punctuation.
        template = french_spacing(template)
    return template.format_map(values)


def typeset(text: str, language: str) -> str:
    """A message already in ``language``, with French typography when it is French."""
    return french_spacing(text) if language == "fr" else text


def number(value: int, language: str | None = None) -> str:
    """A whole number as the reader writes it: ``12,345`` in English, ``12 345`` in French and Ukrainian,
    ``12.345`` in Dutch."""
    lang = language or current_language()
    grouped = f"{value:,}"
    return grouped.replace(",", {"en": ",", "nl": ".", "fr": "\u202f", "uk": "\u00a0"}.get(lang, ","))


def decimal(value: float, language: str | None = None, places: int = 1) -> str:
    """A measure such as seconds as the reader writes it: ``12.3`` in English, ``12,3`` in the other three."""
    text = f"{value:.{places}f}"
    return text if (language or current_language()) == "en" else text.replace(".", ",")


def problem_message(problem: Problem, language: str | None = None) -> str:
    """A rule's message (``tremplin.core.rules``) in ``language``, from the web app's catalogs, which
    translate those rules for every way in. English keeps the detailed reason the import has always given."""
    lang = language or current_language()
    if lang == "en":
        return str(problem)
    from tremplin.core.web.i18n import BABEL_LOCALES, translator

    return typeset(problem.message(translator(lang).gettext, BABEL_LOCALES.get(lang)), lang)


def error_text(error: BaseException | str, language: str | None = None) -> str:
    """An error's message in the command's language. A ``Msg`` (the reports', the ESF+ operation's, the bot's
    and the flows' refusals, shared with the pages) is read from the web app's catalogs; anything else is said as
    it is."""
    from tremplin.core.web.i18n import Msg

    message = error.args[0] if isinstance(error, BaseException) and error.args else error
    if not isinstance(message, Msg):
        return str(message)
    lang = language or current_language()
    if lang == "en":
        return str(message)
    from tremplin.core.web.i18n import translator

    return typeset(message.translated(translator(lang).gettext), lang)


def fail_message(message: str) -> str:
    """``Error: message`` in the command's language."""
    return say("error", message=message)


def warning_message(message: str) -> str:
    return say("warning", message=message)


def translated(text: Text) -> str:
    """A domain error's translations (``Text``, as ``AdminError`` carries them) in the command's language."""
    lang = current_language()
    return typeset(text.get(lang), lang)


MESSAGES: dict[str, Text] = {
    # -- framing
    "error": T("Error: {message}", fr="Erreur : {message}", nl="Fout: {message}", uk="Помилка: {message}"),
    "warning": T(
        "Warning: {message}", fr="Attention : {message}", nl="Waarschuwing: {message}", uk="Попередження: {message}"
    ),
    "none": T("(none)", fr="(aucun)", nl="(geen)", uk="(немає)"),
    # -- init
    "init.ready": T(
        "Database ready at revision {revision}: {url}",
        fr="Base de données prête à la révision {revision} : {url}",
        nl="Databank klaar op revisie {revision}: {url}",
        uk="Базу даних готово, ревізія {revision}: {url}",
    ),
    "init.centre_created": T(
        "Created centre {code!r}",
        fr="Centre {code!r} créé",
        nl="Centrum {code!r} aangemaakt",
        uk="Створено центр {code!r}",
    ),
    "init.centre_found": T(
        "Found centre {code!r}",
        fr="Centre {code!r} trouvé",
        nl="Centrum {code!r} gevonden",
        uk="Знайдено центр {code!r}",
    ),
    "init.key_kept": T(
        "Secret key: {path} (kept)",
        fr="Clé secrète : {path} (conservée)",
        nl="Geheime sleutel: {path} (behouden)",
        uk="Секретний ключ: {path} (збережено наявний)",
    ),
    "init.key_generated": T(
        "Secret key generated: {path} (readable by its owner only)",
        fr="Clé secrète générée : {path} (lisible par son seul propriétaire)",
        nl="Geheime sleutel aangemaakt: {path} (alleen leesbaar voor de eigenaar)",
        uk="Згенеровано секретний ключ: {path} (його може читати лише власник)",
    ),
    "not_installed.plugin": T(
        "the database records revision {revisions} of a plugin branch that no installed plugin has (uninstalled "
        "plugin: {plugins}?). Reinstall the plugin and run the command again; or, if it is gone for good, run "
        "`tremplin plugins forget {plugin}`: its branch is taken out of the database's alembic_version, its tables "
        "and their rows are kept.",
        fr="la base de données mentionne la révision {revisions} d'une branche qu'aucun plugin installé ne possède "
        "(plugin désinstallé : {plugins} ?). Réinstallez le plugin et relancez la commande ; ou, s'il a disparu "
        "pour de bon, lancez `tremplin plugins forget {plugin}` : sa branche est retirée de la table alembic_version "
        "de la base de données, ses tables et leurs lignes sont conservées.",
        nl="de databank vermeldt revisie {revisions} van een tak die geen enkele geïnstalleerde plug-in heeft "
        "(verwijderde plug-in: {plugins}?). Installeer de plug-in opnieuw en voer de opdracht nogmaals uit; of, als "
        "hij definitief weg is, voer `tremplin plugins forget {plugin}` uit: zijn tak wordt uit de tabel "
        "alembic_version van de databank gehaald, zijn tabellen en hun rijen blijven bewaard.",
        uk="база даних містить ревізію {revisions} гілки, якої немає в жодному встановленому плагіні (видалений "
        "плагін: {plugins}?). Встановіть плагін знову й повторіть команду; або, якщо його прибрано назавжди, "
        "виконайте `tremplin plugins forget {plugin}`: його гілку буде вилучено з таблиці alembic_version бази "
        "даних, а його таблиці та їхні рядки залишаться.",
    ),
    "not_installed.core": T(
        "the database records revision {revisions}, which this version of Tremplin does not have (was it upgraded "
        "by a newer version?): install that version or a later one.",
        fr="la base de données mentionne la révision {revisions}, que cette version de Tremplin ne connaît pas "
        "(a-t-elle été mise à jour par une version plus récente ?) : installez cette version ou une plus récente.",
        nl="de databank vermeldt revisie {revisions}, die deze versie van Tremplin niet kent (werd ze bijgewerkt "
        "door een nieuwere versie?): installeer die versie of een latere.",
        uk="база даних містить ревізію {revisions}, якої ця версія Tremplin не має (можливо, її оновила новіша "
        "версія?): встановіть ту версію або новішу.",
    ),
    # -- demo
    "demo.web_app": T(
        "\nThe web app: http://{host}:{port}/  (the dashboard of the demo year: "
        "http://{host}:{port}/dashboard?on={year}-12-31)",
        fr="\nL'application web : http://{host}:{port}/  (le tableau de bord de l'année de démonstration : "
        "http://{host}:{port}/dashboard?on={year}-12-31)",
        nl="\nDe webapplicatie: http://{host}:{port}/  (het dashboard van het demojaar: "
        "http://{host}:{port}/dashboard?on={year}-12-31)",
        uk="\nВебзастосунок: http://{host}:{port}/  (панель демонстраційного року: "
        "http://{host}:{port}/dashboard?on={year}-12-31)",
    ),
    "demo.logins": T(
        "Log in with one of the demo logins above (username = role, password = tremplin-demo-<role>). Ctrl-C "
        "stops the server.",
        fr="Connectez-vous avec l'un des comptes de démonstration ci-dessus (nom d'utilisateur = rôle, mot de passe "
        "= tremplin-demo-<rôle>). Ctrl-C arrête le serveur.",
        nl="Meld u aan met een van de demoaccounts hierboven (gebruikersnaam = rol, wachtwoord = "
        "tremplin-demo-<rol>). Ctrl-C stopt de server.",
        uk="Увійдіть з одним із демонстраційних облікових записів вище (ім'я користувача = роль, пароль = "
        "tremplin-demo-<роль>). Ctrl-C зупиняє сервер.",
    ),
    "demo.summary.head": T(
        "Demo year {year} for {centre_name} ({centre}), scale {scale}, seed {seed}: written in {seconds} s",
        fr="Année de démonstration {year} pour {centre_name} ({centre}), échelle {scale}, graine {seed} : écrite "
        "en {seconds} s",
        nl="Demojaar {year} voor {centre_name} ({centre}), schaal {scale}, seed {seed}: geschreven in {seconds} s",
        uk="Демонстраційний рік {year} для {centre_name} ({centre}), масштаб {scale}, зерно {seed}: записано за "
        "{seconds} с",
    ),
    "demo.summary.records": T(
        "  {contacts} contact records (headcount {headcount}) and {activities} group activities ({participants} "
        "participants): {total} contacts as the centre counts them",
        fr="  {contacts} fiches de contact ({headcount} personnes) et {activities} activités de groupe "
        "({participants} participants) : {total} contacts au sens où le centre les compte",
        nl="  {contacts} contactregistraties ({headcount} personen) en {activities} groepsactiviteiten "
        "({participants} deelnemers): {total} contacten zoals het centrum ze telt",
        uk="  записів про контакти: {contacts} (осіб: {headcount}), групових заходів: {activities} (учасників: "
        "{participants}): {total} контактів за підрахунком центру",
    ),
    "demo.summary.cases": T(
        "  {cases} cases with {moves} stage moves, {referrals} referrals, {closures} closure period, {sites} sites, "
        "{partners} partners",
        fr="  {cases} dossiers et {moves} changements d'étape, {referrals} orientations, {closures} période(s) de "
        "fermeture, {sites} lieux, {partners} partenaires",
        nl="  {cases} dossiers met {moves} stapwijzigingen, {referrals} doorverwijzingen, {closures} "
        "sluitingsperiode(s), {sites} locaties, {partners} partners",
        uk="  справ: {cases}, переходів між етапами: {moves}, направлень: {referrals}, періодів закриття: "
        "{closures}, місць: {sites}, партнерів: {partners}",
    ),
    "demo.summary.shares": T(
        "  Shares: {shares}", fr="  Parts : {shares}", nl="  Delen: {shares}", uk="  Частини: {shares}"
    ),
    "demo.summary.logins": T(
        "Demo logins (username / password):",
        fr="Comptes de démonstration (nom d'utilisateur / mot de passe) :",
        nl="Demoaccounts (gebruikersnaam / wachtwoord):",
        uk="Демонстраційні облікові записи (ім'я користувача / пароль):",
    ),
    "demo.summary.existing": T(
        "(existing account, unchanged)",
        fr="(compte existant, inchangé)",
        nl="(bestaande account, ongewijzigd)",
        uk="(наявний обліковий запис, без змін)",
    ),
    # -- import
    "import.failed": T(
        "Nothing was imported: {count} problem(s) in {path}",
        fr="Rien n'a été importé : {count} problème(s) dans {path}",
        nl="Er werd niets geïmporteerd: {count} probleem(en) in {path}",
        uk="Нічого не імпортовано: у {path} виявлено проблем: {count}",
    ),
    "import.line_column": T(
        "line {line}, column {column}: {message}",
        fr="ligne {line}, colonne {column} : {message}",
        nl="regel {line}, kolom {column}: {message}",
        uk="рядок {line}, стовпець {column}: {message}",
    ),
    "import.more_problems": T(
        "... and {count} more problem(s)",
        fr="... et encore {count} problème(s)",
        nl="... en nog {count} probleem(en)",
        uk="... і ще проблем: {count}",
    ),
    "import.more": T(
        "... and {count} more", fr="... et encore {count}", nl="... en nog {count}", uk="... і ще {count}"
    ),
    "import.line": T(
        "line {line}: {message}",
        fr="ligne {line} : {message}",
        nl="regel {line}: {message}",
        uk="рядок {line}: {message}",
    ),
    "import.confirm_hint": T(
        "Counts far above the usual are listed above: correct them, or import again with --confirm.",
        fr="Des nombres bien au-dessus de l'habituel sont listés ci-dessus : corrigez-les, ou importez à nouveau "
        "avec --confirm.",
        nl="Hierboven staan aantallen die ver boven het gebruikelijke liggen: verbeter ze, of importeer opnieuw met "
        "--confirm.",
        uk="Вище наведено кількості, що значно перевищують звичайні: виправте їх або імпортуйте ще раз із --confirm.",
    ),
    "import.done": T(
        "Imported {kind} from {path}: {read} rows read, {inserted} inserted, {updated} updated, {unchanged} "
        "unchanged ({seconds} s).",
        fr="Import des {kind} depuis {path} : {read} lignes lues, {inserted} ajoutées, {updated} mises à jour, "
        "{unchanged} inchangées ({seconds} s).",
        nl="Import van {kind} uit {path}: {read} rijen gelezen, {inserted} toegevoegd, {updated} bijgewerkt, "
        "{unchanged} ongewijzigd ({seconds} s).",
        uk="Імпортовано {kind} з {path}: прочитано рядків: {read}, додано: {inserted}, оновлено: {updated}, "
        "без змін: {unchanged} ({seconds} с).",
    ),
    "import.kind.contacts": T("contacts", fr="contacts", nl="contacten", uk="контакти"),
    "import.kind.activities": T("activities", fr="activités", nl="activiteiten", uk="заходи"),
    "import.created_centres": T(
        "Created {count} centre(s): {codes}",
        fr="{count} centre(s) créé(s) : {codes}",
        nl="{count} centrum/centra aangemaakt: {codes}",
        uk="Створено центри ({count}): {codes}",
    ),
    "import.created_sites": T(
        "Created {count} site(s): {codes}",
        fr="{count} site(s) créé(s) : {codes}",
        nl="{count} vestiging(en) aangemaakt: {codes}",
        uk="Створено місця ({count}): {codes}",
    ),
    "import.ignored_columns": T(
        "Ignored column(s) this import does not know: {columns}",
        fr="Colonne(s) inconnue(s) de cet import, ignorée(s) : {columns}",
        nl="Kolom(men) die deze import niet kent, genegeerd: {columns}",
        uk="Пропущено стовпці, яких цей імпорт не знає: {columns}",
    ),
    "import.masked_notes": T(
        "Masked {count} note(s) made mostly of personal data (--strict-notes refuses them instead).",
        fr="{count} note(s) faite(s) surtout de données personnelles masquée(s) (--strict-notes les refuse plutôt).",
        nl="{count} notitie(s) die vooral uit persoonsgegevens bestaan, gemaskeerd (--strict-notes weigert ze "
        "in de plaats).",
        uk="Замасковано нотаток, що складаються переважно з персональних даних: {count} (--strict-notes натомість "
        "їх відхиляє).",
    ),
    # -- counters
    "counters.title": T("Counters {year}", fr="Compteurs {year}", nl="Tellers {year}", uk="Лічильники {year}"),
    "counters.all_years": T("all years", fr="toutes les années", nl="alle jaren", uk="за всі роки"),
    "counters.key": T("key", fr="clé", nl="sleutel", uk="ключ"),
    "counters.label": T("label", fr="libellé", nl="omschrijving", uk="назва"),
    "counters.value": T("value", fr="valeur", nl="waarde", uk="значення"),
    "counters.unknown_audience": T(
        "unknown audience {audience!r}; known: {known}",
        fr="public inconnu {audience!r} ; publics connus : {known}",
        nl="onbekende doelgroep {audience!r}; bekende: {known}",
        uk="невідома аудиторія {audience!r}; відомі: {known}",
    ),
    "counters.rebuilt": T(
        "Rebuilt the roll-up from {facts} records: {rows} rows.",
        fr="Synthèse des compteurs reconstruite à partir de {facts} enregistrements : {rows} lignes.",
        nl="Samenvatting van de tellers opnieuw opgebouwd uit {facts} registraties: {rows} rijen.",
        uk="Зведення лічильників перебудовано; записів: {facts}, рядків: {rows}.",
    ),
    "counters.same": T(
        "The counters are what the records say.",
        fr="Les compteurs correspondent aux enregistrements.",
        nl="De tellers kloppen met de registraties.",
        uk="Лічильники відповідають записам.",
    ),
    "counters.difference": T(
        "{counter} {grain} {period} centre {centre}{where}: {kept} kept, {rebuilt} from the records",
        fr="{counter} {grain} {period} centre {centre}{where} : {kept} conservé(s), {rebuilt} d'après les "
        "enregistrements",
        nl="{counter} {grain} {period} centrum {centre}{where}: {kept} bewaard, {rebuilt} volgens de registraties",
        uk="{counter} {grain} {period} центр {centre}{where}: збережено {kept}, за записами {rebuilt}",
    ),
    "counters.differ": T(
        "{count} counter figure(s) differ from the records: run `tremplin counters repair`",
        fr="{count} chiffre(s) des compteurs diffère(nt) des enregistrements : lancez `tremplin counters repair`",
        nl="{count} tellerwaarde(n) wijkt/wijken af van de registraties: voer `tremplin counters repair` uit",
        uk="Показників лічильників, що розходяться із записами: {count}; виконайте `tremplin counters repair`",
    ),
    "counters.repaired": T(
        "Repaired {count} counter figure(s).",
        fr="{count} chiffre(s) des compteurs réparé(s).",
        nl="{count} tellerwaarde(n) hersteld.",
        uk="Виправлено показників лічильників: {count}.",
    ),
    "counters.nothing_to_repair": T(
        "Nothing to repair: the counters are what the records say.",
        fr="Rien à réparer : les compteurs correspondent aux enregistrements.",
        nl="Niets te herstellen: de tellers kloppen met de registraties.",
        uk="Нічого виправляти: лічильники відповідають записам.",
    ),
    # -- partners
    "partners.not_email": T(
        "{address!r} is not an e-mail address",
        fr="{address!r} n'est pas une adresse e-mail",
        nl="{address!r} is geen e-mailadres",
        uk="{address!r} не є адресою електронної пошти",
    ),
    "partners.no_partner": T(
        "no partner {code!r} in the centre {centre!r}",
        fr="pas de partenaire {code!r} dans le centre {centre!r}",
        nl="geen partner {code!r} in het centrum {centre!r}",
        uk="у центрі {centre!r} немає партнера {code!r}",
    ),
    "partners.reminders_to": T(
        "{code}: referral reminders go to {address}",
        fr="{code} : les rappels d'orientation sont envoyés à {address}",
        nl="{code}: herinneringen over doorverwijzingen gaan naar {address}",
        uk="{code}: нагадування про направлення надходитимуть на {address}",
    ),
    "partners.no_address": T(
        "{code}: no contact address",
        fr="{code} : pas d'adresse de contact",
        nl="{code}: geen contactadres",
        uk="{code}: контактної адреси немає",
    ),
    "centres.none": T(
        "the database has no centre: run `tremplin init --centre CODE` first",
        fr="la base de données n'a aucun centre : lancez d'abord `tremplin init --centre CODE`",
        nl="de databank heeft geen centrum: voer eerst `tremplin init --centre CODE` uit",
        uk="у базі даних немає жодного центру: спершу виконайте `tremplin init --centre CODE`",
    ),
    "centres.several": T(
        "the database has {count} centres: name one ({codes})",
        fr="la base de données a {count} centres : indiquez-en un ({codes})",
        nl="de databank heeft {count} centra: geef er één op ({codes})",
        uk="у базі даних {count} центрів: вкажіть один ({codes})",
    ),
    # -- staff
    "staff.created": T(
        "Created {username} ({roles}; audiences: {audiences})",
        fr="Compte {username} créé ({roles} ; publics : {audiences})",
        nl="Account {username} aangemaakt ({roles}; doelgroepen: {audiences})",
        uk="Створено обліковий запис {username} ({roles}; аудиторії: {audiences})",
    ),
    "staff.no_account": T(
        "there is no account named {username!r}",
        fr="il n'y a pas de compte nommé {username!r}",
        nl="er is geen account met de naam {username!r}",
        uk="облікового запису з ім'ям {username!r} немає",
    ),
    "staff.no_active_account": T(
        "no active staff account named {username!r}",
        fr="pas de compte actif du personnel nommé {username!r}",
        nl="geen actief personeelsaccount met de naam {username!r}",
        uk="немає активного облікового запису працівника з ім'ям {username!r}",
    ),
    # -- plugins
    "plugins.hooks": T("hooks: {hooks}", fr="hooks : {hooks}", nl="hooks: {hooks}", uk="хуки: {hooks}"),
    "plugins.no_branch": T(
        "the database records no branch of an uninstalled plugin named {name!r}",
        fr="la base de données ne mentionne aucune branche d'un plugin désinstallé nommé {name!r}",
        nl="de databank vermeldt geen tak van een verwijderde plug-in met de naam {name!r}",
        uk="база даних не містить гілки видаленого плагіна з назвою {name!r}",
    ),
    "plugins.installed_branch": T(
        "the branch at {revisions} belongs to an installed plugin: leave the plugin out with "
        "TREMPLIN_DISABLED_PLUGINS instead (its branch is then kept where it is)",
        fr="la branche à {revisions} appartient à un plugin installé : désactivez plutôt le plugin avec "
        "TREMPLIN_DISABLED_PLUGINS (sa branche reste alors où elle est)",
        nl="de tak op {revisions} hoort bij een geïnstalleerde plug-in: schakel de plug-in in de plaats uit met "
        "TREMPLIN_DISABLED_PLUGINS (zijn tak blijft dan waar hij is)",
        uk="гілка на {revisions} належить встановленому плагіну: натомість вимкніть плагін через "
        "TREMPLIN_DISABLED_PLUGINS (тоді його гілка залишиться на місці)",
    ),
    "plugins.forget_confirm": T(
        "Forget revision {revisions} in alembic_version (the plugin's tables and rows are kept)?",
        fr="Oublier la révision {revisions} dans alembic_version (les tables du plugin et leurs lignes sont "
        "conservées) ?",
        nl="Revisie {revisions} vergeten in alembic_version (de tabellen van de plug-in en hun rijen blijven bewaard)?",
        uk="Забути ревізію {revisions} в alembic_version (таблиці плагіна та їхні рядки залишаться)?",
    ),
    "plugins.forgot": T(
        "Forgot revision {revisions}: run `tremplin init` again.",
        fr="Révision {revisions} oubliée : relancez `tremplin init`.",
        nl="Revisie {revisions} vergeten: voer `tremplin init` opnieuw uit.",
        uk="Ревізію {revisions} забуто: знову виконайте `tremplin init`.",
    ),
    # -- flows
    "flows.bad_param": T(
        "--param takes key=value, not {item!r}",
        fr="--param attend clé=valeur, pas {item!r}",
        nl="--param verwacht sleutel=waarde, niet {item!r}",
        uk="--param приймає ключ=значення, а не {item!r}",
    ),
    "flows.bad_schedule": T(
        "invalid flow schedule: {error}",
        fr="planification de flux non valide : {error}",
        nl="ongeldige planning van een flow: {error}",
        uk="неправильний розклад потоку: {error}",
    ),
    "flows.none": T(
        "No flows registered.",
        fr="Aucun flux enregistré.",
        nl="Geen flows geregistreerd.",
        uk="Жодного потоку не зареєстровано.",
    ),
    "flows.api_silent": T(
        "Last runs unknown: Prefect's API did not answer ({error})",
        fr="Dernières exécutions inconnues : l'API de Prefect n'a pas répondu ({error})",
        nl="Laatste uitvoeringen onbekend: de API van Prefect antwoordde niet ({error})",
        uk="Останні запуски невідомі: API Prefect не відповів ({error})",
    ),
    "flows.no_history": T(
        "No run recorded on this machine yet (set PREFECT_API_URL to read a Prefect server's).",
        fr="Aucune exécution enregistrée sur cette machine pour l'instant (définissez PREFECT_API_URL pour lire "
        "celles d'un serveur Prefect).",
        nl="Nog geen uitvoering geregistreerd op deze machine (stel PREFECT_API_URL in om die van een "
        "Prefect-server te lezen).",
        uk="На цій машині ще не записано жодного запуску (задайте PREFECT_API_URL, щоб читати запуски сервера "
        "Prefect).",
    ),
    "flows.never_run": T("never run", fr="jamais exécuté", nl="nooit uitgevoerd", uk="не запускався"),
    "flows.header": T(
        "NAME|AUDIENCE|SCHEDULE|PLUGIN|DESCRIPTION|LAST RUN",
        fr="NOM|PUBLIC|PLANIFICATION|PLUGIN|DESCRIPTION|DERNIÈRE EXÉCUTION",
        nl="NAAM|DOELGROEP|PLANNING|PLUG-IN|OMSCHRIJVING|LAATSTE UITVOERING",
        uk="НАЗВА|АУДИТОРІЯ|РОЗКЛАД|ПЛАГІН|ОПИС|ОСТАННІЙ ЗАПУСК",
    ),
    "flows.unknown": T(
        "unknown flow {name!r}{hint}; known: {known}",
        fr="flux inconnu {name!r}{hint} ; flux connus : {known}",
        nl="onbekende flow {name!r}{hint}; bekende: {known}",
        uk="невідомий потік {name!r}{hint}; відомі: {known}",
    ),
    "flows.did_you_mean": T(
        " (did you mean {name!r}?)",
        fr=" (vouliez-vous dire {name!r} ?)",
        nl=" (bedoelde u {name!r}?)",
        uk=" (можливо, ви мали на увазі {name!r}?)",
    ),
    "flows.failed": T(
        "flow {name!r} failed: {error}",
        fr="le flux {name!r} a échoué : {error}",
        nl="flow {name!r} mislukt: {error}",
        uk="потік {name!r} завершився помилкою: {error}",
    ),
    "flows.serving": T(
        "Serving {name} ({schedule}, {timezone})",
        fr="{name} en service ({schedule}, {timezone})",
        nl="{name} actief ({schedule}, {timezone})",
        uk="Потік {name} обслуговується ({schedule}, {timezone})",
    ),
    "flows.prefect_api": T(
        "Prefect API: {url} (its UI: {ui})",
        fr="API de Prefect : {url} (son interface : {ui})",
        nl="API van Prefect: {url} (de interface: {ui})",
        uk="API Prefect: {url} (його інтерфейс: {ui})",
    ),
    "flows.deployed": T(
        "Deployed {name} on {pool}",
        fr="{name} déployé sur {pool}",
        nl="{name} uitgerold op {pool}",
        uk="{name} розгорнуто на {pool}",
    ),
    # -- bot
    "bot.no_token": T(
        "no bot token: give --token or set TREMPLIN_TELEGRAM_TOKEN. To get one, open Telegram, talk to "
        "@BotFather (https://t.me/BotFather), send /newbot, choose a name and a username ending in 'bot'; "
        "BotFather answers with the token (123456789:AA...). Keep it secret.",
        fr="pas de jeton de bot : donnez --token ou définissez TREMPLIN_TELEGRAM_TOKEN. Pour en obtenir un, ouvrez "
        "Telegram, écrivez à @BotFather (https://t.me/BotFather), envoyez /newbot, choisissez un nom et un nom "
        "d'utilisateur qui se termine par « bot » ; BotFather répond avec le jeton (123456789:AA...). Gardez-le "
        "secret.",
        nl="geen bottoken: geef --token op of stel TREMPLIN_TELEGRAM_TOKEN in. Om er een te krijgen: open "
        "Telegram, praat met @BotFather (https://t.me/BotFather), stuur /newbot, kies een naam en een "
        "gebruikersnaam die op 'bot' eindigt; BotFather antwoordt met het token (123456789:AA...). Hou het geheim.",
        uk="немає токена бота: вкажіть --token або задайте TREMPLIN_TELEGRAM_TOKEN. Щоб отримати токен, відкрийте "
        "Telegram, напишіть @BotFather (https://t.me/BotFather), надішліть /newbot, виберіть назву та ім'я "
        "користувача, що закінчується на «bot»; BotFather відповість токеном (123456789:AA...). Зберігайте його в "
        "таємниці.",
    ),
    "bot.no_token_env": T(
        "no bot token: set TREMPLIN_TELEGRAM_TOKEN. To get one, open Telegram, talk to @BotFather "
        "(https://t.me/BotFather), send /newbot, choose a name and a username ending in 'bot'; BotFather answers "
        "with the token (123456789:AA...). Keep it secret.",
        fr="pas de jeton de bot : définissez TREMPLIN_TELEGRAM_TOKEN. Pour en obtenir un, ouvrez Telegram, écrivez "
        "à @BotFather (https://t.me/BotFather), envoyez /newbot, choisissez un nom et un nom d'utilisateur qui se "
        "termine par « bot » ; BotFather répond avec le jeton (123456789:AA...). Gardez-le secret.",
        nl="geen bottoken: stel TREMPLIN_TELEGRAM_TOKEN in. Om er een te krijgen: open Telegram, praat met "
        "@BotFather (https://t.me/BotFather), stuur /newbot, kies een naam en een gebruikersnaam die op 'bot' "
        "eindigt; BotFather antwoordt met het token (123456789:AA...). Hou het geheim.",
        uk="немає токена бота: задайте TREMPLIN_TELEGRAM_TOKEN. Щоб отримати токен, відкрийте Telegram, напишіть "
        "@BotFather (https://t.me/BotFather), надішліть /newbot, виберіть назву та ім'я користувача, що "
        "закінчується на «bot»; BotFather відповість токеном (123456789:AA...). Зберігайте його в таємниці.",
    ),
    "bot.check_no_token": T(
        "no bot token: give --token or set TREMPLIN_TELEGRAM_TOKEN",
        fr="pas de jeton de bot : donnez --token ou définissez TREMPLIN_TELEGRAM_TOKEN",
        nl="geen bottoken: geef --token op of stel TREMPLIN_TELEGRAM_TOKEN in",
        uk="немає токена бота: вкажіть --token або задайте TREMPLIN_TELEGRAM_TOKEN",
    ),
    "bot.running_polling": T(
        "Bot running (long polling){through}; Ctrl-C stops it.",
        fr="Bot en marche (long polling){through} ; Ctrl-C l'arrête.",
        nl="Bot actief (long polling){through}; Ctrl-C stopt hem.",
        uk="Бот працює (long polling){through}; Ctrl-C зупиняє його.",
    ),
    "bot.running_webhook": T(
        "Bot running on a webhook at {url}{through}; Ctrl-C stops it.",
        fr="Bot en marche sur un webhook à l'adresse {url}{through} ; Ctrl-C l'arrête.",
        nl="Bot actief op een webhook op {url}{through}; Ctrl-C stopt hem.",
        uk="Бот працює через вебхук за адресою {url}{through}; Ctrl-C зупиняє його.",
    ),
    "bot.through": T(" through {url}", fr=" via {url}", nl=" via {url}", uk=" через {url}"),
    "bot.refused": T(
        "the Bot API refused: {error}",
        fr="l'API Bot a refusé : {error}",
        nl="de Bot API weigerde: {error}",
        uk="Bot API відмовив: {error}",
    ),
    # -- serve
    "serve.default_key": T(
        "refusing to listen on {host} with the built-in secret key: run `tremplin init` (it stores a generated "
        "key) or set TREMPLIN_SECRET_KEY",
        fr="refus d'écouter sur {host} avec la clé secrète intégrée : lancez `tremplin init` (qui enregistre une "
        "clé générée) ou définissez TREMPLIN_SECRET_KEY",
        nl="weigert te luisteren op {host} met de ingebouwde geheime sleutel: voer `tremplin init` uit (dat een "
        "aangemaakte sleutel bewaart) of stel TREMPLIN_SECRET_KEY in",
        uk="відмовлено слухати на {host} із вбудованим секретним ключем: виконайте `tremplin init` (він зберігає "
        "згенерований ключ) або задайте TREMPLIN_SECRET_KEY",
    ),
    "serve.random_key": T(
        "TREMPLIN_SECRET_KEY is not set: using a random key (everyone is logged out when the server restarts).",
        fr="TREMPLIN_SECRET_KEY n'est pas défini : une clé aléatoire est utilisée (tout le monde est déconnecté "
        "au redémarrage du serveur).",
        nl="TREMPLIN_SECRET_KEY is niet ingesteld: er wordt een willekeurige sleutel gebruikt (iedereen wordt "
        "afgemeld wanneer de server herstart).",
        uk="TREMPLIN_SECRET_KEY не задано: використовується випадковий ключ (після перезапуску сервера всіх буде "
        "виведено із системи).",
    ),
    "serve.no_schema": T(
        "the database has no schema yet: run `tremplin init` first",
        fr="la base de données n'a pas encore de schéma : lancez d'abord `tremplin init`",
        nl="de databank heeft nog geen schema: voer eerst `tremplin init` uit",
        uk="база даних ще не має схеми: спершу виконайте `tremplin init`",
    ),
    "serve.behind": T(
        "the database is not at revision {revisions} yet: run `tremplin init` first",
        fr="la base de données n'est pas encore à la révision {revisions} : lancez d'abord `tremplin init`",
        nl="de databank staat nog niet op revisie {revisions}: voer eerst `tremplin init` uit",
        uk="база даних ще не на ревізії {revisions}: спершу виконайте `tremplin init`",
    ),
    "serve.bot_webhook": T(
        "The Telegram bot's updates come to /telegram/webhook.",
        fr="Les mises à jour du bot Telegram arrivent sur /telegram/webhook.",
        nl="De updates van de Telegrambot komen binnen op /telegram/webhook.",
        uk="Оновлення бота Telegram надходять на /telegram/webhook.",
    ),
    "serve.sqlite_workers": T(
        "Several workers on SQLite: writes wait for each other; PostgreSQL is the engine for several workers.",
        fr="Plusieurs workers sur SQLite : les écritures s'attendent les unes les autres ; PostgreSQL est le moteur "
        "qui convient à plusieurs workers.",
        nl="Meerdere workers op SQLite: schrijfbewerkingen wachten op elkaar; PostgreSQL is de databank voor "
        "meerdere workers.",
        uk="Кілька воркерів на SQLite: записи чекають одне на одного; для кількох воркерів потрібен PostgreSQL.",
    ),
    "serve.serving": T(
        "Serving Tremplin on http://{host}:{port}/ with {workers} worker(s); Ctrl-C stops it.",
        fr="Tremplin est servi sur http://{host}:{port}/ avec {workers} worker(s) ; Ctrl-C l'arrête.",
        nl="Tremplin draait op http://{host}:{port}/ met {workers} worker(s); Ctrl-C stopt het.",
        uk="Tremplin працює на http://{host}:{port}/, воркерів: {workers}; Ctrl-C зупиняє його.",
    ),
    # -- report, export
    "report.not_available": T(
        "this report is not available: {error}",
        fr="ce rapport n'est pas disponible : {error}",
        nl="dit rapport is niet beschikbaar: {error}",
        uk="цей звіт недоступний: {error}",
    ),
    "report.wrote": T(
        "Wrote {title} ({format}) to {target}",
        fr="{title} ({format}) écrit dans {target}",
        nl="{title} ({format}) geschreven naar {target}",
        uk="{title} ({format}) записано у {target}",
    ),
    "report.wrote_published": T(
        "Wrote {title} ({format}, published) to {target}",
        fr="{title} ({format}, publié) écrit dans {target}",
        nl="{title} ({format}, gepubliceerd) geschreven naar {target}",
        uk="{title} ({format}, для публікації) записано у {target}",
    ),
    "report.not_a_month": T(
        "{value!r} is not a month like 2025-03",
        fr="{value!r} n'est pas un mois comme 2025-03",
        nl="{value!r} is geen maand zoals 2025-03",
        uk="{value!r} не є місяцем у форматі 2025-03",
    ),
    "report.participants_published": T(
        "the per-participant file is personal data: it is never published",
        fr="le fichier par participant contient des données personnelles : il n'est jamais publié",
        nl="het bestand per deelnemer bevat persoonsgegevens: het wordt nooit gepubliceerd",
        uk="файл за учасниками містить персональні дані: його ніколи не публікують",
    ),
    "report.year_or_period": T(
        "give --year, or --from and --to",
        fr="donnez --year, ou --from et --to",
        nl="geef --year op, of --from en --to",
        uk="вкажіть --year або --from і --to",
    ),
    "report.year_and_period": T(
        "give --year, or --from and --to, not both",
        fr="donnez --year, ou --from et --to, pas les deux",
        nl="geef --year op, of --from en --to, niet allebei",
        uk="вкажіть --year або --from і --to, але не все разом",
    ),
    "export.csv_only": T(
        "only CSV goes to standard output",
        fr="seul le CSV peut aller vers la sortie standard",
        nl="alleen CSV kan naar de standaarduitvoer",
        uk="на стандартний вивід можна писати лише CSV",
    ),
    "export.wrote": T(
        "Wrote {count} contacts to {out}",
        fr="{count} contacts écrits dans {out}",
        nl="{count} contacten geschreven naar {out}",
        uk="Контакти ({count}) записано у {out}",
    ),
}
