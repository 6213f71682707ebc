# shellcheck shell=bash
# The windowed one-file exe built under Wine by the lane's Windows CPython 3.11 (sourced by
# scripts/dev after scripts/wine/lane.sh).
#
#   wine_build   Build dist\RVCTensorBoardLauncher.exe from build/launcher.spec with
#                scripts/build, into $WINE_CACHE/exe; print its path and size. Cached: built
#                again only when its inputs change (the launcher package, build/, scripts/build,
#                pyproject.toml and the runner's packages). Sets WINE_EXE (Linux path).

_wine_build_inputs_hash() {
    (cd "$ROOT" && find launcher build scripts/build pyproject.toml \
        scripts/wine/runner-requirements.txt -type f -not -path '*__pycache__*' -print0 \
        | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

wine_build() {
    local t0=$SECONDS hash out="$WINE_CACHE/exe" size
    wine_setup
    WINE_EXE="$out/RVCTensorBoardLauncher.exe"
    export WINE_EXE
    hash="$(_wine_build_inputs_hash)"
    if [ -f "$WINE_EXE" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$hash" ]; then
        size="$(stat -c %s "$WINE_EXE")"
        echo "wine build: $WINE_EXE ($((size / 100000 / 10)).$((size / 100000 % 10)) MB, up to date)"
        return 0
    fi
    rm -rf "$out"
    mkdir -p "$out"
    mkdir -p "$ROOT/artifacts/wine"
    if ! wpy "$(winpath "$ROOT/scripts/build")" --dist "$(winpath "$out")" \
            --work "$(winpath "$WINE_CACHE/exe-work")" >"$ROOT/artifacts/wine/build.log"; then
        cat "$ROOT/artifacts/wine/build.log" >&2
        echo "wine build: failed (log: artifacts/wine/build.log)" >&2
        return 1
    fi
    echo "$hash" >"$out/stamp"
    size="$(stat -c %s "$WINE_EXE")"
    echo "wine build: $WINE_EXE ($((size / 100000 / 10)).$((size / 100000 % 10)) MB, built in $((SECONDS - t0))s)"
}
