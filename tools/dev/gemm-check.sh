#!/bin/sh
# Builds build/gemm-check by hand (the GEMM sources once per ISA, like binding.gyp) and runs
# it: tools/dev/gemm-check.sh [check | bench n...]. Not part of the addon build.
set -e
cd "$(dirname "$0")/../.."
out=build/gemm-check.d
mkdir -p "$out"
CXX=${CXX:-g++}
FLAGS="-fPIC -O3 -std=gnu++17 -fno-math-errno -ffp-contract=fast -Wall -Inative -Inative/include"
gen=""
avx2="-mavx2 -mfma -mf16c -mbmi2"
avx512="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c -mbmi2 -mprefer-vector-width=512"
objs=""
for isa in generic avx2 avx512; do
  eval "isaflags=\$$isa"
  for f in gemm gemm_bf16 pack pack_bf16 ukernel_$isa; do
    $CXX $FLAGS $isaflags -DTF_ISA=$isa -c native/cpu/gemm/$f.cpp -o $out/${f}_$isa.o &
    objs="$objs $out/${f}_$isa.o"
  done
  wait
done
# The AMX file belongs to the avx512 variant, with the tile instructions on top (binding.gyp).
$CXX $FLAGS $avx512 -mavx512bf16 -mamx-tile -mamx-bf16 -DTF_ISA=avx512 -c native/cpu/gemm/gemm_bf16_amx.cpp -o $out/gemm_bf16_amx.o
objs="$objs $out/gemm_bf16_amx.o"
$CXX $FLAGS -c native/runtime/cpu_features.cpp -o $out/cpu_features.o
objs="$objs $out/cpu_features.o"
$CXX $FLAGS -c native/cpu/ref/gemm_ref.cpp -o $out/gemm_ref.o
$CXX $FLAGS -c native/runtime/threadpool.cpp -o $out/threadpool.o
$CXX $FLAGS -fPIC tools/dev/gemm-check.cpp $objs $out/gemm_ref.o $out/threadpool.o -pthread -o build/gemm-check
$CXX $FLAGS -fPIC -shared tools/dev/gemm-check.cpp $objs $out/gemm_ref.o $out/threadpool.o -pthread -o build/libgemm-check.so
if [ $# -eq 0 ]; then build/gemm-check check && build/gemm-check bench; else build/gemm-check "$@"; fi
