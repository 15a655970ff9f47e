#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer). See docs/fuzzing.md.
#
#   bash scripts/fuzz.sh seed [TARGET...]   write seed corpora from testdata/vectors
#   bash scripts/fuzz.sh list               list the targets
#   bash scripts/fuzz.sh build              build every target
#   bash scripts/fuzz.sh run TARGET SECONDS fuzz one target (adds the seeds to its corpus first)
#   bash scripts/fuzz.sh all SECONDS        fuzz every target in turn, then print a summary
#
# Exits non-zero when any run finds a crash, a timeout or an out-of-memory input; the input is
# kept under fuzz/artifacts/<target>/. Without a nightly toolchain it prints why and exits 0
# (cargo-fuzz needs nightly for the sanitizer flags); cargo-fuzz itself is installed if missing.
#
# Environment: FUZZ_JOBS (default 1) runs that many targets of `all` at once; FUZZ_ARGS adds
# libFuzzer flags; FUZZ_SANITIZER (default address) is passed to `cargo fuzz -s`.
set -euo pipefail
cd "$(dirname "$0")/.."

RSS_LIMIT_MB=2048
TIMEOUT_S=10
SANITIZER="${FUZZ_SANITIZER:-address}"
LOG_DIR=fuzz/logs
# Targets dominated by 3072-bit SRP arithmetic: comparison tracing of crypto-bigint's
# constant-time loops makes them ~5x slower and ASan another ~2x. Their protobuf parsing is
# also reached, with both, by session_data and protocomm_router, so these are built without
# both, in a target directory of their own.
CRYPTO_TARGETS="sec2_device_sequence client_handshake"
CRYPTO_FLAGS=(-s none --no-trace-compares --target-dir fuzz/target/crypto)

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

targets() {
    awk '/^\[\[bin\]\]/ { bin = 1 } bin && /^name = / { gsub(/"/, "", $3); print $3; bin = 0 }' \
        fuzz/Cargo.toml
}

# Returns 1 (and says why) when fuzzing cannot run on this machine.
toolchain_ready() {
    if ! cargo +nightly --version >/dev/null 2>&1; then
        echo "fuzz: SKIPPED - the nightly toolchain is not installed (rustup toolchain install nightly)"
        return 1
    fi
    if ! python3 --version >/dev/null 2>&1; then
        echo "fuzz: SKIPPED - python3 (needed to write the seed corpora) is not installed"
        return 1
    fi
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        echo "fuzz: installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
}

seed() {
    python3 fuzz/seeds.py "$@"
}

is_crypto() {
    [[ " $CRYPTO_TARGETS " == *" $1 "* ]]
}

# The cargo-fuzz build flags of a target.
flags() {
    if is_crypto "$1"; then
        echo "${CRYPTO_FLAGS[@]}"
    else
        echo -s "$SANITIZER"
    fi
}

# build [TARGET]: one target, or all of them (both flavours).
build() {
    if [ $# -eq 1 ]; then
        # shellcheck disable=SC2046 # flags are words
        nice -n 10 cargo +nightly fuzz build $(flags "$1") "$1"
        return
    fi
    nice -n 10 cargo +nightly fuzz build -s "$SANITIZER"
    for target in $CRYPTO_TARGETS; do
        nice -n 10 cargo +nightly fuzz build "${CRYPTO_FLAGS[@]}" "$target"
    done
}

# run TARGET SECONDS: fuzzes one target; prints one summary line; returns libFuzzer's verdict.
run() {
    local target=$1 seconds=$2
    local corpus=fuzz/corpus/$target artifacts=fuzz/artifacts/$target
    local log=$LOG_DIR/$target.log
    mkdir -p "$corpus" "$artifacts" "$LOG_DIR"
    seed "$target" >/dev/null # idempotent: seed files are named by their hash
    local status=0
    # shellcheck disable=SC2046,SC2086 # flags and FUZZ_ARGS are lists of words
    nice -n 10 cargo +nightly fuzz run $(flags "$target") "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb="$RSS_LIMIT_MB" -timeout="$TIMEOUT_S" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-} \
        >"$log" 2>&1 || status=$?
    local execs corpus_size result
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus_size=$(find "$corpus" -type f | wc -l)
    if [ "$status" -eq 0 ]; then
        result=ok
    elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        result=TIMEOUT
    elif grep -q -e 'out-of-memory' -e 'ERROR: libFuzzer: malloc' "$log"; then
        result=OOM
    else
        result=CRASH
    fi
    printf '%-22s %6ss %12s execs %6s corpus  %s\n' \
        "$target" "$seconds" "${execs:-?}" "$corpus_size" "$result"
    if [ "$result" != ok ]; then
        grep -m1 -e 'panicked at' -e 'ERROR: ' "$log" | sed 's/^/    /' || true
        grep -m1 'Test unit written to' "$log" | sed 's/^/    /' || true
        echo "    full log: $log"
        return 1
    fi
}

all() {
    local seconds=$1 jobs=${FUZZ_JOBS:-1} failed=0 pids=()
    build
    echo "fuzz: every target for ${seconds}s (${jobs} at a time), -rss_limit_mb=$RSS_LIMIT_MB -timeout=$TIMEOUT_S"
    for target in $(targets); do
        run "$target" "$seconds" &
        pids+=($!)
        if [ "${#pids[@]}" -ge "$jobs" ]; then
            wait "${pids[0]}" || failed=1
            pids=("${pids[@]:1}")
        fi
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    if [ "$failed" -ne 0 ]; then
        echo "fuzz: FAILED (inputs under fuzz/artifacts/, logs under $LOG_DIR/)"
        return 1
    fi
    echo "fuzz: all targets ok"
}

case "${1:-}" in
    seed)
        shift
        seed "$@"
        ;;
    list)
        targets
        ;;
    build)
        toolchain_ready || exit 0
        build
        ;;
    run)
        [ $# -eq 3 ] || usage
        toolchain_ready || exit 0
        build "$2"
        run "$2" "$3"
        ;;
    all)
        [ $# -eq 2 ] || usage
        toolchain_ready || exit 0
        all "$2"
        ;;
    *)
        usage
        ;;
esac
