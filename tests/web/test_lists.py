"""Lists: searched by referral code, case code, school or partner name; exported as CSV and XLSX with their
filters, limited to what the account sees, neutralised against formulas, and audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.conftest import Web
from tremplin.core.anonymity import format_token
from tremplin.core.models import AuditEvent, Partner, Staff
from tremplin.core.records import issue_referral, log_activity, log_contact, open_case

NOW = datetime.now(UTC)
SCHOOL = "École des Arts et Métiers"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def records(web: Web) -> dict[str, Any]:
    app = web.app
    with app.transaction() as session:
        lead = session.get(Staff, web.staff["programme_lead"])
        amo = session.scalar(select(Partner).where(Partner.code == "amo-rythme"))
        actiris = session.scalar(select(Partner).where(Partner.code == "actiris"))
        case = open_case(app, session, web.centre_id, "neet", consent_on=date.today(), staff=lead)
        other_case = open_case(app, session, web.centre_id, "neet", consent_on=date.today(), staff=lead)
        followed = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": NOW,
                "audience": "neet",
                "modality": "individual_advice",
                "themes": ["learn"],
            },
            case=case,
        )
        walk_in = log_contact(
            app,
            session,
            {"centre": "bxl", "occurred_at": NOW, "audience": "general", "modality": "reception", "themes": ["work"]},
        )
        truck = log_contact(
            app,
            session,
            {"centre": "bxl", "occurred_at": NOW, "audience": "formtruck", "modality": "individual_advice"},
            {"commune": "ixelles", "place": "Place Flagey"},
        )
        visit = log_activity(
            app,
            session,
            {"centre": "bxl", "starts_at": NOW, "audience": "schools", "workshop": "explorama", "participants": 24},
            {"school": SCHOOL},
        )
        partnered = log_activity(
            app,
            session,
            {"centre": "bxl", "starts_at": NOW, "audience": "neet", "workshop": "escape_game", "title": FORMULA},
        )
        partnered.partner_id = amo.id
        to_actiris = issue_referral(app, session, web.centre_id, to_partner_id=actiris.id, theme="work", staff=lead)
        to_amo = issue_referral(app, session, web.centre_id, to_partner_id=amo.id, theme="learn", staff=lead)
        to_amo.case_id = other_case.id
        session.flush()
        return {
            "case": case.code,
            "other_case": other_case.code,
            "followed": followed.id,
            "walk_in": walk_in.id,
            "truck": truck.id,
            "visit": visit.id,
            "partnered": partnered.id,
            "to_actiris": to_actiris.token,
            "to_amo": to_amo.token,
            "to_actiris_id": to_actiris.id,
            "to_amo_id": to_amo.id,
        }


def ids_in(html: str, prefix: str, ids: list[Any]) -> list[Any]:
    return [i for i in ids if f'id="{prefix}-{i}"' in html]


def test_contacts_searched_by_case_code_and_typed_place(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    everyone = [records["followed"], records["walk_in"], records["truck"]]
    part = records["case"].split("-")[1][:4].lower()
    assert ids_in(lead.get("/contacts", params={"q": part}).text, "contact", everyone) == [records["followed"]]
    assert ids_in(lead.get("/contacts", params={"q": records["case"]}).text, "contact", everyone) == [
        records["followed"]
    ]
    assert ids_in(lead.get("/contacts", params={"q": "flagey"}).text, "contact", everyone) == [records["truck"]]
    assert ids_in(lead.get("/contacts", params={"q": "100%_"}).text, "contact", everyone) == [], (
        "% and _ are taken literally"
    )
    page = lead.get("/contacts", params={"q": "flagey"}).text
    assert 'value="flagey"' in page and "q=flagey" in page, "the search is kept in the form and in the export links"
    api = web.api("programme_lead").get("/api/v1/contacts", params={"q": records["case"]}).json()
    assert [c["id"] for c in api["items"]] == [records["followed"]]


def test_activities_searched_by_school_and_partner_name(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    both = [records["visit"], records["partnered"]]
    assert ids_in(lead.get("/activities", params={"q": "école des arts"}).text, "activity", both) == [
        records["visit"]
    ], "case folded, accents kept"
    assert ids_in(lead.get("/activities", params={"q": "ÉCOLE"}).text, "activity", both) == [records["visit"]]
    assert ids_in(lead.get("/activities", params={"q": "rythme"}).text, "activity", both) == [records["partnered"]]
    assert ids_in(lead.get("/activities", params={"q": "nothing like it"}).text, "activity", both) == []
    neet = web.client("neet_worker")
    assert ids_in(neet.get("/activities", params={"q": "école"}).text, "activity", both) == [], (
        "a search never widens what an account sees"
    )


def test_referrals_searched_by_code_partner_and_case(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    both = [records["to_actiris_id"], records["to_amo_id"]]
    typed = format_token(records["to_actiris"])[:7].lower()  # "k7p-4x2", as read aloud
    assert ids_in(lead.get("/referrals", params={"q": typed}).text, "referral", both) == [records["to_actiris_id"]]
    assert ids_in(lead.get("/referrals", params={"q": "actiris"}).text, "referral", both) == [records["to_actiris_id"]]
    assert ids_in(lead.get("/referrals", params={"q": "AMO"}).text, "referral", both) == [records["to_amo_id"]]
    assert ids_in(lead.get("/referrals", params={"q": records["other_case"]}).text, "referral", both) == [
        records["to_amo_id"]
    ]


def test_cases_searched_by_code(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    codes = [records["case"], records["other_case"]]
    page = lead.get("/cases", params={"q": records["case"][-5:].lower(), "state": "all"}).text
    assert ids_in(page, "case", codes) == [records["case"]]
    assert set(ids_in(lead.get("/cases", params={"q": "neet"}).text, "case", codes)) == set(codes)
    assert ids_in(lead.get("/cases", params={"q": "PRISON-"}).text, "case", codes) == []


def by_key(header: list[Any], lang: str) -> list[str]:
    """The columns' keys from an export's header row, which must be the headings of ``lang`` (no raw key)."""
    from tremplin.core.web.routes.exports import COLUMN_LABELS

    keys = {label.get(lang): key for key, label in COLUMN_LABELS.items()}
    assert all(h in keys for h in header), f"headings not in {lang}: {[h for h in header if h not in keys]}"
    return [keys[h] for h in header]


def read_csv(response: Any, delimiter: str, lang: str = "fr") -> list[dict[str, str]]:
    """The rows of a CSV export, by column key (the file's headings are words of ``lang``)."""
    assert response.status_code == 200, response.text[:300]
    assert response.content.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))
    keys = by_key(rows[0], lang)
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def read_xlsx(response: Any, lang: str = "fr") -> list[dict[str, Any]]:
    """The rows of an XLSX export, by column key (the sheet's headings are words of ``lang``)."""
    from openpyxl import load_workbook

    assert response.status_code == 200, response.text[:300]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    keys = by_key(list(rows[0]), lang)
    return [dict(zip(keys, row)) for row in rows[1:]]


def test_list_exports_apply_the_filters_and_what_the_account_sees(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    rows = read_csv(lead.get("/contacts/export", params={"format": "csv", "audience": "neet"}), ";")
    assert [int(r["id"]) for r in rows] == [records["followed"]] and rows[0]["case"] == records["case"]
    assert "note" not in rows[0], "free text stays out of exports"
    rows = read_xlsx(lead.get("/contacts/export", params={"format": "xlsx", "q": "flagey"}))
    assert [r["id"] for r in rows] == [records["truck"]] and "Place Flagey" in rows[0]["attributes"]

    english = web.client("programme_lead")
    english.cookies.set("tremplin_lang", "en")
    rows = read_csv(english.get("/contacts/export", params={"format": "csv"}), ",", "en")
    assert {int(r["id"]) for r in rows} == {records["followed"], records["walk_in"], records["truck"]}

    reception = web.client("reception")
    rows = read_csv(reception.get("/contacts/export", params={"format": "csv"}), ";")
    assert [int(r["id"]) for r in rows] == [records["walk_in"]], "limited to the account's audiences"
    assert reception.get("/contacts/export", params={"format": "csv", "audience": "neet"}).status_code == 403
    assert reception.get("/contacts/export", params={"format": "pdf"}).status_code == 422

    with web.app.session() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "list.export").order_by(AuditEvent.id))
        )
    assert [(e.actor, e.object_type, e.details["format"]) for e in events[:2]] == [
        ("programme_lead", "contacts", "csv"),
        ("programme_lead", "contacts", "xlsx"),
    ]
    assert events[0].details["filters"]["audience"] == "neet" and events[1].details["filters"]["q"] == "flagey"


def test_activity_referral_and_case_exports(web: Web, records: dict[str, Any]) -> None:
    lead = web.client("programme_lead")
    rows = read_xlsx(lead.get("/activities/export", params={"format": "xlsx", "q": "rythme"}))
    assert [r["id"] for r in rows] == [records["partnered"]] and rows[0]["partner"] == "AMO Rythme"
    assert rows[0]["title"] == "'" + FORMULA, "a text that starts like a formula is neutralised"
    rows = read_csv(lead.get("/activities/export", params={"format": "csv", "audience": "schools"}), ";")
    assert [r["title"] for r in rows] == [""] and SCHOOL in rows[0]["attributes"] and rows[0]["participants"] == "24"

    rows = read_csv(lead.get("/referrals/export", params={"format": "csv", "q": "actiris"}), ";")
    assert [r["token"] for r in rows] == [format_token(records["to_actiris"])] and rows[0]["to_partner"] == "Actiris"
    rows = read_xlsx(lead.get("/cases/export", params={"format": "xlsx", "state": "all", "q": records["other_case"]}))
    assert [r["code"] for r in rows] == [records["other_case"]] and rows[0]["audience"] == "Jeunes NEET (Touch'N'Go)"
    assert web.client("reception").get("/cases/export").status_code == 403


def test_a_csv_export_is_written_in_chunks() -> None:
    from tremplin.core.reports.export import iter_table_csv

    chunks = list(
        iter_table_csv(("n", "text"), iter([(i, "=1+1" if i == 3 else "x") for i in range(1_200)]), chunk=500)
    )
    assert len(chunks) == 4, "the header, then one chunk per 500 rows"
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 1_201 and rows[4] == ["3", "'=1+1"]


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_a_referral_past_its_expiry_is_expired_in_every_list_and_export(
    web: Web, records: dict[str, Any], lang: str
) -> None:
    """No flow came by: the stored status still says issued, and every reader says expired all the same."""
    from datetime import timedelta

    from tremplin.core import vocab
    from tremplin.core.models import Referral

    lapsed_at = NOW - timedelta(days=300)
    with web.app.transaction() as session:
        lapsed = session.get(Referral, records["to_actiris_id"])
        lapsed.issued_at, lapsed.expires_at = lapsed_at - timedelta(days=60), lapsed_at
    lead = web.client("programme_lead")
    lead.get(f"/lang/{lang}")
    both = [records["to_actiris_id"], records["to_amo_id"]]
    expired, issued = (vocab.REFERRAL_STATUS.label_of(code, lang) for code in ("expired", "issued"))
    page = lead.get("/referrals").text
    row = page.split(f'id="referral-{records["to_actiris_id"]}"', 1)[1].split("</tr>", 1)[0]
    assert expired in row and issued not in row
    assert ids_in(lead.get("/referrals", params={"status": "expired"}).text, "referral", both) == [
        records["to_actiris_id"]
    ]
    assert ids_in(lead.get("/referrals", params={"status": "issued"}).text, "referral", both) == [records["to_amo_id"]]
    searched = lead.get("/referrals", params={"status": "expired", "q": "actiris"}).text
    assert ids_in(searched, "referral", both) == [records["to_actiris_id"]]

    delimiter = "," if lang == "en" else ";"
    rows = read_csv(lead.get("/referrals/export", params={"format": "csv", "status": "expired"}), delimiter, lang)
    assert [(r["token"], r["status"]) for r in rows] == [(format_token(records["to_actiris"]), expired)]
    assert rows[0]["expired_at"], "expired at its expiry moment"
    rows = read_xlsx(lead.get("/referrals/export", params={"format": "xlsx", "status": "issued"}), lang)
    assert [r["token"] for r in rows] == [format_token(records["to_amo"])]

    api = web.api("programme_lead")
    listed = {r["token"]: r["status"] for r in api.get("/api/v1/referrals").json()["items"]}
    assert listed == {records["to_actiris"]: "expired", records["to_amo"]: "issued"}
    only = api.get("/api/v1/referrals", params={"status": "expired"}).json()["items"]
    assert [r["token"] for r in only] == [records["to_actiris"]]
    assert [r["token"] for r in api.get("/api/v1/referrals", params={"status": "issued"}).json()["items"]] == [
        records["to_amo"]
    ]
    with web.app.session() as session:
        assert session.get(Referral, records["to_actiris_id"]).status == "issued", "reading writes nothing"
        assert session.scalar(select(Referral.status_as_of()).where(Referral.id == records["to_actiris_id"])) == (
            "expired"
        )


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_exported_times_are_in_the_centres_time_and_the_readers_formats(web: Web, lang: str) -> None:
    """08:30 UTC on 1 July is 10:30 in Brussels: the CSV writes it as a reader of the language does (Excel set
    up for the language reads it back as a date), the XLSX holds a typed date shown in the reader's format,
    on a sheet named as the list page, under a frozen header, in a column wide enough for it."""
    from openpyxl import load_workbook

    from tremplin.core.web.i18n import translator

    with web.app.transaction() as session:
        moment = datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
        values = {"centre": "bxl", "occurred_at": moment, "audience": "general", "modality": "reception"}
        contact_id = log_contact(web.app, session, {**values, "themes": ["work"]}).id
    lead = web.client("programme_lead")
    lead.get(f"/lang/{lang}")
    period = {"from": "2025-07-01", "to": "2025-07-31"}
    rows = read_csv(
        lead.get("/contacts/export", params={"format": "csv", **period}), "," if lang == "en" else ";", lang
    )
    local = "01.07.2025" if lang == "uk" else "01/07/2025"
    assert [(int(r["id"]), r["day"], r["occurred_at"]) for r in rows] == [(contact_id, local, f"{local} 10:30")]

    answer = lead.get("/contacts/export", params={"format": "xlsx", **period})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    assert sheet.title == translator(lang)("Contacts") and sheet.freeze_panes == "A2"
    header = by_key([c.value for c in sheet[1]], lang)
    cell = sheet.cell(row=2, column=header.index("occurred_at") + 1)
    assert cell.value == datetime(2025, 7, 1, 10, 30), "a typed moment, in the centre's time"
    assert cell.number_format == ("dd.mm.yyyy hh:mm" if lang == "uk" else "dd/mm/yyyy hh:mm")
    letter = cell.column_letter
    assert sheet.column_dimensions[letter].width >= len("01/07/2025 10:30"), "wide enough not to show #####"


#: The first headings of the contacts export in each language: words, never the program's keys.
CONTACT_HEADINGS = {
    "fr": ["Numéro", "Centre", "Site", "Jour", "Date et heure", "Public", "Modalité"],
    "nl": ["Nummer", "Centrum", "Locatie", "Dag", "Datum en uur", "Doelgroep", "Modaliteit"],
    "en": ["Number", "Centre", "Site", "Day", "Date and time", "Audience", "Modality"],
    "uk": ["Номер", "Центр", "Місце", "День", "Дата й час", "Аудиторія", "Формат послуги"],
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_exports_have_headings_in_the_readers_language(web: Web, records: dict[str, Any], lang: str) -> None:
    """Every list export (and the audit log's) heads its columns with words of the reader's language, in CSV and
    XLSX alike; the keyed file for programs stays ``tremplin export contacts``."""
    from openpyxl import load_workbook

    lead = web.client("programme_lead")
    lead.get(f"/lang/{lang}")
    admin = web.client("admin")
    admin.get(f"/lang/{lang}")
    delimiter = "," if lang == "en" else ";"
    snake = re.compile(r"^[a-z]+(_[a-z]+)+$")
    for client, path in (
        (lead, "/contacts/export"),
        (lead, "/activities/export"),
        (lead, "/referrals/export"),
        (lead, "/cases/export"),
        (admin, "/admin/audit/export"),
    ):
        text = client.get(path, params={"format": "csv", "state": "all"}).content.decode("utf-8-sig")
        csv_header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
        xlsx = client.get(path, params={"format": "xlsx", "state": "all"})
        sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
        xlsx_header = list(next(sheet.iter_rows(values_only=True)))
        assert csv_header == xlsx_header, path
        by_key(csv_header, lang)  # every heading is a word of the language
        if lang != "en":
            assert not [h for h in csv_header if snake.match(h) or h.isascii() and h.islower()], (path, csv_header)
        if path == "/contacts/export":
            assert csv_header[: len(CONTACT_HEADINGS[lang])] == CONTACT_HEADINGS[lang]
    rows = read_csv(lead.get("/contacts/export", params={"format": "csv"}), delimiter, lang)
    assert {int(r["id"]) for r in rows} == {records["followed"], records["walk_in"], records["truck"]}


def test_the_file_name_is_dated_on_the_centres_clock(web: Web) -> None:
    """Half past midnight in Brussels on New Year's Day is still 31 December on a server on UTC: the file is
    named after the reader's day. A centre far from UTC gets its own day too."""
    from zoneinfo import ZoneInfo

    from tremplin.core.models import Centre
    from tremplin.core.web.routes.exports import file_stamp

    brussels = ZoneInfo("Europe/Brussels")
    assert file_stamp(brussels, datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "20260101-0030"
    assert file_stamp(brussels, datetime(2025, 7, 1, 8, 5, tzinfo=UTC)) == "20250701-1005"

    far = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its day is not the server's for 14 hours out of 24
    with web.app.transaction() as session:
        session.get(Centre, web.centre_id).timezone = far.key
    web.app._tz_cache.clear()
    lead = web.client("programme_lead")
    for fmt in ("csv", "xlsx"):
        answer = lead.get("/contacts/export", params={"format": fmt})
        disposition = answer.headers["content-disposition"]
        stamp = re.search(r"tremplin-contacts-(\d{8})-(\d{4})\." + fmt, disposition)
        assert stamp, disposition
        assert stamp.group(1) == datetime.now(far).strftime("%Y%m%d"), (disposition, datetime.now(far))


#: A few labels written out, so that the test does not only compare the export with its own source.
WORDS = {
    "fr": ("Conseil individuel", "Sans rendez-vous", "Se former"),
    "nl": ("Individueel advies", "Vrije inloop", "Leren"),
    "en": ("Individual advice", "Walk-in", "Learn"),
    "uk": ("Індивідуальна консультація", "Без запису", "Навчатися"),
}


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "uk"])
def test_exported_codes_are_the_labels_the_pages_show(web: Web, records: dict[str, Any], lang: str) -> None:
    """A programme lead reads words in every export, CSV and XLSX: modality, channel, themes, audience, workshop,
    referral status and theme, case stage, profile answers, in the reader's language, as the pages show them;
    never the program's codes."""
    from tremplin.core.i18n import pick

    app = web.app
    vocab = app.registry.vocabulary
    audience = {key: pick(a.label, lang) for key, a in app.registry.audiences.items()}
    lead = web.client("programme_lead")
    lead.get(f"/lang/{lang}")
    delimiter = "," if lang == "en" else ";"
    advice, walk_in, learn = WORDS[lang]

    answer = lead.get("/contacts/export", params={"format": "csv", "audience": "neet"})
    rows = read_csv(answer, delimiter, lang)
    assert [int(r["id"]) for r in rows] == [records["followed"]]
    row = rows[0]
    assert (row["modality"], row["channel"], row["themes"], row["audience"]) == (
        advice,
        walk_in,
        learn,
        audience["neet"],
    )
    assert row["gender"] == vocab.GENDER.label_of("unknown", lang) and row["language"] == vocab.LANGUAGE.label_of(
        "unknown", lang
    )
    assert row["site"] != "" or row["centre"] != "bxl", "the centre by its name, as the pages name it"
    text = answer.content.decode("utf-8-sig")
    assert not re.search(r"individual_advice|walk_in|\bneet\b|\bunknown\b", text), text
    rows = read_xlsx(lead.get("/contacts/export", params={"format": "xlsx"}), lang)
    by_id = {r["id"]: r for r in rows}
    assert by_id[records["walk_in"]]["modality"] == vocab.MODALITY.label_of("reception", lang)
    assert (
        by_id[records["walk_in"]]["audience"] == audience["general"] and by_id[records["followed"]]["themes"] == learn
    )

    rows = read_xlsx(lead.get("/activities/export", params={"format": "xlsx", "audience": "schools"}), lang)
    assert [(r["workshop"], r["audience"]) for r in rows] == [
        (vocab.WORKSHOP.label_of("explorama", lang), audience["schools"])
    ]
    assert rows[0]["workshop"] != "explorama"

    rows = read_csv(lead.get("/referrals/export", params={"format": "csv", "q": "actiris"}), delimiter, lang)
    assert [(r["status"], r["theme"]) for r in rows] == [
        (vocab.REFERRAL_STATUS.label_of("issued", lang), vocab.THEME.label_of("work", lang))
    ]
    rows = read_xlsx(lead.get("/cases/export", params={"format": "xlsx", "q": records["case"]}), lang)
    stage = app.registry.workflows["neet"].stages[0]
    assert [(r["stage"], r["audience"]) for r in rows] == [(pick(stage.label, lang), audience["neet"])]
    assert rows[0]["stage"] != stage.key and rows[0]["education"] == vocab.EDUCATION.label_of("unknown", lang)
