"""The engine names no audience: the centre's six audiences, and the codes they brought, live in their plugins."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"

#: The audience keys, their plugins' roles, and the codes that moved from ``core/vocab.py`` to the plugins.
AUDIENCE_KEYS = ("neet", "schools", "prisons", "disability", "formtruck", "ukrainian")
PLUGIN_ROLES = ("neet_worker", "schools_coordinator", "formtruck_adviser")
MOVED_CODES = (
    "field_awareness",
    "formtruck_stop",
    "explorama",
    "inforizon",
    "pass_avenir",
    "guidance_pathway",
    "escape_game",
    "career_game",
    "video_challenge",
)
# Keys are lower case; "Ukrainian" the language (a code of the shared language list) is not the audience.
NAMED = re.compile(r"\b(" + "|".join(AUDIENCE_KEYS + PLUGIN_ROLES + MOVED_CODES) + r")\b")

#: ESF+ point 1.2 asks every participant about a disability (EECO12): that is a profile question of the
#: regulation, shared by every operation, not the audience of the same name.
ALLOWED = {
    "records.py": ('PROFILE_KEYS = ("disability",',),
    "models.py": ("ESF+ point-1.2 answers (disability,",),
    "web/routes/cases.py": ('"disability": N_("Has a disability"),',),
    "reports/esf.py": ('"EECO12": "disability",', '    "disability",', '"disability": _t("Disability",'),
}


def scanned() -> list[Path]:
    files = list(CORE.rglob("*.py"))
    files += [p for p in (CORE / "web" / "templates").rglob("*.html")]
    files += [p for p in CORE.rglob("templates/**/*") if p.is_file() and p.suffix in (".html", ".css", ".js", ".txt")]
    return sorted(set(files))


def test_core_names_no_audience() -> None:
    found = []
    for path in scanned():
        rel = path.relative_to(CORE).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if NAMED.search(line) and not any(allowed in line for allowed in ALLOWED.get(rel, ())):
                found.append(f"core/{rel}:{number}: {line.strip()}")
    assert not found, "the engine names an audience or one of its codes:\n" + "\n".join(found)


def test_the_scan_sees_what_it_looks_for() -> None:
    """The pattern finds a key in code and in a template, and leaves the language name alone."""
    assert NAMED.search('if audience == "neet":') and NAMED.search("{% if a.key == 'formtruck' %}")
    assert NAMED.search('modality="field_awareness"')
    assert NAMED.search('roles=["neet_worker"]') and NAMED.search("tremplin.plugins.prisons")
    assert NAMED.search('"uk": T("Ukrainian", fr="Ukrainien")') is None and NAMED.search("schoolsx") is None
    assert len(scanned()) > 50 and any(p.suffix == ".html" for p in scanned())
