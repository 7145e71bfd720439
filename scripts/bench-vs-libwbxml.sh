#!/usr/bin/env bash
# Measure libwbxml (C, Debian's libwbxml2) and eas-wbxml in one run on this machine and print
# the ratios. Timings on shared cores drift ±25% between runs, so only same-run ratios mean
# anything. Needs: apt-get install -y gcc libwbxml2-dev, and ../shared beside the checkout.
# Usage: scripts/bench-vs-libwbxml.sh [RUNS]
set -euo pipefail
RUNS=${1:-7}
top=$(cd "$(dirname "$0")/.." && pwd)
anchor="$top/../shared/bench/libwbxml/run.sh"
[ -f "$anchor" ] || { echo "no $anchor: the libwbxml anchor lives in ../shared" >&2; exit 1; }
out=$(mktemp -d)
cargo build -q --release --locked -p eas-wbxml --example bench
cp "$top/target/release/examples/bench" "$out/wbxml-bench"
cargo build -q --release --locked -p eas-codec --example bench
cp "$top/target/release/examples/bench" "$out/codec-bench"
sh "$anchor" "$RUNS" | tee "$out/libwbxml.txt"
"$out/wbxml-bench" "$RUNS" | tee "$out/eas.txt"
"$out/codec-bench" "$RUNS" | tee -a "$out/eas.txt"
echo
echo "| document | measure | libwbxml | eas-wbxml | ratio |"
echo "|---|---|---|---|---|"
# Field helpers: value of key=... on a line.
val() { sed -n "s|.* $1=\([0-9.]*\).*|\1|p"; }
for doc in sync-response-500 folder_sync_initial_response folder_sync_initial_request activesync-ms-ascmd-020; do
  unit="msgs/s"; [ "$doc" = sync-response-500 ] && unit="MB/s"
  lt=$(grep "^libwbxml-tree $doc.wbxml" "$out/libwbxml.txt" | val "$unit")
  le=$(grep "^libwbxml-encode $doc" "$out/libwbxml.txt" | val "$unit")
  for m in wbxml-decode wbxml-tokens wbxml-tree wbxml-encode codec-typed-decode codec-typed-encode; do
    ours=$(grep "^eas-$m $doc.wbxml" "$out/eas.txt" | val "$unit")
    case "$m" in *encode) ref=$le; refname="encode";; *) ref=$lt; refname="tree";; esac
    ratio=$(awk -v a="$ours" -v b="$ref" 'BEGIN{ if (b>0) printf "%.1f×", a/b; else print "n/a" }')
    echo "| $doc | eas-$m vs libwbxml $refname ($unit) | $ref | $ours | $ratio |"
  done
done
rm -rf "$out"
