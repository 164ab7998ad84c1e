#!/usr/bin/env bash
# Builds the static release binary on Linux with glibc and prints its path (README, "Install"):
# glibc linked in, so a command starts without the dynamic loader and its three libraries.
#
#   bash bench/static-build.sh            (prints target/<host>/release/community)
#
# Rust links the C library statically only under `-C target-feature=+crt-static`, and the flag
# must reach the binary but not the build scripts and proc-macros, which only `--target` keeps
# apart; `-C relocation-model=static` makes it position-dependent, as build.rs does for the
# plain build. Elsewhere (macOS, musl, Windows) this is the plain release build.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  *-linux-gnu*)
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
      cargo build --release --locked --quiet --target "$host"
    bin="$PWD/target/$host/release/community"
    # ldd fails on a binary that needs no shared library: anything else is not the build promised.
    if ldd "$bin" >/dev/null 2>&1; then
      echo "static-build: $bin is dynamically linked:" >&2; ldd "$bin" >&2; exit 1
    fi
    echo "$bin"
    ;;
  *)
    cargo build --release --locked --quiet
    echo "$PWD/target/release/community"
    ;;
esac
