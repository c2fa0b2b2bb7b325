#!/usr/bin/env bash
# One command for a machine with a GPU (nvcc, node, python3 with torch): builds the CUDA
# addon, runs the CUDA tests and the GEMM variant driver, and times SGEMM/TF32 GEMM
# 1024-8192, conv2d and LSTM against PyTorch on the same GPU, printing ratios.
#
#   npm ci && bash bench/gpu/run.sh
#
# Logs and the table land in $OUT when it is set, else in ./bench-out.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT_DIR=${OUT:-$PWD/bench-out}
mkdir -p "$OUT_DIR"
step() { echo; echo "=== $* ($(date +%T))"; }

step "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nvcc --version | tail -1 || true
node --version

step "build (cmake-js: CPU addon + CUDA addon for sm_90)"
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
# NOTE: only sm_90 (Hopper) here to keep the build short; CI builds sm_80+sm_90+PTX.
node node_modules/cmake-js/bin/cmake-js compile --out build-cmake --CDTF_WITH_CUDA=ON \
  --CDCMAKE_CUDA_ARCHITECTURES=90-real > "$OUT_DIR/build.log" 2>&1 || { tail -40 "$OUT_DIR/build.log"; exit 1; }
tail -3 "$OUT_DIR/build.log"
cmake --build build-cmake --target tf_gemm_check >> "$OUT_DIR/build.log" 2>&1 || tail -20 "$OUT_DIR/build.log"
mkdir -p build/Release && cp build-cmake/Release/tensorforge.node build/Release/tensorforge.node
# NOTE: type errors elsewhere in the tree do not stop the emit; only a missing test file does.
node node_modules/typescript/bin/tsc -p . > "$OUT_DIR/tsc.log" 2>&1 || tail -5 "$OUT_DIR/tsc.log"
for f in dist/test/90.cuda.test.js dist/test/25.optable.test.js; do [ -f "$f" ] || { echo "TypeScript did not emit $f"; exit 1; }; done

step "CUDA tests through the public API against the CPU (test/90, and every op-table entry in test/25)"
node node_modules/mocha/bin/mocha.js --no-config --require dist/test/hooks.js --timeout 600000 \
  dist/test/90.cuda.test.js dist/test/25.optable.test.js 2>&1 | tee "$OUT_DIR/cuda-tests.log" | grep -v "✔" | tail -80

step "GEMM variants: check vs float64 CPU reference, then time"
timeout 120 build-cmake/Release/tf_gemm_check 2>&1 | tee "$OUT_DIR/gemm_check.log" | grep -v "^check .* ok$"

step "benchmarks: tensorforge vs PyTorch on this GPU"
timeout 200 node dist/bench/gpu/bench.js > "$OUT_DIR/ours.jsonl" 2> "$OUT_DIR/ours.err"; tail -3 "$OUT_DIR/ours.err"
timeout 120 python3 bench/gpu/torch_bench.py > "$OUT_DIR/torch.jsonl" 2> "$OUT_DIR/torch.err"; tail -3 "$OUT_DIR/torch.err"
node dist/bench/gpu/compare.js "$OUT_DIR/ours.jsonl" "$OUT_DIR/torch.jsonl" | tee "$OUT_DIR/table.txt"
