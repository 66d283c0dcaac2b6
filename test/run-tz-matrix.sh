#!/usr/bin/env bash
# Runs the compiled NHT and interval tests under several process time zones: results must not
# depend on TZ (every local time is computed with an explicit zone). Prints one line per zone
# (the full TAP output only when a zone fails) and exits non-zero if any run fails.
set -u
cd "$(dirname "$0")/.."

zones=(UTC Asia/Kolkata Asia/Kathmandu America/Sao_Paulo)
failed=()
log=$(mktemp)
for zone in "${zones[@]}"; do
  if TZ="${zone}" node --test dist/test/nht.test.js dist/test/intervals.test.js >"${log}" 2>&1; then
    echo "TZ=${zone}: NHT and interval tests passed ($(grep -E '^# pass' "${log}"))"
  else
    cat "${log}"
    failed+=("${zone}")
  fi
done
rm -f "${log}"

if ((${#failed[@]} > 0)); then
  echo "FAILED under TZ: ${failed[*]}" >&2
  exit 1
fi
