#!/usr/bin/env bash
# Whole-program benchmark: gwtop analyses access+error log backlogs of two
# sizes. Reports wall time, lines/s and peak RSS, so a change that slows the
# pipeline or makes memory grow with log size shows up.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-$(mktemp -d)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$out"' EXIT
go build -o "$out/gwtop" ./cmd/gwtop
go build -o "$out/genlog" ./internal/genlog
fmt=$("$out/genlog" -format)
printf '%-10s %10s %12s %12s\n' lines seconds lines/s peak_rss_MB
for n in 250000 1000000; do
  "$out/genlog" -lines "$n" -access "$out/access.log" -error "$out/error.log"
  /usr/bin/time -f '%e %M' -o "$out/time" "$out/gwtop" snapshot --from-start --json \
    --access-log "$out/access.log" --log-format "$fmt" --error-log "$out/error.log" >"$out/snap.json"
  read -r secs kb <"$out/time"
  printf '%-10s %10s %12.0f %12.1f\n' "$n" "$secs" "$(echo "$n / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
done

# The same 1M-line log through GoAccess, the tool operators reach for today.
if command -v goaccess >/dev/null; then
  /usr/bin/time -f '%e %M' -o "$out/time" goaccess "$out/access.log" --no-progress -o "$out/ga.json" \
    --log-format='%h - %^ [%d:%t %^] "%r" %s %b "%R" "%u" %^' --date-format=%d/%b/%Y --time-format=%T
  read -r secs kb <"$out/time"
  printf '%-10s %10s %12.0f %12.1f   (goaccess %s, access log only)\n' 1000000 "$secs" "$(echo "1000000 / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$(goaccess --version | head -1 | awk '{print $3}')"
fi
