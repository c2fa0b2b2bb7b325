#!/bin/sh
# Development drivers (not in the package, not part of the addon build): builds one and runs
# it. Correctness lives in the mocha suite; these measure. One line each:
#   tools/dev/run.sh gemm [check | bench n...]    GEMM vs the naive reference, GFLOP/s per ISA (gemm-check.cpp)
#   tools/dev/run.sh gemm-vs-numpy T [n ...]      ours vs numpy in one process (gemm-bench.py)
#   tools/dev/run.sh conv bench [threads]         conv kernel timings (bench_conv.cpp)
#   tools/dev/run.sh conv algos C H OC [threads]  one 3x3 shape per forced algorithm (bench_conv_algos.cpp)
#   tools/dev/run.sh vmath [generic|avx2|avx512]  worst ulp of simd.h's vector math vs libm (vmath-check.cpp)
#   tools/dev/run.sh fma-peak [threads] [isa]     the fp32 FMA peak the host grants now (tools/fma-peak.c)
#   tools/dev/run.sh unary [dist/lib]             per-op time of the unary kernels (bench-unary.js)
#   tools/dev/run.sh winograd [reps] [shape...]   Winograd vs the other conv algorithms end to end (bench_winograd.js)
#   tools/dev/run.sh cuda-gemm [M N K]            CUDA GEMM variants vs float64, timed (native/cuda/dev/gemm_check.cu;
#                                                 needs `npm run build:cuda` and a machine with a GPU)
#   tools/dev/run.sh ubsan [dist/test/NN...js]    the addon built with -fsanitize=undefined in a scratch copy,
#                                                 running mocha files (default test/28, the int32 tests; ubsan.sh)
set -e
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/tf_dev
mkdir -p "$out"
what=$1
[ $# -gt 0 ] && shift
case "$what" in
  gemm) sh tools/dev/gemm-check.sh "$@" ;;
  gemm-vs-numpy)
    [ -f build/libgemm-check.so ] || sh tools/dev/gemm-check.sh check >/dev/null
    OPENBLAS_NUM_THREADS=${1:-1} python3 tools/dev/gemm-bench.py "$@" ;;
  conv) sh tools/dev/conv-bench.sh "$@" ;;
  vmath)
    isa=${1:-avx2}
    case "$isa" in
      generic) flags="" ;;
      avx2) flags="-mavx2 -mfma" ;;
      avx512) flags="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma" ;;
      *) echo "vmath: unknown ISA $isa" >&2; exit 2 ;;
    esac
    g++ -O2 -std=gnu++17 -ffp-contract=fast -fno-math-errno $flags -DTF_ISA="$isa" -Inative \
      tools/dev/vmath-check.cpp -o "$out/vmath-check-$isa"
    "$out/vmath-check-$isa" ;;
  fma-peak)
    gcc -O2 -pthread tools/fma-peak.c -o "$out/fma-peak"
    "$out/fma-peak" "$@" ;;
  unary) node tools/dev/bench-unary.js "$@" ;;
  winograd) node tools/dev/bench_winograd.js "$@" ;;
  ubsan) sh tools/dev/ubsan.sh "$@" ;;
  cuda-gemm)
    cmake --build build-cmake --target tf_gemm_check
    build-cmake/Release/tf_gemm_check "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
