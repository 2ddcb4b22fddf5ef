"""A large file is checked in two processes: the result is the one a single pass gives.

``SPLIT_FROM_BYTES`` is lowered so that small files are cut in two; a spy on ``_receive`` proves the
second process answered. Splitting is a SQLite matter (elsewhere rows go through the ORM's types), so
these tests run on SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tests.core.test_import import (
    CONTACTS,
    EVER,
    assert_rollup_exact,
    csv_text,
    expected_contact_figures,
    figures,
    state,
    write,
)
from tremplin.core import import_check
from tremplin.core.app import App
from tremplin.core.importer import ImportFailed, import_file
from tremplin.core.models import Centre, Contact, Site


@pytest.fixture
def halves(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Cut every file in two; yields how each check ended: ``"two"`` or ``"one"`` process."""
    if app.db.dialect != "sqlite":
        pytest.skip("files are checked in two processes on SQLite only")
    monkeypatch.setattr(import_check, "SPLIT_FROM_BYTES", 1)
    ends: list[str] = []
    real_receive, real_start = import_check._receive, import_check._check_from_start

    def receive(process: Any, receiver: Any, *more: Any) -> import_check.Checked:
        ends.append("two")
        return real_receive(process, receiver, *more)

    def start(*args: Any, **options: Any) -> import_check.Checked:
        cut = args[-2]
        if cut is None:
            ends.append("one")
        return real_start(*args, **options)

    monkeypatch.setattr(import_check, "_receive", receive)
    monkeypatch.setattr(import_check, "_check_from_start", start)
    yield ends


def many(n: int) -> list[dict[str, str]]:
    """``n`` varied contacts: the test file's rows again and again, in two centres (one to create)."""
    rows = []
    for i in range(n):
        base = dict(CONTACTS[i % len(CONTACTS)])
        base["id"] = f"{base['id']}-{i:04d}"
        if i % 3 == 0:
            # A centre and a site that --create-missing makes; both halves of the file meet them.
            base["centre"] = "lux"
            base["site"] = "hall" if i % 2 else ""
        rows.append(base)
    return rows


def test_two_halves_give_the_figures_and_rows_of_one_pass(
    app: App, centre: int, tmp_path: Path, halves: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = many(600)
    path = write(tmp_path, csv_text(rows))

    result = import_file(app, "contacts", path, create_missing=True)

    assert halves == ["two"]
    assert (result.read, result.inserted) == (600, 600)
    assert result.created_centres == ["lux"]
    assert result.created_sites == ["lux/hall"]
    assert figures(app, expected_contact_figures(rows)) == expected_contact_figures(rows)
    assert_rollup_exact(app)
    with app.session() as session:
        lux = session.scalars(select(Centre).where(Centre.code == "lux")).one()
        hall = session.scalars(select(Site).where(Site.code == "hall")).one()
        stored = {
            r.source_ref: r
            for r in session.execute(select(Contact.source_ref, Contact.centre_id, Contact.site_id, Contact.note))
        }
    assert {r.centre_id for r in stored.values()} == {centre, lux.id}
    for i, row in enumerate(rows):
        got = stored[row["id"]]
        assert got.centre_id == (lux.id if i % 3 == 0 else centre)
        if i % 3 == 0:
            assert got.site_id == (hall.id if i % 2 else None)
    # Notes are scrubbed on both sides of the cut.
    assert all("0470" not in (r.note or "") for r in stored.values())
    assert sum("Cherche une reconversion" in (r.note or "") for r in stored.values()) == len(
        [r for r in rows if r.get("note")]
    )

    # The same file in one pass, into a database of its own: the same rows and the same roll-up.
    other = make_app(f"sqlite:///{tmp_path / 'one-pass.db'}")
    try:
        from tremplin.core.migrate import upgrade

        upgrade(other)
        with other.transaction() as session:
            from tremplin.core.admin import ensure_centre, ensure_site

            c, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
            for code in ("reception", "multimedia", "advice", "group-room", "truck-flagey"):
                ensure_site(session, c, code, code)
        monkeypatch.setattr(import_check, "SPLIT_FROM_BYTES", 1 << 40)
        import_file(other, "contacts", path, create_missing=True)
        assert halves == ["two", "one"]
        assert state(other)["contacts"] == state(app)["contacts"]
        assert state(other)["rollup"] == state(app)["rollup"]
    finally:
        other.close()


def test_problems_in_the_second_half_keep_their_line_numbers(
    app: App, centre: int, tmp_path: Path, halves: list[str]
) -> None:
    rows = many(400)
    rows[350]["headcount"] = "0"
    rows[380]["id"] = rows[10]["id"]  # an id from the first half, again in the second
    rows[390]["id"] = rows[387]["id"]  # twice in the second half (both in centre lux)
    before = state(app)

    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)

    assert halves == ["two"]
    # Line numbers count the header: row i is on line i + 2.
    assert failed.value.problems == [
        "line 352, column headcount: 0 is below 1 [range]",
        f"line 382, column id: {rows[10]['id']!r} already appears on line 12 for the same centre",
        f"line 392, column id: {rows[387]['id']!r} already appears on line 389 for the same centre",
    ]
    # The parts travel with the text, so the command says it in the operator's language, the earlier line
    # (found in the other half) included.
    across = failed.value.problems[1]
    assert (across.line, across.column) == (382, "id")
    assert across.reason.say("nl") == f"{rows[10]['id']!r} staat al op regel 12 voor hetzelfde centrum"
    assert state(app) == before


def test_large_files_remember_hashes_of_ids_and_report_an_id_used_twice_the_same(
    app: App, centre: int, tmp_path: Path, halves: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large file keeps a hash of each (centre, id), not the id and its line; when hashes repeat it is
    # checked again remembering the ids of those hashes only, so the report names both lines as for a
    # small file without holding every id.
    monkeypatch.setattr(import_check, "HASHED_REFS_FROM_BYTES", 1)
    repeats: list[bool] = []
    real_repeats = import_check._repeats
    monkeypatch.setattr(
        import_check, "_repeats", lambda hashes: repeats.append(bool(real_repeats(hashes))) or real_repeats(hashes)
    )
    remembered: list[int] = []
    real_check_rows = import_check._check_rows

    def check_rows(app: App, plan: Any, rows: Any, out: Any, advance: Any) -> None:
        real_check_rows(app, plan, rows, out, advance)
        remembered.append(sum(len(refs) for refs in out.refs.values()))

    monkeypatch.setattr(import_check, "_check_rows", check_rows)
    rows = many(400)
    rows[380]["id"] = rows[10]["id"]
    before = state(app)

    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)

    assert repeats == [True]  # the hashed pass found the repeat; the second pass remembered the ids
    assert halves == ["two", "two"]
    # This process's half: no id in the hashed pass; in the second, the one id that was hashed twice,
    # not its 200 or so (the forked process's half is counted in its own memory).
    assert remembered == [0, 1]
    assert failed.value.problems == [
        f"line 382, column id: {rows[10]['id']!r} already appears on line 12 for the same centre"
    ]
    assert state(app) == before

    result = import_file(app, "contacts", write(tmp_path, csv_text(many(400))), create_missing=True)
    assert repeats == [True, False]
    assert result.inserted == 400


def test_a_cut_inside_a_quoted_value_is_checked_again_in_one_pass(
    app: App, centre: int, tmp_path: Path, halves: list[str]
) -> None:
    # A note of many lines (within the rules' 2,000 characters) where the file is cut: the cut falls
    # inside its quotes.
    for at in range(8):
        rows = many(8)
        rows[at] = dict(rows[at], note="Parcours:\n" + "Atelier CV puis entretien.\n" * 70)
        path = write(tmp_path, csv_text(rows))
        cut = int(path.stat().st_size * import_check.WRITING_SHARE)
        text = path.read_bytes()
        if text.index(b'"Parcours:') < cut < text.index(b'entretien.\n"'):
            break
    else:
        raise AssertionError("the test needs the cut inside the note")

    result = import_file(app, "contacts", path, create_missing=True)

    assert halves == ["one"]  # the two processes were given up for a single pass
    assert result.inserted == 8
    assert figures(app, ["contacts.total"]) == {"contacts.total": expected_contact_figures(rows)["contacts.total"]}
    with app.session() as session:
        note = session.scalar(select(Contact.note).where(Contact.source_ref == rows[at]["id"]))
    assert note is not None and note.count("Atelier CV puis entretien.") == 70
    assert_rollup_exact(app)


def test_importing_again_compares_in_both_halves(app: App, centre: int, tmp_path: Path, halves: list[str]) -> None:
    rows = many(300)
    path = write(tmp_path, csv_text(rows))
    import_file(app, "contacts", path, create_missing=True)
    first = state(app)

    again = import_file(app, "contacts", path, create_missing=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 300)
    assert state(app)["rollup"] == first["rollup"]

    rows[5]["headcount"] = "9"
    rows[250]["headcount"] = "9"
    rows.append(dict(rows[0], id="late-1"))
    edited = import_file(app, "contacts", write(tmp_path, csv_text(rows), "edited.csv"), create_missing=True)
    assert (edited.inserted, edited.updated, edited.unchanged) == (1, 2, 298)
    assert halves == ["two", "two", "two"]
    assert figures(app, ["contacts.total"]) == {"contacts.total": expected_contact_figures(rows)["contacts.total"]}
    assert_rollup_exact(app)


def test_a_second_half_that_is_not_utf8_is_reported(app: App, centre: int, tmp_path: Path, halves: list[str]) -> None:
    content = csv_text(many(200)).encode("utf-8")
    cut = content.index(b"\n", int(len(content) * 0.8)) + 1
    content = content[:cut] + content[cut:].replace(b"bxl", b"bx\xe9", 1)

    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, content))

    (problem,) = failed.value.problems
    line = content[:cut].count(b"\n") + 1
    assert problem.startswith(f"line {line}: byte 0xe9 at position")
    assert state(app)["counts"]["contacts"] == 0


def test_a_failure_in_the_second_process_is_reported_and_nothing_is_written(
    app: App, centre: int, tmp_path: Path, halves: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> None:
        raise MemoryError("no room for the second half")

    # The forked process runs a copy of this one: it sees the broken function too.
    monkeypatch.setattr(import_check, "_check_part", broken)
    before = state(app)

    with pytest.raises(RuntimeError, match="checking the second half of the file failed") as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(many(200))), create_missing=True)

    assert "MemoryError: no room for the second half" in str(failed.value)
    assert state(app) == before


def test_small_files_and_other_databases_are_checked_in_one_pass(
    app: App, centre: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int | None] = []
    real = import_check._check_from_start

    def start(*args: Any, **options: Any) -> import_check.Checked:
        calls.append(args[-2])
        return real(*args, **options)

    monkeypatch.setattr(import_check, "_check_from_start", start)
    result = import_file(app, "contacts", write(tmp_path, csv_text(many(50))), create_missing=True)
    assert result.inserted == 50
    assert calls == [None]
    assert figures(app, ["contacts.total"], *EVER) == {
        "contacts.total": expected_contact_figures(many(50))["contacts.total"]
    }


def test_rows_written_while_the_second_half_is_checked_are_rolled_back_by_a_problem_in_its_last_rows(
    app: App, centre: int, tmp_path: Path, halves: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks: the second half announces many, and this process writes them as they come, in the
    # transaction a problem found later must roll back (the centre and site created with them included).
    monkeypatch.setattr(import_check, "SPOOL_CHUNK", 25)
    from tremplin.core import importer

    written: list[int] = []
    real_more = importer._Writer.more

    def more(self: Any, rows: Any, pending: Any, centres: Any) -> None:
        with app.db.engine.connect() as conn:  # what others see meanwhile: nothing until the commit
            assert conn.scalar(select(Contact.id).limit(1)) is None
        real_more(self, rows, pending, centres)
        written.append(self.result.inserted)

    monkeypatch.setattr(importer._Writer, "more", more)
    rows = many(600)
    rows[-1]["headcount"] = "0"  # the very last row
    before = state(app)

    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)

    assert halves == ["two"]
    assert failed.value.problems == ["line 601, column headcount: 0 is below 1 [range]"]
    # Most of the file had been written (in this process's transaction) when the last row was checked.
    assert len(written) > 5 and written[-1] > 400
    assert state(app) == before
    with app.session() as session:
        assert session.scalar(select(Centre.id).where(Centre.code == "lux")) is None

    # The file once fixed: written the same way, and committed.
    rows[-1]["headcount"] = "1"
    written.clear()
    result = import_file(app, "contacts", write(tmp_path, csv_text(rows), "fixed.csv"), create_missing=True)
    assert written and result.inserted == 600
    assert (result.created_centres, result.created_sites) == (["lux"], ["lux/hall"])
    assert figures(app, expected_contact_figures(rows)) == expected_contact_figures(rows)
    assert_rollup_exact(app)


def test_an_id_used_twice_across_the_halves_stops_the_early_writing_and_is_reported(
    app: App, centre: int, tmp_path: Path, halves: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # With hashed ids, an id used twice is only known once the whole file is read; meanwhile the
    # database refuses the second row, the rows written are rolled back, and the file is checked again.
    monkeypatch.setattr(import_check, "SPOOL_CHUNK", 25)
    monkeypatch.setattr(import_check, "HASHED_REFS_FROM_BYTES", 1)
    rows = many(400)
    rows[390]["id"] = rows[3]["id"]
    before = state(app)

    with pytest.raises(ImportFailed) as failed:
        import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)

    assert halves == ["two", "two"]
    assert failed.value.problems == [
        f"line 392, column id: {rows[3]['id']!r} already appears on line 5 for the same centre"
    ]
    assert state(app) == before
