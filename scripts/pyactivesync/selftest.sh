#!/usr/bin/env bash
# Check flow.py and lmtp_deliver.py against stub_server.py (not against our server):
# the full flow must pass, and an opaque attachment or an unwoken Ping must fail it.
# Needs openssl for a throwaway certificate.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV:-target/pyactivesync-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
py="$venv/bin/python"

tmp="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_stub MODE: starts a stub, sets $https and $lmtp.
start_stub() {
    https="$(free_port)"
    lmtp="$(free_port)"
    "$py" "$here/stub_server.py" "$https" "$lmtp" "$tmp/cert.pem" "$tmp/key.pem" "$1" 2>"$tmp/stub-$1.log" &
    pids+=("$!")
    for _ in $(seq 50); do
        if "$py" -c "import socket, sys; socket.create_connection(('127.0.0.1', $https), 1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "selftest: stub ($1) did not start" >&2
    exit 1
}

flow() {
    "$py" "$here/flow.py" --url "https://127.0.0.1:$https" --user alice@example.com --password secret \
        --cafile "$tmp/cert.pem" --heartbeat 5 --require-attachment --expect-subject "selftest wake-up" \
        --deliver-cmd "$py $here/lmtp_deliver.py --port $lmtp --to alice@example.com --subject 'selftest wake-up'"
}

start_stub good
flow
for mode in opaque noping; do
    start_stub "$mode"
    if flow >"$tmp/out-$mode" 2>&1; then
        cat "$tmp/out-$mode"
        echo "selftest: flow.py passed against the broken ($mode) stub" >&2
        exit 1
    fi
    echo "expected failure ($mode): $(grep FAIL "$tmp/out-$mode")"
done
echo "selftest passed"
