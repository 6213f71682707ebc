"""The catalog work behind scripts/i18n, with Babel (a dev dependency; the app itself reads the
compiled .mo files with the standard library's gettext).

Catalogs live in launcher/i18n/locale/<lang>/LC_MESSAGES/launcher.po next to their compiled
launcher.mo. There is no .pot in the repo: the template is extracted from the source each time.
"""

from __future__ import annotations

import copy
import io
import re
import string
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from launcher.i18n.catalog import DOMAIN, LOCALE_DIR  # noqa: E402
from launcher.i18n.choice import AVAILABLE  # noqa: E402, F401 (scripts/i18n uses it)

SOURCE_DIR = REPO / "launcher"
PROJECT = "RVC TensorBoard Launcher"
FIXED_DATE = datetime(2026, 12, 1, tzinfo=timezone.utc)  # no date churn in the headers
KEYWORDS = {**DEFAULT_KEYWORDS, "N_plural": (1, 2)}  # launcher.i18n's plural marker
PO_WIDTH = 100

# GNU gettext's usual Plural-Forms (Babel's CLDR data adds a "many" form for millions in the
# Romance languages, which translators do not expect and which no count here reaches).
PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "tr": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
          "(n%100<10 || n%100>=20) ? 1 : 2);",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "zh_CN": "nplurals=1; plural=0;",
    "zh_TW": "nplurals=1; plural=0;",
}


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return po_path(language, locale_dir).with_suffix(".mo")


def extract(source_dir: Path = SOURCE_DIR) -> Catalog:
    """Every `_()`, `N_()`, `N_plural()` and `ngettext()` message in the source, as a template."""
    template = Catalog(project=PROJECT, domain=DOMAIN, creation_date=FIXED_DATE, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            source_dir, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        location = (f"launcher/{Path(filename).as_posix()}", lineno)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def new_catalog(language: str) -> Catalog:
    catalog = Catalog(locale=language, project=PROJECT, domain=DOMAIN,
                      creation_date=FIXED_DATE, revision_date=FIXED_DATE, fuzzy=False)
    set_plural_forms(catalog, language)
    return catalog


def set_plural_forms(catalog: Catalog, language: str) -> None:
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[language])]


def load(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog | None:
    path = po_path(language, locale_dir)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def save(catalog: Catalog, language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    path = po_path(language, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, omit_header=False, include_lineno=False,
             ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())
    return path


def update(language: str, template: Catalog, locale_dir: Path = LOCALE_DIR) -> Catalog:
    """The catalog with the template's messages: new ones empty, gone ones dropped. English
    is the source language, so its catalog is filled with the msgids themselves."""
    catalog = load(language, locale_dir) or new_catalog(language)
    # update() adopts the template's Message objects: a copy keeps one catalog's strings out
    # of the next one's.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
    set_plural_forms(catalog, language)
    catalog.revision_date = FIXED_DATE
    if language == "en":
        for message in catalog:
            if message.id:
                message.string = message.id
    return catalog


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


# printf-style fields: only argparse's own messages (launcher/i18n/argparse_words.py) have them.
PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?([a-z%])")


def fields(text: str) -> list[str]:
    """The fields of `text`, e.g. ["model!r", "folder"] for str.format, ["%(prog)s"] for
    printf-style (sorted, with repeats)."""
    if PERCENT_FIELD.search(text) and "{" not in text:
        return sorted(match.group(0) for match in PERCENT_FIELD.finditer(text)
                      if match.group(0) != "%%")
    found = []
    for _literal, name, _spec, conversion in string.Formatter().parse(text):
        if name is not None:
            found.append(name + (f"!{conversion}" if conversion else ""))
    return sorted(found)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (list, tuple)):
        return tuple(message.string)
    return (message.string or "",)


@dataclass
class Problems:
    """What is wrong with one language's catalog, each as a line a person can act on."""

    language: str
    missing: list[str] = field(default_factory=list)  # in the source, not in the catalog
    untranslated: list[str] = field(default_factory=list)  # empty or fuzzy translations
    obsolete: list[str] = field(default_factory=list)  # in the catalog, gone from the source
    placeholders: list[str] = field(default_factory=list)
    plural_forms: list[str] = field(default_factory=list)
    stale_mo: bool = False

    def lines(self) -> list[str]:
        out = []
        for label, items in (("missing msgid", self.missing), ("untranslated", self.untranslated),
                             ("obsolete msgid", self.obsolete),
                             ("placeholders differ", self.placeholders),
                             ("plural forms", self.plural_forms)):
            out += [f"{self.language}: {label}: {item}" for item in items]
        if self.stale_mo:
            out.append(f"{self.language}: {mo_path(self.language).name} is not compiled from "
                       "its .po: run scripts/i18n compile")
        return out


def check(language: str, template: Catalog, locale_dir: Path = LOCALE_DIR) -> Problems:
    problems = Problems(language)
    catalog = load(language, locale_dir)
    if catalog is None:
        problems.missing = [_ids(m)[0] for m in template if m.id]
        return problems
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    problems.missing = sorted(wanted - have)
    problems.obsolete = sorted(have - wanted)
    expected_plurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    if catalog.num_plurals != expected_plurals:
        problems.plural_forms.append(f"header says {catalog.num_plurals}, "
                                     f"{language} has {expected_plurals}")
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _ids(message), _strings(message)
        if message.fuzzy or not all(strings):
            problems.untranslated.append(ids[0])
            continue
        if len(ids) > 1 and len(strings) != expected_plurals:
            problems.plural_forms.append(f"{ids[0]!r} has {len(strings)} forms")
        wanted_fields = fields(ids[-1])
        for text in strings:
            if fields(text) != wanted_fields:
                problems.placeholders.append(f"{ids[0]!r} -> {text!r}")
    mo = mo_path(language, locale_dir)
    problems.stale_mo = not mo.is_file() or mo.read_bytes() != compiled(catalog)
    return problems


def fill(language: str, translations: dict[str, str | list[str]],
         locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Put `translations` (msgid -> text, or its plural forms) into the catalog; returns the
    msgids it does not have (mistyped, or not extracted yet: run update first)."""
    catalog = load(language, locale_dir)
    if catalog is None:
        return list(translations)
    unknown = []
    for msgid, text in translations.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        if isinstance(message.id, (list, tuple)):
            forms = list(text) if isinstance(text, list) else [text]
            forms += forms[-1:] * (catalog.num_plurals - len(forms))
            message.string = tuple(forms[-1:] if catalog.num_plurals == 1
                                   else forms[:catalog.num_plurals])
        else:
            message.string = text if isinstance(text, str) else text[0]
        message.flags.discard("fuzzy")
    save(catalog, language, locale_dir)
    return unknown
