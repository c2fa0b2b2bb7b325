#!/usr/bin/env python3
"""Ours (build/libgemm-check.so from tools/dev/gemm-check.sh; run it as tools/dev/run.sh gemm-vs-numpy) vs numpy in one process, calls
interleaved so machine load hits both alike. Usage:
  OPENBLAS_NUM_THREADS=T tools/dev/gemm-bench.py T [n | MxNxK ...]
With T=1 it also reports GFLOP per CPU-second of the thread (time.thread_time), which
stays meaningful on a loaded machine. Prints best and median GFLOP/s and ours/numpy.
TF_BENCH_BASE=path/to/libgemm-check.so (built from another commit) adds that build as a third
contender in the same interleaved loop: "base" columns and ours/base."""
import ctypes, os, sys, time
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
lib = ctypes.CDLL(os.path.join(here, '..', '..', 'build', 'libgemm-check.so'))
P = ctypes.c_void_p
lib.tf_bench_sgemm.argtypes = [ctypes.c_int] * 4 + [ctypes.c_int64] * 3 + [P, P, P]
base = ctypes.CDLL(os.environ['TF_BENCH_BASE']) if os.environ.get('TF_BENCH_BASE') else None
if base: base.tf_bench_sgemm.argtypes = lib.tf_bench_sgemm.argtypes
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
shapes = sys.argv[2:] or ['128', '256', '512', '1024', '2048']
isa = int(os.environ.get('TF_BENCH_ISA', '1'))
print(f'threads={threads} OPENBLAS_NUM_THREADS={os.environ.get("OPENBLAS_NUM_THREADS")} '
      f'numpy {np.__version__} loadavg {os.getloadavg()[0]:.1f}')
print(f'{"shape":>14} {"ours best":>9} {"np best":>8} {"ours med":>8} {"np med":>7} {"best ratio":>10}'
      + (f' {"ours/cpu-s":>10} {"np/cpu-s":>9} {"cpu ratio":>9}' if threads == 1 else '')
      + (f' {"base med":>8} {"ours/base":>9}' if base else ''))
for s in shapes:
    M, N, K = (int(x) for x in s.split('x')) if 'x' in s else (int(s),) * 3
    a = np.random.rand(M, K).astype(np.float32)
    b = np.random.rand(K, N).astype(np.float32)
    c = np.empty((M, N), np.float32)
    flops = 2.0 * M * N * K
    reps = max(9, int(3e9 / flops))
    ours = lambda: lib.tf_bench_sgemm(isa, threads, 0, 0, M, N, K, a.ctypes.data, b.ctypes.data, c.ctypes.data)
    peer = lambda: np.matmul(a, b, out=c)
    prev = lambda: base.tf_bench_sgemm(isa, threads, 0, 0, M, N, K, a.ctypes.data, b.ctypes.data, c.ctypes.data)
    fns = (('o', ours), ('n', peer)) + ((('b', prev),) if base else ())
    wall = {key: [] for key, _ in fns}
    cpu = {key: 0.0 for key, _ in fns}
    for _ in range(2):
        for _, fn in fns: fn()
    for _ in range(reps):
        for key, fn in fns:
            c0 = time.thread_time(); t = time.perf_counter(); fn()
            wall[key].append(time.perf_counter() - t); cpu[key] += time.thread_time() - c0
    ref = a.astype(np.float64) @ b.astype(np.float64)
    ours()
    assert np.max(np.abs(c - ref)) < 1e-3 * K, 'ours is wrong'
    for v in wall.values(): v.sort()
    g = lambda t: flops / t / 1e9
    line = (f'{s:>14} {g(wall["o"][0]):9.1f} {g(wall["n"][0]):8.1f} {g(wall["o"][reps // 2]):8.1f} '
            f'{g(wall["n"][reps // 2]):7.1f} {wall["n"][0] / wall["o"][0]:10.2f}')
    if threads == 1:
        co, cn = g(cpu['o'] / reps), g(cpu['n'] / reps)
        line += f' {co:10.1f} {cn:9.1f} {co / cn:9.2f}'
    if base:
        line += f' {g(wall["b"][reps // 2]):8.1f} {wall["b"][reps // 2] / wall["o"][reps // 2]:9.2f}'
    print(line)
