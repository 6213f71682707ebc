"""A font for the plot's text: Pillow's own font has Latin letters without accents only, so
text in another language needs a system font that has every glyph of it.

`font_files` (pure) says which files to try for a language on an OS; `choose_font` takes
Pillow's own font when it covers the text, else the first of those files (then fontconfig's
choice) that covers it, else None: the caller then draws English.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
NOT_A_CHARACTER = "\U0010FFFD"  # a private-use code point no font maps: it draws .notdef


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0  # the face inside a .ttc collection


PILLOW = FontFile("<Pillow's own font>")


# Windows' own fonts (in %WINDIR%\Fonts): the language's first, then the Latin, Cyrillic and
# Turkish ones, then the other CJK fonts (a model's name may be in another script).
WINDOWS_CJK = {
    "ja": ("YuGothM.ttc", "meiryo.ttc", "msgothic.ttc"),
    "zh_CN": ("msyh.ttc", "simsun.ttc"),
    "zh_TW": ("msjh.ttc", "mingliu.ttc"),
    "ko": ("malgun.ttf", "gulim.ttc"),
}
WINDOWS_LATIN = ("segoeui.ttf", "arial.ttf", "tahoma.ttf")

# Linux: Debian/Ubuntu paths first, then Fedora's and Arch's.
NOTO_CJK = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
NOTO_CJK_FACE = {"ja": 0, "ko": 1, "zh_CN": 2, "zh_TW": 3}  # JP, KR, SC, TC in the collection
WENQUANYI = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LINUX_LATIN = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
               "/usr/share/fonts/TTF/DejaVuSans.ttf",
               "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")

MAC_CJK = {
    "ja": ("/System/Library/Fonts/ヒラギノ角ゴシック W3.ttc",),
    "zh_CN": ("/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Light.ttc"),
    "zh_TW": ("/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Light.ttc"),
    "ko": ("/System/Library/Fonts/AppleSDGothicNeo.ttc",),
}
MAC_LATIN = ("/System/Library/Fonts/Helvetica.ttc",
             "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
             "/Library/Fonts/Arial Unicode.ttf")


def font_files(language: str, platform: str, windir: str | None = None) -> list[FontFile]:
    """The font files to try for text in `language` on `platform` (sys.platform), best first."""
    if platform == "win32":
        folder = Path(windir or "C:\\Windows") / "Fonts"
        names = _ordered(language, WINDOWS_CJK, WINDOWS_LATIN)
        return [FontFile(str(folder / name)) for name in names]
    if platform == "darwin":
        return [FontFile(path) for path in _ordered(language, MAC_CJK, MAC_LATIN)]
    return _linux_files(language)


def _ordered(language: str, cjk: dict[str, tuple[str, ...]], latin: tuple[str, ...]
             ) -> list[str]:
    others = [name for lang, names in cjk.items() if lang != language for name in names]
    return list(dict.fromkeys([*cjk.get(language, ()), *latin, *others]))


def _linux_files(language: str) -> list[FontFile]:
    noto = [FontFile(path, NOTO_CJK_FACE.get(language, 0)) for path in NOTO_CJK]
    wqy = [FontFile(path) for path in WENQUANYI]
    latin = [FontFile(path) for path in LINUX_LATIN]
    if language in NOTO_CJK_FACE:
        return [*noto, *wqy, *latin]
    return [*latin, *noto, *wqy]


@functools.lru_cache(maxsize=16)
def fontconfig_file(language: str) -> FontFile | None:
    """fontconfig's best font for `language`, where fontconfig is installed (not Windows); asked
    once per language, not for every plot."""
    fc_match = shutil.which("fc-match")
    if sys.platform == "win32" or fc_match is None:
        return None
    try:
        done = subprocess.run([fc_match, "-f", "%{file}", f":lang={_fc_lang(language)}"],
                              capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return FontFile(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def _fc_lang(language: str) -> str:
    return language.lower().replace("_", "-")  # zh_TW -> zh-tw


def missing_glyphs(font: Font, text: str) -> set[str]:
    """The characters of `text` that `font` draws as its .notdef box (or as nothing)."""
    unusable = {None, _mask(font, NOT_A_CHARACTER), _mask(font, " ")}
    return {ch for ch in set(text) if not ch.isspace() and _mask(font, ch) in unusable}


def _mask(font: Font, text: str) -> tuple[tuple[int, int], bytes] | None:
    try:
        mask = font.getmask(text)
    except UnicodeEncodeError:  # the bitmap font knows Latin-1 only
        return None
    return mask.size, bytes(mask)


def default_font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


@functools.lru_cache(maxsize=32)
def load_font(file: FontFile, size: int) -> Font:
    if file == PILLOW:
        return default_font(size)
    return ImageFont.truetype(file.path, size, index=file.index)


def choose_font(text: str, language: str, candidates: list[FontFile] | None = None,
                size: int = 13) -> FontFile | None:
    """The font that draws every character of `text`: Pillow's own when it does (the same
    picture on every machine), else the first candidate that does; None if none does."""
    if not missing_glyphs(load_font(PILLOW, size), text):
        return PILLOW
    if candidates is None:
        candidates = font_files(language, sys.platform, os.environ.get("WINDIR"))
        found = fontconfig_file(language)
        candidates += [found] if found is not None else []
    for file in candidates:
        if not os.path.isfile(file.path):
            continue
        try:
            font = load_font(file, size)
        except OSError as error:
            log.debug("cannot load font %s: %s", file.path, error)
            continue
        missing = missing_glyphs(font, text)
        if not missing:
            return file
        log.debug("font %s lacks %s", file.path, "".join(sorted(missing))[:40])
    return None
