"""The real win32 tray menu in Chinese and Russian (the Wine lane, or a Windows machine): the
launcher's own TrayShell and pystray draw it, the test opens it the way a right click does,
reads its items back from Windows, checks that the menu font (with the font links the lane
sets up) has a glyph for every character of them, and keeps a screenshot of the menu in
artifacts/wine/ for a person to look at.

The core behind the tray is a stand-in holding a fixed state (TensorBoard running, two models,
one overtraining): the menu is a function of the state, and the real core needs TensorBoard.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from ctypes import wintypes
from pathlib import Path

import pytest

from launcher import i18n, winplatform
from launcher.core.state import AppState, ModelSummary, Phase
from tests.helpers import wait_until

if winplatform.IS_WINDOWS:
    from launcher.ui.tray import TrayShell
    from tests.windows import desktop

pytestmark = pytest.mark.skipif(not winplatform.IS_WINDOWS,
                                reason="draws the win32 tray menu (runs on Windows and under Wine)")

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "wine"
WM_TRAY_NOTIFY = 0x0400 + 11  # pystray._util.win32.WM_NOTIFY: the icon's callback message
WM_RBUTTONUP = 0x0205
WM_KEYDOWN = 0x0100
VK_ESCAPE = 0x1B
MENU_CLASS = "#32768"
MENU_AT = (60, 40)  # where the "click" happens: the menu opens to its lower right
INK = 128  # a pixel darker than this on the menu's light background is text

class StandInCore:
    """A fixed state: TensorBoard running, Aria overtraining with two best epochs, Ben
    improving; built after the language is installed, as the real core builds its texts."""

    def __init__(self) -> None:
        _ = i18n._
        verdict = _("overtraining since step {step} (epoch {epoch})").format(step=7600,
                                                                             epoch=380)
        best = tuple(_("e{epoch} (nearest: {file})").format(
            epoch=e, file=f"Aria_e{e}_s{e * 20}.pth") for e in (380, 370))
        url = "http://127.0.0.1:6006/"
        self.state = AppState(
            phase=Phase.RUNNING, message=_("TensorBoard is ready at {url}").format(url=url),
            url=url, model="Aria", models=(ModelSummary("Aria", verdict, best, overtraining=True),
                                           ModelSummary("Ben", _("improving"))))

    def subscribe(self, callback: object) -> None: ...
    def on_notify(self, callback: object) -> None: ...

    def __getattr__(self, name: str) -> object:
        return lambda *args: None



@pytest.fixture
def tray(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """The real tray in the given language, in this process (Wine keeps menus per process, so
    reading the menu back needs the same process); yields (language, the icon's window)."""
    language = request.param
    i18n.install(language)
    visible = threading.Event()
    shell = TrayShell(StandInCore(), on_visible=visible.set)
    thread = threading.Thread(target=shell.run, name="tray-under-test", daemon=True)
    thread.start()
    try:
        assert visible.wait(30), "the tray icon did not appear"
        assert shell.icon is not None
        yield language, shell.icon._hwnd
    finally:
        shell.stop()
        thread.join(30)
        i18n.install("en")
    assert not thread.is_alive(), "the tray did not stop"


def open_menu(icon_window: int) -> int:
    """Right-click the icon the way the shell reports it; the popup menu's window."""
    user32 = desktop.user32
    user32.SetCursorPos(*MENU_AT)
    user32.PostMessageW(icon_window, WM_TRAY_NOTIFY, 0, WM_RBUTTONUP)
    found: list[int] = []

    def shown() -> bool:
        window = user32.FindWindowW(MENU_CLASS, None)
        if window and user32.IsWindowVisible(window):
            found.append(window)
        return bool(found)

    assert wait_until(shown, timeout=20), "the tray menu did not open"
    return found[0]



def ink_shapes(image, box: tuple[int, int, int, int] | None = None) -> list[bytes]:
    """Each run of inked columns in each text line, as its binary pixel pattern."""
    gray = (image.crop(box) if box else image).convert("L")
    width, height = gray.size
    pixels = gray.load()
    ink = [[pixels[x, y] < INK for x in range(width)] for y in range(height)]
    rows = [y for y in range(height) if any(ink[y])]
    lines: list[list[int]] = []
    for y in rows:
        if lines and y == lines[-1][-1] + 1:
            lines[-1].append(y)
        else:
            lines.append([y])
    shapes = []
    for line in lines:
        columns = [x for x in range(width) if any(ink[y][x] for y in line)]
        runs: list[list[int]] = []
        for x in columns:
            if runs and x == runs[-1][-1] + 1:
                runs[-1].append(x)
            else:
                runs.append([x])
        for run in runs:
            shapes.append(bytes(ink[y][x] for y in line for x in run) + bytes([len(run)]))
    return shapes


def drawn_shapes(text: str) -> list[bytes]:
    """`text` drawn with the menu font the way menus draw it (DrawTextW, so with the font
    links), as ink shapes. Wine draws a character no linked font has as nothing at all."""
    from PIL import Image

    user32, gdi32 = ctypes.WinDLL("user32"), ctypes.WinDLL("gdi32")

    class LOGFONTW(ctypes.Structure):
        _fields_ = [("lfHeight", ctypes.c_long), ("lfWidth", ctypes.c_long),
                    ("lfEscapement", ctypes.c_long), ("lfOrientation", ctypes.c_long),
                    ("lfWeight", ctypes.c_long), ("lfItalic", ctypes.c_ubyte),
                    ("lfUnderline", ctypes.c_ubyte), ("lfStrikeOut", ctypes.c_ubyte),
                    ("lfCharSet", ctypes.c_ubyte), ("lfOutPrecision", ctypes.c_ubyte),
                    ("lfClipPrecision", ctypes.c_ubyte), ("lfQuality", ctypes.c_ubyte),
                    ("lfPitchAndFamily", ctypes.c_ubyte), ("lfFaceName", ctypes.c_wchar * 32)]

    class NONCLIENTMETRICSW(ctypes.Structure):
        _fields_ = [("cbSize", wintypes.UINT), ("iBorderWidth", ctypes.c_int),
                    ("iScrollWidth", ctypes.c_int), ("iScrollHeight", ctypes.c_int),
                    ("iCaptionWidth", ctypes.c_int), ("iCaptionHeight", ctypes.c_int),
                    ("lfCaptionFont", LOGFONTW), ("iSmCaptionWidth", ctypes.c_int),
                    ("iSmCaptionHeight", ctypes.c_int), ("lfSmCaptionFont", LOGFONTW),
                    ("iMenuWidth", ctypes.c_int), ("iMenuHeight", ctypes.c_int),
                    ("lfMenuFont", LOGFONTW), ("lfStatusFont", LOGFONTW),
                    ("lfMessageFont", LOGFONTW), ("iPaddedBorderWidth", ctypes.c_int)]

    metrics = NONCLIENTMETRICSW(cbSize=ctypes.sizeof(NONCLIENTMETRICSW))
    assert user32.SystemParametersInfoW(0x29, metrics.cbSize, ctypes.byref(metrics), 0)
    gdi32.CreateFontIndirectW.restype = wintypes.HFONT
    gdi32.CreateCompatibleDC.restype = wintypes.HDC
    gdi32.CreateCompatibleBitmap.restype = wintypes.HBITMAP
    gdi32.SelectObject.argtypes = [wintypes.HDC, wintypes.HGDIOBJ]
    screen = user32.GetDC(None)
    dc = gdi32.CreateCompatibleDC(screen)
    size = (64, 40)
    bitmap = gdi32.CreateCompatibleBitmap(screen, *size)
    gdi32.SelectObject(dc, bitmap)
    gdi32.SelectObject(dc, gdi32.CreateFontIndirectW(ctypes.byref(metrics.lfMenuFont)))
    rect = wintypes.RECT(0, 0, *size)
    user32.FillRect(dc, ctypes.byref(rect), gdi32.GetStockObject(0))  # WHITE_BRUSH
    gdi32.SetBkMode(dc, 1)  # TRANSPARENT
    user32.DrawTextW(dc, text, -1, ctypes.byref(rect), 0x20 | 0x4 | 0x1)  # centred line
    raw = (ctypes.c_ubyte * (size[0] * size[1] * 4))()

    class BITMAPINFOHEADER(ctypes.Structure):
        _fields_ = [("biSize", wintypes.DWORD), ("biWidth", ctypes.c_long),
                    ("biHeight", ctypes.c_long), ("biPlanes", wintypes.WORD),
                    ("biBitCount", wintypes.WORD), ("biCompression", wintypes.DWORD),
                    ("biSizeImage", wintypes.DWORD), ("biXPelsPerMeter", ctypes.c_long),
                    ("biYPelsPerMeter", ctypes.c_long), ("biClrUsed", wintypes.DWORD),
                    ("biClrImportant", wintypes.DWORD)]

    header = BITMAPINFOHEADER(biSize=ctypes.sizeof(BITMAPINFOHEADER), biWidth=size[0],
                              biHeight=-size[1], biPlanes=1, biBitCount=32)
    gdi32.GetDIBits.argtypes = [wintypes.HDC, wintypes.HBITMAP, wintypes.UINT, wintypes.UINT,
                                ctypes.c_void_p, ctypes.c_void_p, wintypes.UINT]
    assert gdi32.GetDIBits(dc, bitmap, 0, size[1], raw, ctypes.byref(header), 0)
    image = Image.frombuffer("RGBX", size, bytes(raw), "raw", "BGRX", 0, 1)
    user32.ReleaseDC(None, screen)
    return ink_shapes(image)


def undrawable(texts: list[str]) -> list[str]:
    """The characters of `texts` the menu font (with its links) has no glyph for: drawn, they
    leave no ink, or they come out as the box an unassigned character (U+0378) draws as."""
    missing_glyph = drawn_shapes("\u0378")
    found = []
    for char in dict.fromkeys("".join(texts)):
        if char.isspace():
            continue
        shapes = drawn_shapes(char)
        if not shapes or (missing_glyph and shapes == missing_glyph):
            found.append(char)
    return found


@pytest.mark.parametrize("tray", ["zh_CN", "ru"], indirect=True)
def test_tray_menu_draws_its_language(tray: tuple[str, int]) -> None:
    from PIL import ImageGrab

    language, icon_window = tray
    user32 = desktop.user32
    menu_window = open_menu(icon_window)
    try:
        rect = wintypes.RECT()
        assert user32.GetWindowRect(menu_window, ctypes.byref(rect))
        box = (rect.left, rect.top, rect.right, rect.bottom)
        assert rect.right - rect.left > 50 and rect.bottom - rect.top > 100, box
        shots: list = []

        def painted() -> bool:  # the window shows before its items are drawn
            shots.append(ImageGrab.grab(bbox=box, all_screens=True))
            return len(shots) > 1 and shots[-1].tobytes() == shots[-2].tobytes() \
                and len(ink_shapes(shots[-1])) > 40

        assert wait_until(painted, timeout=20, interval=0.3), "the menu was not drawn"
        shot = shots[-1]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot.save(ARTIFACTS / f"tray-menu-{language}.png")
        texts = [text for text in desktop.menu_item_texts(menu_window) if text]  # no separators
        assert texts, "no menu items behind the popup window"
    finally:
        user32.PostMessageW(menu_window, WM_KEYDOWN, VK_ESCAPE, 0)

    expected = [i18n._(text) for text in ("Open dashboard", "Start TensorBoard",
                                         "Stop TensorBoard", "Models", "Quit")]
    assert texts[0].startswith(i18n._("running").capitalize()), texts
    for text in expected:
        assert text in texts, (text, texts)
    missing = undrawable(texts)
    assert not missing, f"no glyph in the menu font for {''.join(missing)!r} ({language})"
