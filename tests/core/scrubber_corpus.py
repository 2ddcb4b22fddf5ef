"""A corpus of career-guidance notes in French, Dutch, English and Ukrainian, each annotated with the
personal-data strings it contains: what the scrubber chain is measured on (``bench/bench_scrubber.py``)
and held to (``tests/core/test_scrubber_corpus.py``).

Deterministic: the same seed gives the same notes. A note reads like what a counsellor types after an
interview: themes, courses and their codes, partners, appointment dates around the note's own date,
amounts, hours, counts; about half of the notes also carry personal data typed in the ways it is
typed (with or without a cue word, obfuscated e-mails, numbers without ``+``...).

Write it out for reading with ``python -m tests.core.scrubber_corpus --out corpus.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

LANGUAGES = ("fr", "nl", "en", "uk")


@dataclass
class Note:
    language: str
    day: date
    text: str
    #: Each personal-data string typed in the note, with its kind (``phone``, ``name``...).
    personal: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Identifiers with valid check digits


def iban(rng: random.Random, country: str) -> str:
    lengths = {"BE": 12, "FR": 23, "NL": 14, "DE": 18, "UA": 25, "LU": 16, "ES": 20, "IT": 23, "PL": 24}
    if country == "NL":
        bban = rng.choice(["ABNA", "INGB", "RABO"]) + "".join(rng.choice("0123456789") for _ in range(10))
    elif country == "IT":
        bban = "X" + "".join(rng.choice("0123456789") for _ in range(22))
    elif country == "BE":
        body = rng.randrange(10**9, 10**10)
        bban = f"{body:010d}{(body % 97) or 97:02d}"
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(lengths[country]))
    numeric = "".join(str(int(ch, 36)) for ch in (bban + country + "00"))
    compact = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return compact


def national_number(rng: random.Random, born: date) -> str:
    body = f"{born:%y%m%d}{rng.randrange(1, 998):03d}"
    base = int(("2" if born.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


def be_mobile(rng: random.Random) -> str:
    return f"4{rng.choice('6789')}{rng.randrange(0, 10)}{rng.randrange(0, 10**6):06d}"


def be_landline(rng: random.Random) -> str:
    return f"2{rng.randrange(200, 800)}{rng.randrange(0, 10**4):04d}"


# --------------------------------------------------------------------------------------------------
# Vocabulary

FIRST = {
    "fr": [
        "Jean",
        "Marie",
        "Fatima",
        "Mohamed",
        "Sophie",
        "Karim",
        "Aïcha",
        "Julien",
        "Nadia",
        "Youssef",
        "Camille",
        "Thomas",
        "Amina",
        "Nicolas",
        "Sarah",
        "Mehdi",
        "Laura",
        "Ibrahim",
        "Chloé",
        "Antoine",
        "Samira",
        "Kevin",
        "Mélanie",
        "Rachid",
        "Inès",
        "Pierre",
        "Manon",
        "Hamza",
        "Élodie",
        "Bilal",
        # Names given in Central Africa, which the shipped list lacks: what the figures miss is in the corpus too.
        "Merveille",
        "Exaucé",
        "Bienvenu",
        "Gloire",
    ],
    "nl": [
        "Jan",
        "Pieter",
        "Lotte",
        "Wout",
        "Sanne",
        "Bram",
        "Anouk",
        "Lars",
        "Femke",
        "Jeroen",
        "Lies",
        "Tom",
        "Eline",
        "Joris",
        "Hanne",
        "Stijn",
        "Nele",
        "Dries",
        "Ilse",
        "Maarten",
        "Yasmina",
        "Ayoub",
        "Elif",
        "Mustafa",
        "Emre",
        "Zeynep",
        "Koen",
        "Griet",
        "Bert",
        "Annelies",
    ],
    "en": [
        "Sarah",
        "John",
        "Emily",
        "James",
        "Olivia",
        "Daniel",
        "Grace",
        "Michael",
        "Hannah",
        "David",
        "Chloe",
        "Ryan",
        "Jessica",
        "Andrew",
        "Rebecca",
        "Samuel",
        "Amira",
        "Omar",
        "Priya",
        "Joseph",
        "Natalia",
        "Thomas",
        "Lucy",
        "Adam",
        "Ella",
    ],
    "uk": [
        "Олена",
        "Іван",
        "Наталія",
        "Андрій",
        "Оксана",
        "Дмитро",
        "Ірина",
        "Сергій",
        "Тетяна",
        "Олександр",
        "Марія",
        "Юлія",
        "Віктор",
        "Анна",
        "Максим",
        "Катерина",
        "Богдан",
        "Світлана",
        "Юрій",
        "Галина",
    ],
}
LAST = {
    "fr": [
        "Dupont",
        "Lambert",
        "El_Amrani",
        "Benali",
        "Dubois",
        "Martin",
        "Leroy",
        "Mertens",
        "Ouali",
        "Diallo",
        "Moreau",
        "Laurent",
        "Haddad",
        "Bakkali",
        "Simon",
        "Renard",
        "Nguyen",
        "Kaya",
        "Lefèvre",
        "Bernard",
        "Mbuyi",
        "Kabongo",
        "Tshibangu",
    ],
    "nl": [
        "Janssens",
        "Peeters",
        "Maes",
        "Jacobs",
        "Mertens",
        "Willems",
        "Claes",
        "Goossens",
        "Wouters",
        "De_Smet",
        "Van_den_Bossche",
        "Vermeulen",
        "Yilmaz",
        "Demir",
        "Hermans",
        "Aerts",
        "Pauwels",
        "Verstraeten",
        "Van_Damme",
    ],
    "en": [
        "Smith",
        "O'Connor",
        "Johnson",
        "Williams",
        "Brown",
        "Taylor",
        "Wilson",
        "Evans",
        "Thompson",
        "Walker",
        "Patel",
        "Khan",
        "Murphy",
        "Kelly",
        "Roberts",
        "Hughes",
        "Edwards",
    ],
    "uk": [
        "Коваленко",
        "Шевченко",
        "Бондаренко",
        "Ткаченко",
        "Кравченко",
        "Олійник",
        "Мельник",
        "Поліщук",
        "Савченко",
        "Руденко",
        "Лисенко",
        "Мороз",
        "Гончаренко",
        "Петренко",
    ],
}
# Surnames of several words keep their particles together.
LAST = {language: [name.replace("_", " ") for name in names] for language, names in LAST.items()}
LATIN_UK = {
    "first": [
        "Olena",
        "Ivan",
        "Nataliia",
        "Andrii",
        "Oksana",
        "Dmytro",
        "Iryna",
        "Serhii",
        "Tetiana",
        "Oleksandr",
        "Yuliia",
        "Viktor",
    ],
    "last": [
        "Kovalenko",
        "Shevchenko",
        "Bondarenko",
        "Tkachenko",
        "Kravchenko",
        "Oliinyk",
        "Melnyk",
        "Polishchuk",
        "Savchenko",
    ],
}

STREETS = {
    "fr": [
        "rue de la Loi",
        "rue Haute",
        "avenue Louise",
        "chaussée d'Ixelles",
        "rue des Palais",
        "boulevard Anspach",
        "rue de Mérode",
        "avenue de la Couronne",
        "chaussée de Gand",
        "rue Royale",
        "place Flagey",
        "rue du Midi",
    ],
    "nl": [
        "Kerkstraat",
        "Stationsstraat",
        "Molenstraat",
        "Brusselsesteenweg",
        "Koning Albertlaan",
        "Vlaanderenstraat",
        "Dorpstraat",
        "Leopoldlaan",
        "Nieuwstraat",
        "Marktplein",
        "Ninoofsesteenweg",
    ],
    "en": ["rue de la Loi", "avenue Louise", "Kerkstraat", "chaussée de Wavre", "rue Belliard", "Stationsstraat"],
    "uk": ["вул. Хрещатик,", "вулиця Шевченка", "вул. Франка", "проспект Перемоги", "вулиця Сагайдачного,"],
}
CITIES = [
    "1000 Bruxelles",
    "1030 Schaerbeek",
    "1080 Molenbeek-Saint-Jean",
    "1070 Anderlecht",
    "1210 Saint-Josse-ten-Noode",
    "1050 Ixelles",
    "1190 Forest",
    "1020 Laken",
    "2000 Antwerpen",
    "9000 Gent",
]
DOMAINS = [
    "gmail.com",
    "hotmail.com",
    "outlook.be",
    "telenet.be",
    "skynet.be",
    "yahoo.fr",
    "ukr.net",
    "proximus.be",
    "example.be",
]

MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "uk": [
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ],
}

PARTNERS = {
    "fr": [
        "Actiris",
        "Bruxelles Formation",
        "le CPAS d'Anderlecht",
        "la Mission Locale de Molenbeek",
        "JobYourself",
        "le Forem",
        "l'Agence Locale pour l'Emploi",
        "Infor Jeunes",
        "la Maison de l'Emploi de Schaerbeek",
        "le service d'insertion socioprofessionnelle",
        "Interface3",
        "l'asbl Lire et Écrire",
        "le SIEP",
        "l'Athénée Royal Jean Absil",
        "le Lycée Émile Jacqmain",
        "l'Institut Saint-Louis",
        "la Haute École Francisco Ferrer",
    ],
    "nl": [
        "VDAB",
        "Actiris",
        "Tracé Brussel",
        "Syntra Brussel",
        "het Huis van het Nederlands",
        "het OCMW van Brussel",
        "de Werkwinkel",
        "CVO Brussel",
        "Groep Intro",
        "JES vzw",
        "Atheneum Koninklijk Lucas Munnich",
        "Erasmushogeschool",
        "het Sint-Guido-Instituut",
        "Mentor-Escale",
    ],
    "en": [
        "Actiris",
        "Bruxelles Formation",
        "VDAB",
        "the Brussels CPAS",
        "the European School",
        "BeCode",
        "Interface3",
        "the Vrije Universiteit Brussel",
        "the Red Cross",
        "Fedasil",
        "the International School",
        "Solvay Business School",
    ],
    "uk": [
        "Actiris",
        "Bruxelles Formation",
        "Червоний Хрест",
        "Fedasil",
        "CPAS",
        "VDAB",
        "Український дім",
        "BeCode",
        "Huis van het Nederlands",
        "Caritas",
    ],
}
EMPLOYERS = [
    "Delhaize Ixelles",
    "Colruyt Anderlecht",
    "Brussels Airport",
    "la STIB",
    "De Lijn",
    "Carrefour Evere",
    "Bruxelles-Propreté",
    "Proximus",
    "Sodexo",
    "ISS Facility Services",
    "Randstad",
    "Adecco",
    "Decathlon Evere",
    "IKEA Anderlecht",
    "Infrabel",
    "Sibelga",
    "Vivaqua",
    "UZ Brussel",
    "CHU Saint-Pierre",
    "Hôpital Erasme",
    "Albert Heijn Jette",
]
THEMES = {
    "fr": [
        "recherche d'emploi",
        "reprise d'études",
        "validation des compétences",
        "équivalence de diplôme",
        "CV et lettre",
        "orientation professionnelle",
        "création d'entreprise",
        "formation qualifiante",
        "stage en entreprise",
        "apprentissage du néerlandais",
        "bilan de compétences",
        "entretien d'embauche",
        "contrat d'insertion",
    ],
    "nl": [
        "werk zoeken",
        "opnieuw studeren",
        "erkenning van competenties",
        "diplomagelijkschakeling",
        "cv en motivatiebrief",
        "beroepsoriëntatie",
        "ondernemen",
        "opleiding",
        "stage",
        "Nederlands leren",
        "sollicitatiegesprek",
        "loopbaanbegeleiding",
    ],
    "en": [
        "job search",
        "going back to school",
        "skills validation",
        "diploma recognition",
        "CV and cover letter",
        "career guidance",
        "starting a business",
        "vocational training",
        "an internship",
        "learning Dutch",
        "job interviews",
    ],
    "uk": [
        "пошук роботи",
        "визнання диплома",
        "навчання",
        "курси французької",
        "курси нідерландської",
        "резюме",
        "професійна орієнтація",
        "стажування",
        "власна справа",
        "співбесіда",
    ],
}
COURSES = {
    "fr": [
        "Aide-comptable",
        "Développeur web",
        "Électricien résidentiel",
        "Aide-soignant",
        "Commis de cuisine",
        "Technicien PC-Réseaux",
        "Employé administratif",
        "Magasinier cariste",
        "Gestion de projet",
        "Excel avancé",
    ],
    "nl": [
        "Boekhouder",
        "Webontwikkelaar",
        "Elektricien",
        "Zorgkundige",
        "Keukenmedewerker",
        "Heftruckchauffeur",
        "Administratief bediende",
        "Logistiek medewerker",
        "Digitale vaardigheden",
        "NT2 Richtgraad 2",
    ],
    "en": [
        "Accounting Assistant",
        "Web Developer",
        "Data Analyst",
        "Care Assistant",
        "Forklift Driver",
        "Office Assistant",
        "Project Management",
        "Advanced Excel",
        "Cloud Fundamentals",
    ],
    "uk": ["Бухгалтер", "Веброзробник", "Електрик", "Помічник медсестри", "Кухар", "Адміністратор", "Логіст"],
}


def course_code(rng: random.Random) -> str:
    return rng.choice(
        [
            f"BF-{rng.randrange(2023, 2027)}-{rng.randrange(100, 999)}",
            f"NT2-{rng.choice(['A1', 'A2', 'B1', 'B2'])}.{rng.randrange(1, 4)}",
            f"CQ-{rng.randrange(1000, 9999)}",
            f"MOD{rng.randrange(10, 99)}",
            f"VDAB-{rng.randrange(10000, 99999)}",
            f"FLE {rng.choice(['A1', 'A2', 'B1'])}",
            f"ISCO {rng.randrange(1000, 9999)}",
        ]
    )


def amount(rng: random.Random, lang: str) -> str:
    value = rng.choice([rng.randrange(50, 400), rng.randrange(800, 2600), rng.randrange(10, 90) * 50])
    text = f"{value:,}".replace(",", " ")
    if lang == "en":
        return rng.choice([f"EUR {value:,}", f"€{value}", f"{text} EUR"])
    return rng.choice(
        [f"{text} EUR", f"{text} €", f"{value},00 €", f"{text} euros" if lang == "fr" else f"{text} euro"]
    )


def day_text(rng: random.Random, lang: str, d: date) -> str:
    """A date in one of the ways it is typed in that language."""
    month = MONTHS[lang][d.month - 1]
    forms = [f"{d:%d/%m/%Y}", f"{d:%d.%m.%Y}", f"{d.day} {month} {d.year}", f"{d:%Y-%m-%d}"]
    if lang == "en":
        forms.append(f"{month} {d.day}, {d.year}")
    if lang == "nl":
        forms.append(f"{d:%d-%m-%Y}")
    return rng.choice(forms)


def hour(rng: random.Random, lang: str) -> str:
    h, m = rng.randrange(8, 18), rng.choice([0, 15, 30, 45])
    return f"{h}h{m:02d}" if lang == "fr" and rng.random() < 0.5 else f"{h:02d}:{m:02d}"


# --------------------------------------------------------------------------------------------------
# Clean sentences: what a counsellor writes about the situation


def clean_sentence(rng: random.Random, lang: str, today: date) -> str:
    soon = today + timedelta(days=rng.randrange(1, 60))
    past = today - timedelta(days=rng.randrange(1, 300))
    p, t, c = rng.choice(PARTNERS[lang]), rng.choice(THEMES[lang]), rng.choice(COURSES[lang])
    code, money, h, n = course_code(rng), amount(rng, lang), hour(rng, lang), rng.randrange(2, 15)
    year = rng.randrange(today.year - 8, today.year)
    d_soon, d_past = day_text(rng, lang, soon), day_text(rng, lang, past)
    options = {
        "fr": [
            f"Entretien sur {t} ; prochain rendez-vous le {d_soon} à {h}.",
            f"Inscrite à la formation {c} ({code}) chez {p}, début le {d_soon}.",
            f"Orientée vers {p} pour {t}.",
            f"Reçoit {money} par mois du CPAS, cherche un emploi à mi-temps.",
            f"En Belgique depuis {year}, diplôme de bachelier obtenu au Maroc, équivalence demandée le {d_past}.",
            f"A envoyé {n} candidatures depuis le {d_past}, {rng.randrange(1, 4)} entretiens prévus.",
            f"Frais d'inscription de {money} pris en charge par {p}.",
            f"Atelier CV collectif avec {n} participants, module {code} de {h} à {hour(rng, lang)}.",
            f"Souhaite devenir {c.lower()} ; test d'entrée le {d_soon}.",
            f"Contrat d'intérim terminé le {d_past}, chômage depuis {rng.randrange(2, 18)} mois.",
            f"Reprendre contact avec {p} avant le {d_soon}.",
            f"Niveau de français B1, cours de néerlandais {code} le mardi et le jeudi.",
            f"Stage chez {rng.choice(EMPLOYERS)} ; Le Bus Emploi passe à la Gare du Midi le {d_soon}.",
            f"Piste : {rng.choice(EMPLOYERS)} recrute des {c.lower()}s, envoyer le CV via LinkedIn avant le {d_soon}.",
        ],
        "nl": [
            f"Gesprek over {t}; volgende afspraak op {d_soon} om {h}.",
            f"Ingeschreven voor de opleiding {c} ({code}) bij {p}, start op {d_soon}.",
            f"Doorverwezen naar {p} voor {t}.",
            f"Krijgt {money} per maand van het OCMW en zoekt deeltijds werk.",
            f"Sinds {year} in België, diploma behaald in Turkije, gelijkschakeling aangevraagd op {d_past}.",
            f"Heeft {n} sollicitaties verstuurd sinds {d_past}, {rng.randrange(1, 4)} gesprekken gepland.",
            f"Inschrijvingsgeld van {money} betaald door {p}.",
            f"Groepssessie cv met {n} deelnemers, module {code} van {h} tot {hour(rng, lang)}.",
            f"Wil {c.lower()} worden; toelatingsproef op {d_soon}.",
            f"Interimcontract afgelopen op {d_past}, werkloos sinds {rng.randrange(2, 18)} maanden.",
            f"Contact opnemen met {p} voor {d_soon}.",
            f"Niveau Nederlands A2, les {code} op dinsdag en donderdag.",
            f"Stage bij {rng.choice(EMPLOYERS)}; Jobhuis Anderlecht en de Leerwinkel Brussel volgen op {d_soon}.",
            f"Mogelijkheid: {rng.choice(EMPLOYERS)} zoekt {c.lower()}s, cv via LinkedIn voor {d_soon}.",
        ],
        "en": [
            f"Interview about {t}; next appointment on {d_soon} at {h}.",
            f"Enrolled in the {c} course ({code}) at {p}, starting on {d_soon}.",
            f"Referred to {p} for {t}.",
            f"Receives {money} a month in benefits and is looking for part-time work.",
            f"In Belgium since {year}, degree obtained in Syria, recognition requested on {d_past}.",
            f"Sent {n} applications since {d_past}, {rng.randrange(1, 4)} interviews planned.",
            f"Registration fee of {money} covered by {p}.",
            f"Group CV workshop with {n} participants, module {code} from {h} to {hour(rng, lang)}.",
            f"Wants to become a {c.lower()}; entrance test on {d_soon}.",
            f"Temporary contract ended on {d_past}, unemployed for {rng.randrange(2, 18)} months.",
            f"Follow up with {p} before {d_soon}.",
            f"French level B1, Dutch lessons {code} on Tuesdays and Thursdays.",
            f"Internship at {rng.choice(EMPLOYERS)}; Google Career Certificates and LinkedIn Learning suggested.",
            f"Lead: {rng.choice(EMPLOYERS)} is hiring, apply through Microsoft Teams interview before {d_soon}.",
        ],
        "uk": [
            f"Розмова про {t}; наступна зустріч {d_soon} о {h}.",
            f"Записана на курс «{c}» ({code}) у {p}, початок {d_soon}.",
            f"Направлена до {p}: {t}.",
            f"Отримує {money} на місяць, шукає роботу на пів ставки.",
            f"У Бельгії з {year} року, диплом з Харкова, визнання подано {d_past}.",
            f"Надіслала {n} резюме з {d_past}, заплановано {rng.randrange(1, 4)} співбесіди.",
            f"Реєстраційний внесок {money} оплачує {p}.",
            f"Групове заняття з резюме, {n} учасників, модуль {code} з {h} до {hour(rng, lang)}.",
            f"Хоче працювати як {c.lower()}; вступний тест {d_soon}.",
            f"Тимчасовий захист до {d_soon}, шукає житло та роботу.",
            f"Зв'язатися з {p} до {d_soon}.",
            f"Рівень французької A2, курси {code} у вівторок і четвер.",
            f"Стажування в {rng.choice(EMPLOYERS)}; раніше працювала в Києві та Харкові.",
            f"Вакансія: {rng.choice(EMPLOYERS)} шукає працівників, резюме через LinkedIn до {d_soon}.",
        ],
    }
    return rng.choice(options[lang])


# --------------------------------------------------------------------------------------------------
# Personal data, as it gets typed

Maker = Callable[[random.Random, str, date], tuple[str, str, str]]


def _name(rng: random.Random, lang: str) -> str:
    if lang == "uk" and rng.random() < 0.3:
        first, last = rng.choice(LATIN_UK["first"]), rng.choice(LATIN_UK["last"])
    else:
        first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
    return rng.choice([f"{first} {last}"] * 4 + [f"{last.upper()} {first}", f"{first} {last.upper()}"])


def decline_uk(first: str, last: str, case: str) -> str:
    """A Ukrainian first and last name in the genitive (``gen``) or instrumental (``ins``) case, as a
    sentence needs it ("Справу Олени Коваленко", "Розмова з Андрієм Мельником")."""
    female = first.endswith(("а", "я"))
    if first.endswith("ія"):
        first = first[:-1] + ("ї" if case == "gen" else "єю")
    elif first.endswith("а"):
        first = first[:-1] + ("и" if case == "gen" else "ою")
    elif first.endswith("й"):
        first = first[:-1] + ("я" if case == "gen" else "єм")
    elif first.endswith("о"):
        first = first[:-1] + ("а" if case == "gen" else "ом")
    else:
        first += "а" if case == "gen" else "ом"
    if not female:  # women's surnames in -енко, -ук, -ик stay as they are
        last = (last[:-1] if last.endswith("о") else last) + ("а" if case == "gen" else "ом")
    return f"{first} {last}"


def make_name(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    if lang == "uk" and rng.random() < 0.5:
        first, last = rng.choice(FIRST["uk"]), rng.choice(LAST["uk"])
        case, frame = rng.choice(
            [("gen", "Справу {v} передано."), ("ins", "Розмова з {v} на рецепції."), ("ins", "Прийшла разом з {v}.")]
        )
        value = decline_uk(first, last, case)
        return frame.format(v=value), value, "name"
    value = _name(rng, lang)
    frame = {
        "fr": [
            "{v} est venue pour la première fois.",
            "Accompagnée de {v}.",
            "Vu {v} à l'accueil.",
            "Dossier de {v} transmis.",
        ],
        "nl": [
            "{v} kwam voor het eerst.",
            "Samen met {v} gekomen.",
            "Gesprek met {v} aan het onthaal.",
            "Dossier van {v} doorgestuurd.",
        ],
        "en": [
            "{v} came for the first time.",
            "Came with {v}.",
            "Met {v} at the reception desk.",
            "File of {v} sent on.",
        ],
        "uk": ["{v} прийшла вперше.", "{v} звернулася до центру.", "Телефонувала {v}."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "name"


def make_phone(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    mobile, fixed = be_mobile(rng), be_landline(rng)
    m = f"{mobile[:3]} {mobile[3:5]} {mobile[5:7]} {mobile[7:]}"
    value = rng.choice(
        [
            f"0{m}",
            f"0{mobile[:3]}/{mobile[3:5]}.{mobile[5:7]}.{mobile[7:]}",
            f"+32 {m}",
            f"32 {m}",
            f"0032 {m}",
            f"0{mobile}",
            f"+32{mobile}",
            f"0{fixed[0]} {fixed[1:4]} {fixed[4:6]} {fixed[6:]}",
            f"+32 (0){m}",
            f"+380 {rng.choice(['67', '50', '63', '93'])} {rng.randrange(100, 999)} "
            f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            f"380{rng.choice(['67', '50', '97'])}{rng.randrange(1000000, 9999999)}",
            f"+33 6 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            f"0{mobile[:3]}-{mobile[3:5]}-{mobile[5:7]}-{mobile[7:]}",
            f"0{mobile[:3]} {mobile[3:6]} {mobile[6:]}",
        ]
    )
    frame = {
        "fr": ["Joignable au {v} le matin.", "GSM : {v}.", "Rappeler au {v}.", "Son numéro {v}, pas de WhatsApp."],
        "nl": ["Bereikbaar op {v} in de voormiddag.", "GSM: {v}.", "Terugbellen op {v}.", "Nummer {v}, geen WhatsApp."],
        "en": ["Reachable on {v} in the morning.", "Mobile: {v}.", "Call back on {v}.", "Number {v}, no WhatsApp."],
        "uk": ["Телефон {v}, зранку.", "Мобільний: {v}.", "Передзвонити на {v}.", "Номер {v}, є Viber."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "phone"


def make_email(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    src = LATIN_UK if lang == "uk" else {"first": FIRST[lang], "last": LAST[lang]}
    first = re.sub(r"[^a-z]", "", rng.choice(src["first"]).lower().translate(str.maketrans("ïéèçë", "ieece"))) or "info"
    last = (
        re.sub(r"[^a-z]", "", rng.choice(src["last"]).lower().translate(str.maketrans("ïéèçë", "ieece"))) or "contact"
    )
    user, domain = (
        rng.choice([f"{first}.{last}", f"{first}{rng.randrange(1, 99)}", f"{first[0]}{last}"]),
        rng.choice(DOMAINS),
    )
    host, tld = domain.rsplit(".", 1)
    value = rng.choice(
        [
            f"{user}@{domain}",
            f"{user}[at]{host}[dot]{tld}",
            f"{user} at {host} dot {tld}",
            f"{user}＠{domain}",
            f"{user}(at){domain}",
            f"{user} [at] {host} [dot] {tld}",
            f"{user.upper()}@{domain.upper()}",
            f"{user} @ {domain}",
        ]
    )
    frame = {
        "fr": ["Mail : {v}", "Écrire à {v} pour la suite.", "Son adresse {v}."],
        "nl": ["Mail: {v}", "Mailen naar {v} voor de opvolging.", "Haar adres {v}."],
        "en": ["Email: {v}", "Write to {v} to follow up.", "Her address {v}."],
        "uk": ["Пошта: {v}", "Написати на {v}.", "Адреса {v}."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "email"


def make_iban(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    compact = iban(rng, rng.choice(["BE"] * 5 + ["FR", "NL", "DE", "UA", "LU", "ES", "IT", "PL"]))
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    value = rng.choice([grouped, grouped, compact, grouped.replace(" ", "-"), grouped.lower()])
    frame = {
        "fr": ["Compte {v} pour l'allocation.", "IBAN : {v}.", "Virement sur le {v}."],
        "nl": ["Rekening {v} voor de premie.", "IBAN: {v}.", "Overschrijving naar {v}."],
        "en": ["Account {v} for the allowance.", "IBAN: {v}.", "Transfer to {v}."],
        "uk": ["Рахунок {v} для виплати.", "IBAN: {v}.", "Переказ на {v}."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "iban"


def _birth(rng: random.Random, today: date) -> date:
    return today - timedelta(days=rng.randrange(16 * 365, 60 * 365))


def make_national_number(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    n = national_number(rng, _birth(rng, today))
    value = rng.choice(
        [
            n,
            f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:9]}.{n[9:]}",
            f"{n[:6]}-{n[6:9]}-{n[9:]}",
            f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:9]} {n[9:]}",
        ]
    )
    frame = {
        "fr": ["NISS {v}.", "Numéro national : {v}", "Registre national {v}, carte A."],
        "nl": ["INSZ {v}.", "Rijksregisternummer: {v}", "RRN {v}, A-kaart."],
        "en": ["National number {v}.", "NISS: {v}", "Registry number {v}."],
        "uk": ["Національний номер {v}.", "NISS: {v}", "Номер {v}."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "national_number"


def make_birth_date(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    value = day_text(rng, lang, _birth(rng, today))
    cue = rng.random() < 0.35
    frame = {
        "fr": ["Née le {v}.", "Date de naissance : {v}."]
        if cue
        else ["{v}, arrivée en 2019.", "Dossier ouvert : {v}.", "({v})"],
        "nl": ["Geboren op {v}.", "Geboortedatum: {v}."]
        if cue
        else ["{v}, aangekomen in 2019.", "Gegevens: {v}.", "({v})"],
        "en": ["Born on {v}.", "Date of birth: {v}."] if cue else ["{v}, arrived in 2019.", "Details: {v}.", "({v})"],
        "uk": ["Народилася {v}.", "Дата народження: {v}."] if cue else ["{v}, приїхала у 2022.", "Дані: {v}.", "({v})"],
    }[lang]
    return rng.choice(frame).format(v=value), value, "birth_date"


def make_address(rng: random.Random, lang: str, today: date) -> tuple[str, str, str]:
    street, number = rng.choice(STREETS[lang]), rng.randrange(1, 250)
    value = f"{street} {number}"
    if rng.random() < 0.3 and lang != "uk":
        value += rng.choice([" bte 3", " bus 12", f", {rng.choice(CITIES)}"])
    frame = {
        "fr": ["Habite {v} depuis 2020.", "Domicile : {v}.", "Nouvelle adresse {v}."],
        "nl": ["Woont {v} sinds 2020.", "Adres: {v}.", "Verhuisd naar {v}."],
        "en": ["Lives at {v} since 2020.", "Address: {v}.", "Moved to {v}."],
        "uk": ["Проживає: {v}.", "Адреса: {v}.", "Жила за адресою {v}."],
    }[lang]
    return rng.choice(frame).format(v=value), value, "address"


MAKERS: list[Maker] = [
    make_name,
    make_name,
    make_phone,
    make_email,
    make_iban,
    make_national_number,
    make_birth_date,
    make_birth_date,
    make_address,
]


# --------------------------------------------------------------------------------------------------


def corpus(notes_per_language: int = 130, seed: int = 2026) -> list[Note]:
    """The corpus: ``notes_per_language`` notes in each language, the same for the same seed."""
    rng = random.Random(seed)
    out: list[Note] = []
    for lang in LANGUAGES:
        for _ in range(notes_per_language):
            today = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 730))
            parts = [clean_sentence(rng, lang, today) for _ in range(rng.randrange(1, 4))]
            personal: list[tuple[str, str]] = []
            if rng.random() < 0.6:
                for _ in range(rng.randrange(1, 4)):
                    sentence, value, kind = rng.choice(MAKERS)(rng, lang, today)
                    parts.insert(rng.randrange(0, len(parts) + 1), sentence)
                    personal.append((value, kind))
            out.append(Note(lang, today, " ".join(parts), personal))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-language", type=int, default=130)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.writelines(
            json.dumps(
                {"language": note.language, "day": note.day.isoformat(), "text": note.text, "personal": note.personal},
                ensure_ascii=False,
            )
            + "\n"
            for note in corpus(args.per_language)
        )


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------------------------------
# Measuring a chain on the corpus

_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def _compact(value: str) -> str:
    return re.sub(r"[\W_]", "", value).lower()


def caught(value: str, kind: str, output: str) -> bool:
    """Whether ``value`` is gone from ``output``: not as typed, nor its digits or letters run together, nor
    (for a name) its surname."""
    if value in output or value.lower() in output.lower():
        return False
    if sum(ch.isdigit() for ch in value) >= 6 and _compact(value) in _compact(output):
        return False
    if kind == "email" and _compact(value.split("@")[0].split("[")[0].split("(")[0].split(" ")[0]) in _compact(output):
        return False
    if kind == "name":
        words = [w for w in _WORD_RE.findall(value) if len(w) > 2]
        surname = max(words, key=len)
        if re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", output, re.IGNORECASE):
            return False
    return True


@dataclass
class Score:
    personal: int = 0
    caught: int = 0
    clean_words: int = 0
    kept_words: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    missed: list[tuple[str, str, str]] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)

    @property
    def caught_share(self) -> float:
        return self.caught / self.personal if self.personal else 1.0

    @property
    def kept_share(self) -> float:
        return self.kept_words / self.clean_words if self.clean_words else 1.0


def clean_words(note: Note) -> list[str]:
    """The words of a note that are not part of its personal data."""
    spans: list[tuple[int, int]] = []
    for value, _ in note.personal:
        spans += [m.span() for m in re.finditer(re.escape(value), note.text)]
    return [
        m.group(0) for m in _WORD_RE.finditer(note.text) if not any(a < m.end() and m.start() < b for a, b in spans)
    ]


def score(notes: list[Note], scrub: Callable[[str, date], str]) -> Score:
    """How much personal data ``scrub(text, day)`` removes from the notes, and how many clean words it keeps."""
    from collections import Counter

    result = Score()
    for note in notes:
        output = scrub(note.text, note.day)
        for value, kind in note.personal:
            ok = caught(value, kind, output)
            result.personal += 1
            result.caught += ok
            tally = result.by_kind.setdefault(kind, [0, 0])
            tally[0] += 1
            tally[1] += ok
            if not ok:
                result.missed.append((kind, value, output))
        words = Counter(clean_words(note))
        left = Counter(_WORD_RE.findall(output))
        for word, count in words.items():
            result.clean_words += count
            result.kept_words += min(count, left[word])
            if left[word] < count:
                result.lost.append((word, output))
    return result


#: What most rows of a bulk import carry: a few words, no personal data.
SHORT_CLEAN_NOTES = [
    "Entretien CV.",
    "Orientation vers Actiris.",
    "Infos formation",
    "Suivi recherche d'emploi",
    "Atelier collectif",
    "Vraag over opleiding",
    "Doorverwezen naar VDAB",
    "Job search follow-up",
    "Питання про курси",
    "Inscription NT2 A2",
    "Reprise d'études, bachelier en soins infirmiers",
    "Stage de 6 mois, 3 jours par semaine",
    "",
]
