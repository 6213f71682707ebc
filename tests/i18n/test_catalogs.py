"""The catalogs against the source: every message in every language, placeholders kept,
plural forms right, .mo compiled from its .po. Extracted afresh from the source each run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from launcher import i18n
from launcher.i18n.catalog import LOCALE_DIR

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def i18nlib() -> ModuleType:
    """scripts/i18nlib, which needs Babel: a dev dependency the Wine lane's runner lacks (the
    catalogs are the same on every OS; the Linux suite checks them)."""
    pytest.importorskip("babel", reason="Babel (dev dependency) is not installed here")
    sys.path.insert(0, str(REPO / "scripts"))
    import i18nlib

    return i18nlib


@pytest.fixture(scope="module")
def template(i18nlib: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The messages in the source now, extracted into a temp .pot and read back."""
    from babel.messages.pofile import read_po, write_po

    pot = tmp_path_factory.mktemp("i18n") / "launcher.pot"
    with pot.open("wb") as handle:
        write_po(handle, i18nlib.extract())
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.fixture
def speak():
    """Install a language for one test; English again afterwards."""
    yield i18n.install
    i18n.install("en")


@pytest.mark.parametrize("language", i18n.AVAILABLE)
def test_catalog_is_complete_and_compiled(language: str, i18nlib: ModuleType, template: Any
                                          ) -> None:
    problems = i18nlib.check(language, template).lines()
    assert not problems, (
        f"the {language} catalog is out of date with the source:\n" + "\n".join(problems)
        + "\nfix: scripts/i18n update, translate the entries listed, scripts/i18n compile")


def test_the_check_names_a_new_message_a_changed_placeholder_and_a_stale_mo(
        i18nlib: ModuleType, tmp_path: Path) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    po = i18nlib.po_path("es", locale)
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgstr "Modelo: {model}"', 'msgstr "Modelo: {modelo}"'), encoding="utf-8")
    grown = i18nlib.extract()
    grown.add("Brand-new entry for {model}", locations=[("launcher/ui/menu.py", 1)])
    problems = i18nlib.check("es", grown, locale)
    assert problems.missing == ["Brand-new entry for {model}"]
    assert problems.placeholders == ["'Model: {model}' -> 'Modelo: {modelo}'"]
    assert problems.stale_mo
    assert not problems.obsolete and not problems.untranslated


def test_every_language_installs_from_its_compiled_catalog(speak) -> None:
    for language in i18n.AVAILABLE:
        assert speak(language) == language
        assert i18n.active_language() == language
    assert speak("de") == "en"  # no catalog: English


@pytest.mark.parametrize(("language", "counts"), [
    ("ru", {1: "точка", 3: "точки", 5: "точек", 11: "точек", 21: "точка", 22: "точки"}),
    ("fr", {0: "point)", 1: "point)", 2: "points)"}),
    ("en", {1: "point)", 2: "points)"}),
    ("ja", {1: "点)", 7: "点)"}),
])
def test_plural_forms_follow_the_language(language: str, counts: dict[int, str], speak
                                          ) -> None:
    speak(language)
    singular = ("{tag} stays at {value} from step {start} to {end} ({count} point): "
                "possible mode collapse")
    plural = singular.replace("point)", "points)")
    for count, word in counts.items():
        text = i18n.ngettext(singular, plural, count).format(
            tag="loss/g/mel", value="12.5", start=100, end=900, count=count)
        assert f"{count} {word}" in text, (language, count, text)
