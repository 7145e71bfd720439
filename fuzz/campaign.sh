#!/usr/bin/env bash
# A long fuzz campaign: every target in turn for SECONDS each (default 1200), libFuzzer
# without a sanitizer (`-s none`: the workspace forbids unsafe code, so ASan finds nothing a
# panic would not, and runs 2-4x slower). Appends one line per target to LOG:
#   target seconds executions exec/s outcome
# A crash stops that target; its input is left in fuzz/artifacts/TARGET/ for triage.
# Usage: fuzz/campaign.sh [SECONDS] [LOG] [TARGET...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-1200}
log=${2:-$here/campaign.log}
shift 2 2>/dev/null || shift $#
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\(.*\)"/\1/p' "$here/Cargo.toml" | grep -v '^eas-fuzz$')
"$here/seed.sh"
cd "$here"
RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none "${targets[@]/#/}" >/dev/null 2>&1 || RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none
for t in "${targets[@]}"; do
  out=$(mktemp)
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -O -s none -- -max_total_time="$secs" -max_len=65536 \
    -print_final_stats=1 >"$out" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -n1)
  outcome=ok; [ $rc -eq 0 ] || outcome="exit $rc: $(grep -m1 -E 'panicked|ERROR|SUMMARY' "$out" | cut -c1-160)"
  printf '%s %s %s %s %s %s\n' "$(date -u +%FT%TZ)" "$t" "$secs" "${execs:-?}" "${rate:-?}" "$outcome" | tee -a "$log"
  [ $rc -eq 0 ] || cp "$out" "$log.$t.crash.txt"
  rm -f "$out"
done
