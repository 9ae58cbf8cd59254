# shellcheck shell=bash
# ensure_assets: install the dashboard's front-end packages (package.json, pinned by
# package-lock.json) with `npm ci` when node_modules is missing or older than the lock
# file, and copy the files the pages use into the package's static/vendor folder.
# Needs ./.venv (ensure_venv first). Without npm the product still runs; its pages say
# that charts and live updates are off.
ensure_assets() {
    local stamp="node_modules/.installed"
    if ! command -v npm >/dev/null 2>&1; then
        echo "warning: npm not found: the dashboard runs without charts and live updates" >&2
        return 0
    fi
    if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
        npm ci --no-audit --no-fund --loglevel=error
        touch "$stamp"
    fi
    .venv/bin/python -m betteruptime.web.assets node_modules >/dev/null
}
