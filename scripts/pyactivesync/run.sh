#!/usr/bin/env bash
# Run the pyactivesync 0.17 flow (flow.py) against a running server.
#   scripts/pyactivesync/run.sh --url https://127.0.0.1:8443 --user alice@example.com \
#       --password secret --cafile cert.pem --deliver-cmd '...'
# The venv lives in ${VENV:-target/pyactivesync-venv} and is reused across runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV:-target/pyactivesync-venv}"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
# Installing from the pinned list every run is a no-op when satisfied, and repairs a
# venv left half-installed by an interrupted run.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" -c 'import importlib.metadata as m; v = m.version("pyactivesync"); assert v == "0.17.0", v'

exec "$venv/bin/python" "$here/flow.py" "$@"
