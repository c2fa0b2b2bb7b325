#!/bin/sh
# Builds and runs tools/check_conv.cpp (kernel-level checks of conv/pool/norm vs references).
set -e
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/tf_check_conv
mkdir -p "$out"
flags="-O2 -std=gnu++17 -Inative -Inative/include -ffp-contract=fast -fno-math-errno -pthread"
for isa in generic avx2; do
  extra=""; [ "$isa" = avx2 ] && extra="-mavx2 -mfma"
  for f in conv conv_direct pool norm gemm/gemm; do
    g++ $flags $extra -DTF_ISA=$isa -c native/cpu/$f.cpp -o "$out/$(basename $f)_$isa.o" &
  done
  wait
done
g++ $flags -c native/cpu/ref/conv_ref.cpp -o "$out/conv_ref.o"
g++ $flags -c native/runtime/threadpool.cpp -o "$out/threadpool.o"
g++ $flags tools/check_conv.cpp "$out"/*.o -o "$out/check_conv"
"$out/check_conv"
