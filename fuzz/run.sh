#!/usr/bin/env bash
# A bounded fuzzing run for CI: builds every target once (no sanitizer: the code is
# `#![forbid(unsafe_code)]`, so ASAN would find little and double the build), then runs
# each for FUZZ_SECONDS from the committed seed corpus. New inputs go to a temporary
# directory, so the committed corpus stays as it is; a crash leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit non-zero.
#
#   fuzz/run.sh                      # every target, 20 s each
#   FUZZ_SECONDS=60 fuzz/run.sh calendar transcode
#   FUZZ_PROFILE=dev fuzz/run.sh     # unoptimized: builds in about half the time, for short runs
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

seconds="${FUZZ_SECONDS:-20}"
profile="${FUZZ_PROFILE:-release}"
case "$profile" in
    release) build_flags=(); out=release ;;
    dev) build_flags=(--dev); out=debug ;;
    *) echo "FUZZ_PROFILE must be release or dev, not $profile" >&2; exit 2 ;;
esac
# cargo-fuzz passes unstable flags to rustc; the stable toolchain takes them this way.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build -s none "${build_flags[@]}"

# Run the built binaries directly: `cargo fuzz run` would build again before each target.
host="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="target/$host/$out"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${targets[@]}"; do
    echo "== fuzzing $target for ${seconds}s"
    mkdir -p "$work/$target" "artifacts/$target"
    if ! "$bin_dir/$target" "$work/$target" "corpus/$target" \
        -max_total_time="$seconds" \
        -artifact_prefix="artifacts/$target/" \
        -print_final_stats=1 2>&1 | tail -n 25; then
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "no crash in: ${targets[*]}"
