"""Which language the launcher speaks: --lang, settings.json, the system, else English."""

from __future__ import annotations

import pytest

from launcher.core.settings import Settings
from launcher.i18n.choice import (
    choose_language,
    locale_name_for_langid,
    match_language,
    system_languages,
)


@pytest.mark.parametrize(("name", "expected"), [
    ("ja_JP.UTF-8", "ja"), ("es-MX", "es"), ("es_ES@euro", "es"), ("fr", "fr"),
    ("pt-BR", "pt_BR"), ("pt_PT", "pt_BR"), ("ru_RU.KOI8-R", "ru"), ("tr_TR", "tr"),
    ("zh_CN", "zh_CN"), ("zh_SG", "zh_CN"), ("zh-Hans", "zh_CN"), ("zh", "zh_CN"),
    ("zh_TW", "zh_TW"), ("zh_HK", "zh_TW"), ("zh_MO", "zh_TW"), ("zh-Hant-HK", "zh_TW"),
    ("zh_Hans_HK", "zh_CN"), ("ko-kr", "ko"), ("en_GB", "en"),
    ("de_DE", None), ("C", None), ("POSIX", None), ("", None), ("C.UTF-8", None),
])
def test_locale_names_map_to_catalogs(name: str, expected: str | None) -> None:
    assert match_language(name) == expected


def test_lang_then_setting_then_system_and_an_unknown_one_means_english() -> None:
    assert choose_language("ru", "ja", ["fr_FR"]) == "ru"
    assert choose_language(None, "ja", ["fr_FR"]) == "ja"
    assert choose_language(None, "", ["fr_FR"]) == "fr"
    assert choose_language("klingon", "ja", ["it_IT"]) == "en"
    assert choose_language(None, "klingon", ["it_IT"]) == "en"
    assert choose_language(None, None, ["de_DE", "it_IT"]) == "it"  # the system's list, in order
    assert choose_language(None, None, ["de_DE"]) == "en"
    assert choose_language(None, None, []) == "en"


def test_unix_environment_in_gettext_order() -> None:
    env = {"LANGUAGE": "de:pt_BR", "LC_ALL": "", "LC_MESSAGES": "ko_KR.UTF-8",
           "LANG": "en_US.UTF-8"}
    assert system_languages(env, windows=False) == ["de", "pt_BR", "ko_KR.UTF-8", "en_US.UTF-8"]
    assert choose_language(system=system_languages(env, windows=False)) == "pt_BR"
    assert choose_language(system=system_languages({"LANG": "C.UTF-8"}, windows=False)) == "en"


@pytest.mark.parametrize(("langid", "expected"), [
    (0x0409, "en_US"), (0x0C0A, "es_ES"), (0x080A, "es_MX"), (0x040C, "fr_FR"),
    (0x080C, "fr"),  # fr-BE: the primary language is enough
    (0x0410, "it_IT"), (0x0411, "ja_JP"), (0x0412, "ko_KR"), (0x0416, "pt_BR"),
    (0x0816, "pt_PT"), (0x0419, "ru_RU"), (0x041F, "tr_TR"), (0x0804, "zh_CN"),
    (0x1004, "zh_SG"), (0x0404, "zh_TW"), (0x0C04, "zh_HK"), (0x1404, "zh_MO"),
    (0x0407, None),  # German: no catalog
])
def test_windows_ui_langids(langid: int, expected: str | None) -> None:
    assert locale_name_for_langid(langid) == expected


@pytest.mark.parametrize(("langid", "catalog"), [
    (0x0C04, "zh_TW"), (0x1004, "zh_CN"), (0x0816, "pt_BR"), (0x0407, "en"), (0x0419, "ru")])
def test_windows_ui_language_to_catalog(langid: int, catalog: str) -> None:
    name = locale_name_for_langid(langid)
    assert choose_language(system=[name] if name else []) == catalog


def test_settings_language_round_trips_and_a_wrong_type_is_ignored(tmp_path) -> None:
    path = tmp_path / "settings.json"
    Settings(language="ja").save(path)
    assert Settings.load(path).language == "ja"
    path.write_text('{"language": 7}', encoding="utf-8")
    assert Settings.load(path).language == ""
