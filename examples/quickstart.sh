#!/usr/bin/env bash
# Build community, create a demo community in a new folder, and look around.
#   bash examples/quickstart.sh [DIR]      (default DIR: a new temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="$PWD/target/release/community"
dir="${1:-$(mktemp -d)/demo-community}"

"$bin" init "$dir" --name "Rust 星球" --demo
cd "$dir"
echo
echo "== community member list --limit 8 (of 30)"
"$bin" member list --limit 8 --format table
echo
echo "== community member list --expiring-within 14d    (whom to remind)"
"$bin" member list --expiring-within 14d --format table
echo
echo "== community member show li.lei@example.com"
"$bin" member show li.lei@example.com --format table
echo
echo "== community plan generate --weeks 4   (slots from the [plan] cadence in community.toml)"
"$bin" plan generate --weeks 4 --quiet >/dev/null
"$bin" plan show --format table
echo
echo "== community summary"
"$bin" summary --format table
echo
echo "Your demo community is in $dir; cd there and try: $bin member --help"
