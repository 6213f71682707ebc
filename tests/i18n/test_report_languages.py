"""`python -m launcher report` in Spanish and Japanese, as a user runs it: the table and the
words around it translated, columns aligned on screen, the JSON for scripts still English."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from launcher import winplatform
from launcher.core.settings import Settings
from launcher.events.writer import ScalarEventWriter
from launcher.rvc.paths import LauncherPaths

REPO = Path(__file__).resolve().parents[2]
CELL_START = re.compile(r"(?:^|(?<=  ))\S")  # cells are two or more spaces apart


def report(rvc: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    environment.update(env)
    done = subprocess.run([sys.executable, "-m", "launcher", "report", "--rvc-dir", str(rvc),
                           *args], cwd=REPO, text=True, capture_output=True, timeout=60,
                          env=environment, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return done


def table_header(text: str) -> str:
    """The line above the table's rule of dashes."""
    lines = text.splitlines()
    return next(lines[i - 1] for i, line in enumerate(lines) if line.startswith("-----"))


def screen_columns(line: str, upto: int) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:upto])


def test_report_in_spanish(demo_rvc: Path) -> None:
    text = report(demo_rvc, "--lang", "es").stdout
    lines = text.splitlines()
    assert lines[0].startswith("Aria: Prueba las épocas ~"), "the answer comes first"
    header = next(line for line in lines if line.startswith("Modelo "))
    assert header.split() == ["Modelo", "Épocas", "a", "probar", "Veredicto", "Mínimo", "en",
                              "el", "paso", "Último", "paso", "Puntos"]
    aria = next(line for line in lines if line.startswith("Aria "))
    assert "sobreentrenamiento desde el paso" in aria and "(época ~" in aria
    assert "Ben " in text and "mejorando" in text
    assert "  veredicto: sobreentrenamiento desde el paso" in text
    assert "  candidatos (mínimos claros de loss/g/mel sin suavizar" in text
    assert "  #1 paso " in text and "guardado más cercano: Aria_e" in text
    assert lines[-1].startswith("Solo es un consejo: escucha los candidatos")


def test_report_in_japanese_lines_up_on_screen(demo_rvc: Path) -> None:
    # The system's language: LANG on Linux; on Windows the UI language, which no variable sets.
    system = ("--lang", "ja") if winplatform.IS_WINDOWS else ()
    text = report(demo_rvc, *system, LANG="ja_JP.UTF-8").stdout
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("モデル"))
    header, rule, *rows = lines[at:at + 6]
    assert header.split()[:4] == ["モデル", "試聴するエポック", "判定", "最小のステップ"]
    assert any("から過学習" in row and "(エポック ~" in row for row in rows)
    assert any("改善中" in row for row in rows)
    assert lines[-1].startswith("あくまで目安です")
    # Each column starts where the rule's dashes do, counting wide characters as two.
    starts = [match.start() for match in CELL_START.finditer(rule)]
    assert len(starts) == 6
    for row in (header, *rows):
        cells = [screen_columns(row, match.start()) for match in CELL_START.finditer(row)]
        assert cells == starts, row


def test_settings_language_applies_and_lang_overrides_it(demo_rvc: Path) -> None:
    Settings(language="fr").save(LauncherPaths(demo_rvc).settings_file)
    assert table_header(report(demo_rvc, LANG="ja_JP.UTF-8").stdout).startswith("Modèle  ")
    assert table_header(report(demo_rvc, "--lang", "ru").stdout).startswith("Модель  ")
    assert table_header(report(demo_rvc, "--lang", "xx").stdout).startswith("Model  Try epochs")


def test_report_json_keeps_english_keys_and_values(demo_rvc: Path) -> None:
    data = json.loads(report(demo_rvc, "--json", "--lang", "ja").stdout)
    aria = next(item for item in data if item["model"] == "Aria")
    assert aria["verdict"] == "overtraining"
    assert aria["headline"].startswith("overtraining since step ")
    assert {"onset_step", "candidates", "warnings", "headline"} <= set(aria)


def test_warnings_speak_the_users_language_and_json_stays_english(demo_rvc: Path) -> None:
    with ScalarEventWriter(demo_rvc / "logs" / "Dot", wall_time=1.7e9) as writer:
        for step, (total, mel) in enumerate([(30.0, 75.0), (29.0, 20.0), (28.0, 21.0)], 1):
            writer.add_scalar("loss/g/total", total, step * 200)
            writer.add_scalar("loss/g/mel", mel, step * 200)
    spanish = report(demo_rvc, "--lang", "es", "--model", "Dot").stdout.splitlines()
    assert "  aviso: solo hay 3 puntos registrados; todavía es pronto para juzgar" in spanish
    assert ("  aviso: 1 punto de loss/g/mel está en el tope de visualización de 75 (el valor "
            "real es mayor); no es candidato") in spanish
    japanese = report(demo_rvc, "--lang", "ja", "--model", "Dot").stdout.splitlines()
    assert "  警告: 記録された点はまだ 3 点だけです。判定するには早すぎます" in japanese
    data = json.loads(report(demo_rvc, "--json", "--lang", "ja", "--model", "Dot").stdout)
    assert data[0]["warnings"] == [
        "only 3 points logged; too early to judge",
        "1 loss/g/mel point sits at the display cap of 75 (real value higher); it is not a "
        "candidate"]
