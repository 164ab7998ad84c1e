#!/usr/bin/env bash
# Speed at scale (issue 7): builds a community of 1,000,000 members, 5,000,000 payments and
# 100,000 content items with examples/generate.rs, imported through the CLI, then times
# `summary`, every report and the first page of every list, printing the median of several
# runs of each. Target: under 200 ms each.
#
#   bash bench/scale.sh                       # full size; the database is kept in bench/data
#   MEMBERS=100000 PAYMENTS=500000 CONTENT=10000 bash bench/scale.sh   # a quicker look
#   RUNS=10 bash bench/scale.sh               # more runs per command
#
# Uses hyperfine when installed (and installs it with apt-get when run as root), else a small
# loop over `date +%s%N`. Today is pinned (COMMUNITY_TODAY) so runs are comparable.
set -euo pipefail

MEMBERS=${MEMBERS:-1000000}
PAYMENTS=${PAYMENTS:-5000000}
CONTENT=${CONTENT:-100000}
RUNS=${RUNS:-5}
TARGET_MS=${TARGET_MS:-200}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$ROOT/bench/data/m${MEMBERS}-p${PAYMENTS}-c${CONTENT}}
export COMMUNITY_TODAY=${COMMUNITY_TODAY:-2026-11-23}

cd "$ROOT"
cargo build --release --quiet --bin community --example generate
BIN=$ROOT/target/release/community
GEN=$ROOT/target/release/examples/generate

if ! command -v hyperfine >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi

community() { "$BIN" --db "$DATA/community.db" --config "$DATA/community.toml" "$@"; }

if [ ! -f "$DATA/.complete" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    "$BIN" init "$DATA" --name "Bench 星球" >/dev/null 2>&1
    step() { local t0; t0=$(date +%s); "$@"; echo "  $(( $(date +%s) - t0 )) s" >&2; }
    echo "importing $MEMBERS members" >&2
    step bash -c "'$GEN' members $MEMBERS | '$BIN' --db '$DATA/community.db' --config '$DATA/community.toml' -q -y member import - --input-format csv"
    for slug in rust-101 ai-bootcamp writing-camp career-2026 python-basics investing-101 product-thinking; do
        community -q course add --slug "$slug" --title "$slug" --price 199 >/dev/null
    done
    echo "importing $PAYMENTS payments" >&2
    step bash -c "'$GEN' payments $PAYMENTS --members $MEMBERS > '$DATA/payments.csv' && '$BIN' --db '$DATA/community.db' --config '$DATA/community.toml' -q -y revenue import '$DATA/payments.csv'; rm -f '$DATA/payments.csv'"
    echo "importing $CONTENT content items" >&2
    step bash -c "'$GEN' content $CONTENT | '$BIN' --db '$DATA/community.db' --config '$DATA/community.toml' -q -y content import -"
    community -q plan generate --from 2026-11-16 --weeks 4 >/dev/null 2>&1 || true
    touch "$DATA/.complete"
fi

COMMANDS=(
    "summary"
    "report members"
    "report members --by status"
    "report members --by source"
    "report members --by tag"
    "report growth"
    "report cohorts"
    "report churn"
    "report leaderboard --top 20"
    "report engagement --limit 50"
    "report revenue"
    "report revenue --by kind"
    "report revenue --by tier"
    "report revenue --by course"
    "report revenue --by source"
    "report content"
    "report content --by topic"
    "report content --by month"
    "forecast growth"
    "forecast revenue"
    "member list --limit 50"
    "member list --expiring-within 14d --limit 50"
    "revenue list --limit 50"
    "content list --limit 50"
    "course list"
    "plan show"
    "plan gaps"
)

median_ms() {
    local cmd=$1 times=() i t0 t1
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        # shellcheck disable=SC2086
        community --format csv $cmd >/dev/null
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'
}

echo
echo "$(community -q --format csv summary | grep -E '^members.total,' | cut -d, -f2) members," \
     "$(sqlite3 "$DATA/community.db" 'select count(*) from payments' 2>/dev/null || echo '?') payments;" \
     "median of $RUNS runs, today $COMMUNITY_TODAY"
printf '%-48s %10s  %s\n' "command" "median ms" "under ${TARGET_MS} ms"
for cmd in "${COMMANDS[@]}"; do
    if command -v hyperfine >/dev/null; then
        json=$(mktemp)
        hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$json" \
            "$BIN --db $DATA/community.db --config $DATA/community.toml --format csv $cmd" >/dev/null 2>&1
        ms=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['results'][0]['median']*1000))" "$json")
        rm -f "$json"
    else
        community --format csv $cmd >/dev/null   # warm-up
        ms=$(median_ms "$cmd")
    fi
    ok=yes; [ "$ms" -lt "$TARGET_MS" ] || ok=NO
    printf '%-48s %10s  %s\n' "$cmd" "$ms" "$ok"
done
