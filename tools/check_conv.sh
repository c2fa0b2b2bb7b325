#!/bin/sh
# Builds and runs tools/check_conv.cpp (kernel-level checks of conv/pool/norm against the
# naive references, generic and avx2 kernels, 1 and 2 threads), or with `bench [threads]`
# tools/bench_conv.cpp (kernel timings), or with `algos C H OC [threads]`
# tools/bench_conv_algos.cpp (one 3x3 shape, per forced algorithm).
set -e
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/tf_check_conv
rm -rf "$out"
mkdir -p "$out"
flags="-O3 -std=gnu++17 -Inative -Inative/include -ffp-contract=fast -fno-math-errno -pthread"
for isa in generic avx2; do
  extra=""; [ "$isa" = avx2 ] && extra="-mavx2 -mfma -mf16c -mbmi2"
  for f in native/cpu/conv.cpp native/cpu/conv_direct.cpp native/cpu/conv_winograd.cpp native/cpu/pool.cpp native/cpu/norm.cpp \
           $(node tools/sources.js cpu $isa | tr ' ' '\n' | grep '^native/cpu/gemm/'); do
    g++ $flags $extra -DTF_ISA=$isa -c "$f" -o "$out/$(echo "$f" | tr / _)_$isa.o"
  done
done
g++ $flags -c native/cpu/ref/conv_ref.cpp -o "$out/conv_ref.o"
g++ $flags -c native/runtime/threadpool.cpp -o "$out/threadpool.o"
if [ "$1" = bench ]; then
  g++ $flags -mavx2 -mfma tools/bench_conv.cpp "$out"/*.o -o "$out/bench_conv"
  "$out/bench_conv" "${2:-1}"
elif [ "$1" = algos ]; then
  shift
  g++ $flags -mavx2 -mfma tools/bench_conv_algos.cpp "$out"/*.o -o "$out/bench_conv_algos"
  "$out/bench_conv_algos" "$@"
else
  g++ $flags tools/check_conv.cpp "$out"/*.o -o "$out/check_conv"
  "$out/check_conv"
fi
