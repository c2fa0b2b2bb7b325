#!/bin/sh
# Builds the conv kernels (generic and avx2) with tools/dev/bench_conv.cpp (`bench [threads]`:
# kernel timings) or tools/dev/bench_conv_algos.cpp (`algos C H OC [threads]`: one 3x3 shape,
# per forced algorithm) and runs it. Correctness is the mocha suite's job (test/40.conv).
set -e
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/tf_conv_bench
rm -rf "$out"
mkdir -p "$out"
flags="-O3 -std=gnu++17 -Inative -Inative/include -ffp-contract=fast -fno-math-errno -pthread"
for isa in generic avx2; do
  extra=""; [ "$isa" = avx2 ] && extra="-mavx2 -mfma -mf16c -mbmi2"
  for f in native/cpu/conv.cpp native/cpu/conv_direct.cpp native/cpu/conv_winograd.cpp native/cpu/pool.cpp native/cpu/norm.cpp \
           $(node tools/build/sources.js cpu $isa | tr ' ' '\n' | grep '^native/cpu/gemm/'); do
    g++ $flags $extra -DTF_ISA=$isa -c "$f" -o "$out/$(echo "$f" | tr / _)_$isa.o"
  done
done
g++ $flags -c native/cpu/ref/conv_ref.cpp -o "$out/conv_ref.o"
g++ $flags -c native/runtime/threadpool.cpp -o "$out/threadpool.o"
case "$1" in
  bench)
    g++ $flags -mavx2 -mfma tools/dev/bench_conv.cpp "$out"/*.o -o "$out/bench_conv"
    "$out/bench_conv" "${2:-1}" ;;
  algos)
    shift
    g++ $flags -mavx2 -mfma tools/dev/bench_conv_algos.cpp "$out"/*.o -o "$out/bench_conv_algos"
    "$out/bench_conv_algos" "$@" ;;
  *) echo "usage: tools/dev/conv-bench.sh bench [threads] | algos C H OC [threads]" >&2; exit 2 ;;
esac
