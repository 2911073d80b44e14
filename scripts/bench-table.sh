#!/usr/bin/env bash
# The comparison table of issue 16, in one run: gwtop's backlog beside
# mawk and GoAccess on the same generated 1M-line upstream-aware nginx log,
# and the TUI's CPU and memory (from /proc/PID/stat and /proc/PID/status of
# a TUI running in a private tmux server) while a generator appends at a
# steady rate. Every figure is also given as a ratio to its reference and
# to its goal, so a regression shows at a glance.
#
# BENCH_DIR keeps the files; BENCH_SECONDS is each TUI measurement's
# length (default 20); BENCH_LINES the backlog's size (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-$(mktemp -d)}
secs=${BENCH_SECONDS:-20}
lines=${BENCH_LINES:-1000000}
sock="gwtop-bench-$$"
gen_pid=""
cleanup() {
  [ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null || true
  tmux -L "$sock" kill-server 2>/dev/null || true
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$out"; fi
}
trap cleanup EXIT
# Built as released (make build, .goreleaser.yaml): static, no cgo.
CGO_ENABLED=0 go build -trimpath -o "$out/gwtop" ./cmd/gwtop
go build -o "$out/genlog" ./internal/genlog
fmt=$("$out/genlog" -format)
tck=$(getconf CLK_TCK)

# timed CMD...: one run of CMD, as "seconds peak_rss_kb": the wall time
# to the microsecond (bash's clock around it), the peak RSS from time(1).
timed() {
  local t0 t1 s kb
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$out/time" "$@" >/dev/null
  t1=$EPOCHREALTIME
  read -r kb <"$out/time"
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
  echo "$s $kb"
}

# race N A B: runs the commands in the arrays named A and B in turn, N
# times each, and prints "a_s a_kb b_s b_kb", each command's fastest run
# (a shared machine's noise only ever slows a run down; taking turns gives
# both the same machine).
race() {
  local -n ca=$2 cb=$3
  local best_a="" best_b=""
  for _ in $(seq "$1"); do
    best_a=$(faster "$best_a" "$(timed "${ca[@]}")")
    best_b=$(faster "$best_b" "$(timed "${cb[@]}")")
  done
  echo "$best_a $best_b"
}

# faster BEST RUN: whichever "seconds kb" pair took less time (RUN when
# BEST is empty).
faster() {
  if [ -z "$1" ] || awk -v a="${2% *}" -v b="${1% *}" 'BEGIN{exit !(a<b)}'; then echo "$2"; else echo "$1"; fi
}

# --- backlog ---------------------------------------------------------------
"$out/genlog" -lines "$lines" -access "$out/access.log" -error "$out/error.log"
size_mb=$(awk -v b="$(stat -c %s "$out/access.log")" 'BEGIN{printf "%.0f", b/1e6}')
gw_cmd=("$out/gwtop" snapshot --from-start --json --access-log "$out/access.log" --log-format "$fmt")
# The cheapest useful awk: requests per status code, nothing per upstream.
awk_cmd=(mawk '{c[$9]++} END {for (k in c) print k, c[k]}' "$out/access.log")
timed "${gw_cmd[@]}" >/dev/null # the log into the page cache, for both
read -r gw_s gw_kb awk_s awk_kb < <(race 5 gw_cmd awk_cmd)
ga_ver=$(goaccess --version | head -1 | awk '{print $3}' | sed 's/[.,]*$//')
/usr/bin/time -f '%e %M' -o "$out/time" goaccess "$out/access.log" --no-progress -o "$out/ga.json" \
  --log-format='%h - %^ [%d:%t %^] "%r" %s %b "%R" "%u" %^' --date-format=%d/%b/%Y --time-format=%T >/dev/null
read -r ga_s ga_kb <"$out/time"

# --- TUI -------------------------------------------------------------------
cat >"$out/gwtop.yaml" <<EOF
nginx:
  access_log: $out/tui.log
  log_format: '$fmt'
EOF

# cpu_of PID SECONDS: % of one core PID used over SECONDS, from utime+stime.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_of() {
  local a b
  a=$(ticks "$1")
  sleep "$2"
  b=$(ticks "$1")
  awk -v d="$((b - a))" -v t="$tck" -v s="$2" 'BEGIN{printf "%.2f", d / t / s * 100}'
}
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# tui NAME UPSTREAMS RATE BACKFILL CMD...: starts CMD in tmux (200x50) on
# a log of UPSTREAMS upstreams, lets a generator append RATE lines/s (0:
# none), first BACKFILL of the past at once (gwtop's windows are then full,
# as after five minutes of following: its steady state), and prints
# "cpu% rss_mb" over $secs after a 12 s warm-up.
tui() {
  local ups=$2 rate=$3 backfill=$4
  shift 4
  "$out/genlog" -lines 2000 -upstreams "$ups" -access "$out/tui.log" -error /dev/null
  tmux -L "$sock" new-session -d -s bench -x 200 -y 50 "$(printf '%q ' "$@")"
  local pid
  pid=$(tmux -L "$sock" display -p -t bench '#{pane_pid}')
  if [ "$rate" -gt 0 ]; then
    "$out/genlog" -access "$out/tui.log" -rate "$rate" -upstreams "$ups" -for "$((secs + 15))s" -backfill "$backfill" &
    gen_pid=$!
  fi
  sleep 12
  local cpu rss
  cpu=$(cpu_of "$pid" "$secs")
  rss=$(rss_mb "$pid")
  if [ -n "$gen_pid" ]; then kill "$gen_pid" 2>/dev/null || true; wait "$gen_pid" 2>/dev/null || true; gen_pid=""; fi
  tmux -L "$sock" kill-server 2>/dev/null || true
  sleep 0.5
  echo "$cpu $rss"
}

gwtop_tui=("$out/gwtop" --config "$out/gwtop.yaml")
# GoAccess keeps no windows: its steady state is the rate alone, and a
# backfill would only leave it parsing the past while it is measured.
read -r idle_cpu idle_rss < <(tui idle 4 0 0 "${gwtop_tui[@]}")
read -r k5_cpu k5_rss < <(tui 5k 20 5000 5m "${gwtop_tui[@]}")
read -r ga5_cpu ga5_rss < <(tui goaccess-5k 20 5000 0 goaccess "$out/tui.log" \
  --log-format='%h - %^ [%d:%t %^] "%r" %s %b "%R" "%u" %^' --date-format=%d/%b/%Y --time-format=%T)
read -r k1_cpu k1_rss < <(tui 1000ups 1000 2000 5m "${gwtop_tui[@]}")

# --- the table ---------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f×", a / b; else print "—" }'; }
mb() { awk -v k="$1" 'BEGIN{printf "%.0f", k / 1024}'; }
lps() { awk -v n="$lines" -v s="$1" 'BEGIN{printf "%.2fM lines/s", n / s / 1e6}'; }
echo
echo "gwtop $(git describe --tags --always --dirty 2>/dev/null || echo dev) on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); TUI figures over ${secs} s in tmux 200x50, after 5 minutes of lines (windows full)"
echo
echo "| measure | gwtop | reference | gwtop / reference | goal | gwtop / goal |"
echo "|---|---|---|---|---|---|"
printf '| backlog, %s lines (%s MB), every request and 5xx per upstream | %s s (%s), %s MiB | mawk status count: %s s, %s MiB | %s | ≤ 1.0× awk, ≤ 64 MiB | %s, %s |\n' \
  "$lines" "$size_mb" "$gw_s" "$(lps "$gw_s")" "$(mb "$gw_kb")" "$awk_s" "$(mb "$awk_kb")" "$(ratio "$gw_s" "$awk_s")" \
  "$(ratio "$gw_s" "$awk_s")" "$(ratio "$(mb "$gw_kb")" 64)"
printf '| backlog, same log | %s s, %s MiB | GoAccess %s (no upstream dimension): %s s, %s MiB | %s | — | — |\n' \
  "$gw_s" "$(mb "$gw_kb")" "$ga_ver" "$ga_s" "$(mb "$ga_kb")" "$(ratio "$gw_s" "$ga_s")"
printf '| TUI idle (no new lines, 4 upstreams) | %s %% of a core, %s MiB | Bubble Tea v2 fixed ticker ~0.8 %% (published) | %s | ≤ 0.2 %% | %s |\n' \
  "$idle_cpu" "$idle_rss" "$(ratio "$idle_cpu" 0.8)" "$(ratio "$idle_cpu" 0.2)"
printf '| TUI following 5,000 lines/s, 20 upstreams | %s %%, %s MiB | GoAccess live terminal, same log: %s %%, %s MiB | %s | ≤ 1 %% | %s |\n' \
  "$k5_cpu" "$k5_rss" "$ga5_cpu" "$ga5_rss" "$(ratio "$k5_cpu" "$ga5_cpu")" "$(ratio "$k5_cpu" 1)"
printf '| TUI, 1,000 upstreams at 2,000 lines/s | %s %%, RSS %s MiB | — | — | ≤ 2 %%, ≤ 64 MiB | %s, %s |\n' \
  "$k1_cpu" "$k1_rss" "$(ratio "$k1_cpu" 2)" "$(ratio "$k1_rss" 64)"
