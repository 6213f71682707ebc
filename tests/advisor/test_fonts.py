"""The plot's font: which files to try where (pure), whether a font has every glyph of the
text, and a real plot in Japanese drawn in glyphs, not .notdef boxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from launcher import i18n
from launcher.advisor import fonts, plot
from launcher.advisor.analysis import Advisor
from launcher.advisor.fonts import PILLOW, FontFile, choose_font, font_files, missing_glyphs
from launcher.rvc.folder import RvcFolder

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_wqy = pytest.mark.skipif(not WQY.is_file(), reason=f"{WQY} is not installed "
                               "(Debian: fonts-wqy-microhei)")


@pytest.fixture
def speak() -> Iterator:
    yield i18n.install
    i18n.install("en")


def names(files: list[FontFile]) -> list[str]:
    return [Path(f.path.replace("\\", "/")).name for f in files]


def test_windows_tries_the_languages_own_font_then_latin_then_the_other_cjk_fonts() -> None:
    ja = font_files("ja", "win32", "D:\\Win")
    assert names(ja)[:3] == ["YuGothM.ttc", "meiryo.ttc", "msgothic.ttc"]
    assert names(ja).index("segoeui.ttf") < names(ja).index("msyh.ttc")
    assert ja[0].path.replace("\\", "/") == "D:/Win/Fonts/YuGothM.ttc"
    assert names(font_files("zh_TW", "win32"))[0] == "msjh.ttc"
    assert names(font_files("zh_CN", "win32"))[0] == "msyh.ttc"
    assert names(font_files("ko", "win32"))[0] == "malgun.ttf"
    for latin in ("ru", "tr", "es", "en"):
        assert names(font_files(latin, "win32"))[:2] == ["segoeui.ttf", "arial.ttf"]
    assert len(set(names(ja))) == len(ja), "each file once"


def test_linux_tries_noto_cjk_with_the_languages_face_then_wenquanyi() -> None:
    zh = font_files("zh_CN", "linux")
    assert "NotoSansCJK" in zh[0].path and zh[0].index == 2  # Simplified Chinese face
    assert font_files("ja", "linux")[0].index == 0 and font_files("zh_TW", "linux")[0].index == 3
    paths = [f.path for f in zh]
    assert WQY.as_posix() in paths
    assert paths.index(WQY.as_posix()) < paths.index(DEJAVU.as_posix())
    assert font_files("ru", "linux")[0].path == DEJAVU.as_posix()


def test_macos_tries_its_own_fonts() -> None:
    assert names(font_files("ko", "darwin"))[0] == "AppleSDGothicNeo.ttc"
    assert names(font_files("ru", "darwin"))[0] == "Helvetica.ttc"


def test_pillows_own_font_lacks_accents_and_cjk() -> None:
    default = fonts.load_font(PILLOW, 13)
    assert missing_glyphs(default, "step 1200") == set()
    assert missing_glyphs(default, "época ステップ") == {"é", "ス", "テ", "ッ", "プ"}


@needs_wqy
def test_a_font_is_chosen_only_when_it_has_every_glyph() -> None:
    wqy = FontFile(str(WQY))
    assert choose_font("try epochs 78", "en", [wqy]) == PILLOW  # the same picture everywhere
    assert choose_font("ステップ 1200", "ja", [FontFile("/nowhere.ttf"), wqy]) == wqy
    assert choose_font("ステップ", "ja", [FontFile(str(DEJAVU))]) is None
    assert choose_font("переобучение", "ru", [FontFile(str(DEJAVU))]) == FontFile(str(DEJAVU))


def title_strip(draw_title) -> bytes:
    """The title band of a plot-sized picture drawn by `draw_title(draw)`."""
    image = Image.new("RGB", (plot.WIDTH, plot.HEIGHT), plot.BACKGROUND)
    draw_title(ImageDraw.Draw(image))
    return image.crop((0, 0, plot.WIDTH, 34)).tobytes()


def notdef_title(text: str) -> str:
    return "".join(ch if ch.isascii() else fonts.NOT_A_CHARACTER for ch in text)


@needs_wqy
def test_a_japanese_plot_draws_its_title_in_glyphs_not_boxes(
        demo_rvc: Path, tmp_path: Path, speak, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "font_files", lambda *args: [FontFile(str(WQY))])
    monkeypatch.setattr(fonts, "fontconfig_file", lambda language: None)
    speak("ja")
    advisor = Advisor(RvcFolder.at(demo_rvc))
    report = advisor.refresh()["Aria"]
    path = plot.write_plot("Aria", advisor.scalars("Aria"), report, tmp_path / "Aria.png",
                           smoothing=0.987)
    labels, file = plot.labels_and_font("Aria", report, 0.987)
    assert file == FontFile(str(WQY)) and "エポック" in labels.title
    with Image.open(path) as image:
        drawn = image.convert("RGB").crop((0, 0, plot.WIDTH, 34)).tobytes()
    font = fonts.load_font(file, plot.TITLE_SIZE)

    def title(text: str, with_font=font):
        return title_strip(lambda d: d.text(plot.TITLE_AT, text, fill=plot.TEXT, font=with_font))

    assert drawn == title(labels.title), "the title is drawn with the chosen font"
    assert drawn != title(notdef_title(labels.title)), "the title is .notdef boxes"
    # The check can fail: Pillow's own font draws this title as exactly those boxes.
    default = fonts.load_font(PILLOW, plot.TITLE_SIZE)
    assert title(labels.title, default) == title(notdef_title(labels.title), default)


def test_without_a_font_for_the_language_the_plot_speaks_english(
        demo_rvc: Path, tmp_path: Path, speak, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "font_files", lambda *args: [])
    monkeypatch.setattr(fonts, "fontconfig_file", lambda language: None)
    speak("zh_CN")
    advisor = Advisor(RvcFolder.at(demo_rvc))
    report = advisor.refresh()["Aria"]
    labels, file = plot.labels_and_font("Aria", report, 0.987)
    assert file == PILLOW
    assert labels == plot.plot_labels("Aria", report, 0.987, i18n.ENGLISH)
    assert labels.title.startswith("Aria: try epochs ") and labels.step == "step"
    path = plot.write_plot("Aria", advisor.scalars("Aria"), report, tmp_path / "Aria.png",
                           smoothing=0.987)
    assert path.is_file()


def test_the_plot_labels_are_translated(demo_rvc: Path, speak) -> None:
    advisor = Advisor(RvcFolder.at(demo_rvc))
    report = advisor.refresh()["Aria"]
    speak("es")
    labels = plot.plot_labels("Aria", report, 0.987, i18n.translations())
    assert labels.title.startswith("Aria: prueba las épocas ")
    assert report.headline(i18n.translations()) in labels.title
    assert (labels.lowest, labels.step) == ("punto más bajo", "paso")
    assert labels.legend[0].startswith("1: época ")
