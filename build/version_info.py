"""The Windows version resource of the exe, as the text PyInstaller's EXE(version=...) reads.

Kept free of PyInstaller imports (its versioninfo module needs pefile, which is Windows-only
here) so the text can be generated and checked on any OS.
"""

from __future__ import annotations

from pathlib import Path

PRODUCT_NAME = "RVC TensorBoard Launcher"
DESCRIPTION = "A preset, supervised TensorBoard for RVC voice-model training"
COMPANY = "RVC TensorBoard Launcher contributors"
COPYRIGHT = "MIT License"


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' -> (0, 1, 0, 0); a pre-release or local suffix ('0.2.0rc1', '1.0+dev') is dropped."""
    numbers: list[int] = []
    for part in version.split("+")[0].split(".")[:4]:
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        numbers.append(int(digits or 0))
        if digits != part:
            break
    numbers += [0] * (4 - len(numbers))
    return numbers[0], numbers[1], numbers[2], numbers[3]


def version_info_text(version: str, exe_name: str) -> str:
    """The VSVersionInfo expression Explorer shows under Properties > Details."""
    numbers = version_tuple(version)
    dotted = ".".join(str(n) for n in numbers)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": PRODUCT_NAME,
        "FileVersion": dotted,
        "InternalName": exe_name,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": PRODUCT_NAME,
        "ProductVersion": version,
        "Comments": DESCRIPTION,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items())
    return f"""# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def write_version_info(path: Path, version: str, exe_name: str) -> Path:
    path.write_text(version_info_text(version, exe_name), encoding="utf-8")
    return path
