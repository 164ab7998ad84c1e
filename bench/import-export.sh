#!/usr/bin/env bash
# Times `community member import` and `member export` against the sqlite3 shell on the same
# generated members, and prints medians, the median of the runs' ratios, and peak memory.
#
#   bash bench/import-export.sh [ROWS] [RUNS]        (defaults: 1000000 rows, 3 runs)
#
# References, run in the same go on the same file:
#   import:   sqlite3's `.import --csv` into an equivalent table with a unique email index
#   re-import: the same file again into the same database (every row unchanged)
#   export:   `sqlite3 -csv -header DB 'SELECT * FROM members'`
#   start-up: `community member list --limit 1` against `sqlite3 DB 'select 1'`, and (startup*)
#             against sqlite3 reading the same schema: `select id from members limit 1`; and
#             (sqlite3*) that sqlite3 command against sqlite3's own `select 1`
# The binary timed is the release build of README's "Install", installed (copied): static on
# Linux with glibc (bench/static-build.sh), elsewhere the plain one. The row `startup(d)` times
# the plain `cargo build --release` (dynamically linked) beside it.
# Needs: the Rust toolchain, sqlite3, GNU time (installed with apt-get when missing and root).
set -euo pipefail
rows=${1:-1000000}
runs=${2:-3}
loops=500 # start-up commands per measurement
cd "$(dirname "$0")/.."

need=()
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "bench needs: ${need[*]}" >&2; exit 1
  fi
fi

cargo build --release --quiet --example generate
cargo build --release --quiet
bin=$(bash bench/static-build.sh)
plain="$PWD/target/release/community"
gen="$PWD/target/release/examples/generate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Time copies, as `cargo install` puts in ~/.cargo/bin, not the linker's own output files: while
# the kernel still caches the pages the linker wrote, a command started from them takes about
# 1.2 times as long as one started from a copy of the same bytes (the same once the page cache
# is dropped; README, "Import and export speed").
mkdir "$work/bin"
cp "$bin" "$work/bin/community"
cp "$plain" "$work/bin/community-plain"
bin="$work/bin/community"
plain="$work/bin/community-plain"
cd "$work"

echo "generating $rows members..." >&2
"$gen" members "$rows" > members.csv
cat > ref.sql <<'SQL'
CREATE TABLE members (name TEXT, email TEXT, phone TEXT, wechat TEXT, tier TEXT, status TEXT,
  joined_at TEXT, expires_at TEXT, source TEXT, source_id TEXT, tags TEXT, note TEXT);
CREATE UNIQUE INDEX members_email ON members (email COLLATE NOCASE);
SQL

# measure NAME COMMAND...: appends "seconds peak_kib" for one run to NAME.runs
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$name.one" "$@" >/dev/null 2>"$name.err" || {
    echo "$name failed:" >&2; cat "$name.err" >&2; exit 1; }
  cat "$name.one" >> "$name.runs"
}

for run in $(seq "$runs"); do
  echo "run $run of $runs..." >&2
  rm -rf c ref.db
  "$bin" init c --name bench --quiet
  sqlite3 ref.db < ref.sql
  measure sqlite3_import sqlite3 ref.db ".import --csv --skip 1 members.csv members"
  measure import sh -c "cd c && exec '$bin' member import ../members.csv --quiet"
  measure reimport sh -c "cd c && exec '$bin' member import ../members.csv --quiet"
  measure sqlite3_export sqlite3 -csv -header ref.db "SELECT * FROM members"
  measure export sh -c "cd c && exec '$bin' member export"
  # Start-up is a few milliseconds, and GNU time counts hundredths of a second: time 500 in a
  # row (a hundredth is then 0.02 ms a command, under 2 % of the shortest).
  measure sqlite3_startup sh -c "for i in \$(seq $loops); do sqlite3 c/community.db 'select 1'; done"
  # The same, reading the schema as any command on a table must (SQLite parses it on first use).
  measure sqlite3_schema sh -c "for i in \$(seq $loops); do sqlite3 c/community.db 'select id from members limit 1'; done"
  measure startup sh -c "cd c && for i in \$(seq $loops); do '$bin' member list --limit 1; done"
  measure startup_plain sh -c "cd c && for i in \$(seq $loops); do '$plain' member list --limit 1; done"
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$1.runs"; }
# The ratio is the median of each run's own ratio: a run and its reference run back to back,
# so a host that drifts in speed during the script moves both.
row() {
  local name=$1 ref=$2
  local t r m q
  t=$(col "$name" 1 | median); r=$(col "$ref" 1 | median); m=$(col "$name" 2 | sort -n | tail -1)
  q=$(paste -d ' ' <(col "$name" 1) <(col "$ref" 1) | awk '{ print ($2 > 0) ? $1 / $2 : 0 }' | median)
  printf "%-10s %9.2f s %9.2f s %7.2f %8.1f MB\n" "$name" "$t" "$r" "$q" "$(echo "$m" | awk '{ print $1 / 1024 }')"
}
echo
echo "$rows members, median of $runs runs ($(nproc) cores, $(uname -m))"
printf "%-10s %11s %11s %7s %11s\n" "" "community" "sqlite3" "ratio" "peak RSS"
row import sqlite3_import
row reimport sqlite3_import
row export sqlite3_export
# Start-up rows: $loops commands per measurement, so each time is shown per command, in ms.
per_command() {
  awk -v name="$1" -v loops="$loops" '{ printf "%-10s %8.2f ms %8.2f ms %7s %8s MB\n",
    name, $2 * 1000 / loops, $4 * 1000 / loops, $6, $7 }'
}
row startup sqlite3_startup | per_command startup
row startup sqlite3_schema | per_command "startup*"
row startup_plain sqlite3_startup | per_command "startup(d)"
# The reference against itself: sqlite3 reading this schema, as any command on a table must,
# against its own `select 1`: what reading the schema costs the shell itself (about 1.5), which
# a command meets the start-up target (1.5 against `select 1`) only by starting faster than
# the shell does, as the static build does (no dynamic loader; the shell loads six libraries).
row sqlite3_schema sqlite3_startup | per_command "sqlite3*"
echo "startup*: against sqlite3 reading the schema; startup(d): the plain, dynamically linked" \
  "build against select 1; sqlite3*: sqlite3 reading the schema (first column) against its own" \
  "select 1"
