# shellcheck shell=bash
# Runs the Wine lane's tests (sourced by scripts/dev after scripts/wine/lane.sh). Kept apart
# from lane.sh so that changing what the lane runs does not rebuild the cached setup.
#
#   wine_lane_test [pytest args...]   set up (cached), run WINE_LANE_TESTS under the Windows
#                                     CPython 3.11, write the log to artifacts/wine/pytest.log
#                                     and end with one line: "wine lane: N passed, ... in XmYs".

# What the lane runs: every test that can run on Windows. Tests that cannot (POSIX signals,
# Xvfb/chromium on the Linux side, the Linux frozen binary) skip themselves with a reason that
# names the OS, so the Linux suite and the lane each run what they can.
WINE_LANE_TESTS=(tests)
WINE_LANE_PYTEST_ARGS=(-m "not frozen" --ignore=tests/test_bench.py
                       --ignore=tests/tensorboard/test_dashboard_browser.py
                       --ignore=tests/tensorboard/test_plugin_browser.py)

# A folder Windows CPython sees as read-only for real: immutable on the Linux side, as a
# read-only mount is. Wine enforces no NTFS ACL, so this is how the lane gets one; the ACL
# test itself runs on a real Windows (.github/workflows/windows.yml).
_wine_readonly_folder() {
    local folder="$WINE_CACHE/readonly-folder"
    [ -d "$folder" ] && chattr -i "$folder" 2>/dev/null
    mkdir -p "$folder"
    if chattr +i "$folder" 2>/dev/null && ! touch "$folder/.probe" 2>/dev/null; then
        WINE_LANE_READONLY_DIR="$(winpath "$folder")"
        export WINE_LANE_READONLY_DIR
    else
        rm -f "$folder/.probe"
    fi
}

# CJK text in Win32 menus and message boxes: Debian's WenQuanYi Micro Hei (Chinese, Japanese
# kana, Korean hangul), linked behind the fonts Wine draws its UI with, as Windows links its
# CJK fonts behind Segoe UI. Cyrillic needs nothing: Wine's own Tahoma has it. Kept out of
# lane.sh so that adding it does not rebuild the cached prefix; the registry writes take a
# second and are the same each run.
WINE_CJK_PACKAGE=fonts-wqy-microhei
WINE_CJK_LINK="wqy-microhei.ttc,WenQuanYi Micro Hei"
_wine_fonts() {
    if ! dpkg -s "$WINE_CJK_PACKAGE" >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then
            echo "wine lane: install $WINE_CJK_PACKAGE for the CJK tray test" >&2
            return 0
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "$WINE_CJK_PACKAGE" >/dev/null
    fi
    local key='HKLM\Software\Microsoft\Windows NT\CurrentVersion\FontLink\SystemLink' face
    for face in Tahoma "Microsoft Sans Serif" "MS Shell Dlg" "MS Shell Dlg 2" "Segoe UI"; do
        wrun reg add "$key" /v "$face" /t REG_MULTI_SZ /d "$WINE_CJK_LINK" /f >/dev/null
    done
}

# Windows processes of this prefix still running (Wine's own services aside).
_wine_report_leftovers() {
    local pid args
    for pid in $(grep -lz "^WINEPREFIX=$WINEPREFIX\$" /proc/[0-9]*/environ 2>/dev/null \
                 | cut -d/ -f3); do
        args="$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" || continue
        case "$args" in *[A-Za-z]:\\*) ;; *) continue ;; esac  # Windows programs only
        case "$args" in
            *wineserver*|*services.exe*|*winedevice.exe*|*plugplay.exe*|*explorer.exe*|\
            *svchost.exe*|*rpcss.exe*|*tabtip.exe*|*conhost.exe*|"") continue ;;
        esac
        echo "wine lane: left running after the tests: pid $pid: ${args:0:160}"
    done
    return 0
}

# Everything the lane needs before its tests, cached: Wine and the Windows CPythons, the exe, and
# the tests' shared venv. `scripts/dev test` runs this beside the Linux suite.
wine_lane_prepare() {
    local t0=$SECONDS
    wine_setup
    wine_build
    (cd "$ROOT" && wine "$WINE_PY311" -m tests.warm_caches) 2>&1 | tr -d '\r'
    echo "wine lane: prepared in $((SECONDS - t0))s"
}

wine_lane_test() {
    local t0=$SECONDS rc=0 log summary
    wine_setup
    _wine_fonts
    _wine_readonly_folder
    # The embeddable Pythons and pip for tests/windows/embedpython.py, as Windows paths.
    WINE_LANE_EMBED39="$(winpath "$WINE_EMBED39")"
    WINE_LANE_EMBED312="$(winpath "$WINE_EMBED312")"
    WINE_LANE_PIP_WHEEL="$(winpath "$WINE_PIP_WHEEL")"
    WINE_LANE_PIP_WHEEL39="$(winpath "$WINE_PIP_WHEEL39")"
    export WINE_LANE_EMBED39 WINE_LANE_EMBED312 WINE_LANE_PIP_WHEEL WINE_LANE_PIP_WHEEL39
    # The windowed exe for tests/windows/test_exe.py (scripts/wine/build.sh; cached).
    wine_build
    RVC_LAUNCHER_EXE="$(winpath "$WINE_EXE")"
    export RVC_LAUNCHER_EXE
    mkdir -p "$ROOT/artifacts/wine"
    log="$ROOT/artifacts/wine/pytest.log"
    # Through a FIFO rather than wpy's pipe: a Windows process a test left running would hold
    # the pipe open and the lane would wait for it for ever. Those are listed, then ended.
    local fifo
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    tee "$log" <"$fifo" &
    local tee_pid=$!
    (cd "$ROOT" && wine "$WINE_PY311" -m pytest -q -rfEs -p no:cacheprovider --timeout 240 \
        "${WINE_LANE_PYTEST_ARGS[@]}" "${@:-${WINE_LANE_TESTS[@]}}") >"$fifo" 2>&1 || rc=$?
    _wine_report_leftovers
    wineserver -k >/dev/null 2>&1 || true
    wait "$tee_pid" || true
    rm -f "$fifo"
    chattr -i "$WINE_CACHE/readonly-folder" 2>/dev/null || true
    summary="$(grep -E '^=*\s*[0-9]+ (passed|failed|error)' "$log" | tail -1 \
        | sed -E 's/^=+ *//; s/ *=+$//; s/ in [0-9.]+s.*$//')"
    local took=$((SECONDS - t0))
    echo "wine lane: ${summary:-no test summary (pytest exit $rc)} in $((took / 60))m$((took % 60))s"
    return "$rc"
}
