#!/usr/bin/env bash
# Runs the third-party interop checks against a built `uniprov` binary.
# The PyPI package `esp-protocomm` is installed into a cached virtual environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: run.sh /path/to/uniprov}"
venv="${UNIPROV_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/uniprov/interop-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "esp-protocomm==0.1.0"
"$venv/bin/python" "$here/esp_protocomm_http.py" "$bin"
