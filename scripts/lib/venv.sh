# shellcheck shell=bash
# ensure_venv EXTRAS: create ./.venv with Python >= 3.11 and install the project into it
# (EXTRAS like "[test]"); reinstalls only when pyproject.toml changed since last time.
ensure_venv() {
    local extras="$1" python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "error: BetterUptime needs Python 3.11 or newer (set PYTHON=...)" >&2
        exit 2
    fi
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    local stamp=".venv/.installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/pip install --quiet --disable-pip-version-check -e ".${extras}"
        touch "$stamp"
    fi
}
