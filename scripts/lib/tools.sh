# shellcheck shell=bash
# ensure_tools PATH:PACKAGE...: install, with apt-get in one go, the Debian packages whose
# program is missing. CI (root on Debian) uses it for what tests drive from the system:
# Chromium for the dashboard's browser tests, promtool (package prometheus) for the check
# of a live /metrics. Where tests find neither they skip, and fail under CI=true.
ensure_tools() {
    local entry missing=()
    for entry in "$@"; do
        [ -x "${entry%%:*}" ] || missing+=("${entry#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}
