"""docs/plugins.md documents every hook with the signature it is declared with (as datasette's test_docs does)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from tremplin.core import hookspecs
from tremplin.core.plugins import hook_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
SECTION = re.compile(r"^### (\w+)\s*$", re.M)
FIRST_BLOCK = re.compile(r"\A\s*```python\n(.*?)\n", re.S)


def sections() -> dict[str, str]:
    """Each ``### <name>`` section's text, up to the next heading."""
    text = DOC.read_text(encoding="utf-8")
    found = list(SECTION.finditer(text))
    out: dict[str, str] = {}
    for match, following in zip(found, [*found[1:], None]):
        out[match.group(1)] = text[match.end() : following.start() if following else len(text)]
    return out


def declared(name: str) -> str:
    """The hookspec's signature as one ``def`` line.

    Annotations are strings there (``from __future__ import annotations``).
    """
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"def {name}({params}) -> {sig.return_annotation}:"


def shape(line: str) -> tuple[str, list[tuple[str, str]], str]:
    """Name, (argument, annotation) pairs and return annotation of a ``def`` line, whatever its spacing."""
    tree = ast.parse(line + "\n    ...")
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef), line
    args = [(a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in fn.args.args]
    return fn.name, args, ast.unparse(fn.returns) if fn.returns else ""


def test_every_hook_has_a_section() -> None:
    missing = [name for name in hook_names() if name not in sections()]
    assert not missing, f"hooks without a '### <name>' section in docs/plugins.md: {', '.join(missing)}"


@pytest.mark.parametrize("name", hook_names())
def test_section_starts_with_the_declared_signature(name: str) -> None:
    text = sections().get(name)
    if text is None:
        pytest.fail(f"docs/plugins.md has no section '### {name}'")
    block = FIRST_BLOCK.match(text)
    assert block, f"the section of {name} does not start with a ```python block"
    assert shape(block.group(1)) == shape(declared(name)), (
        f"docs/plugins.md shows {block.group(1)!r}; declared: {declared(name)!r}"
    )
    # An example follows: some code using the hook, beyond the signature.
    assert text.count("```python") >= 2, f"the section of {name} has no example"


def test_the_doc_names_no_hook_that_does_not_exist() -> None:
    # Other ``###`` headings may follow; a ``register_*`` one must be a hook.
    stale = [name for name in sections() if name.startswith("register_") and name not in hook_names()]
    assert not stale, f"docs/plugins.md documents hooks that are not declared: {', '.join(stale)}"


def test_a_changed_signature_is_caught() -> None:
    """The comparison sees an argument or a return type that differs, not only a missing section."""
    right = declared("register_report_sections")
    assert shape(right) == shape("def register_report_sections(app: App, report: str) -> list[Any]:")
    assert shape(right) != shape("def register_report_sections(app: App) -> list[Any]:")
    assert shape(right) != shape("def register_report_sections(app: App, report: str) -> list[Section]:")
