#!/usr/bin/env python3
"""Ours (build/libgemm-check.so from tools/gemm-check.sh) vs numpy, interleaved in one
process so machine load hits both alike. Usage: tools/gemm-bench.py [threads] [n ...]
Reports best-of and median GFLOP/s of C = A @ B (float32, square n, or MxNxK as 'MxNxK')."""
import ctypes, os, sys, time
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
lib = ctypes.CDLL(os.path.join(here, '..', 'build', 'libgemm-check.so'))
P = ctypes.c_void_p
lib.tf_bench_sgemm.argtypes = [ctypes.c_int] * 4 + [ctypes.c_int64] * 3 + [P, P, P]
threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
shapes = sys.argv[2:] or ['128', '256', '512', '1024', '2048']
isa = int(os.environ.get('TF_BENCH_ISA', '1'))
try:
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)
except ImportError:
    pass  # set OPENBLAS_NUM_THREADS in the environment instead

print(f'threads={threads} (OPENBLAS_NUM_THREADS={os.environ.get("OPENBLAS_NUM_THREADS")})')
print(f'{"shape":>16} {"ours best":>10} {"numpy best":>10} {"ours med":>9} {"numpy med":>9} {"ratio":>6}')
for s in shapes:
    M, N, K = (int(x) for x in s.split('x')) if 'x' in s else (int(s),) * 3
    a = np.random.rand(M, K).astype(np.float32)
    b = np.random.rand(K, N).astype(np.float32)
    c = np.empty((M, N), np.float32)
    flops = 2.0 * M * N * K
    reps = max(7, int(3e9 / flops))
    to, tn = [], []
    ours = lambda: lib.tf_bench_sgemm(isa, threads, 0, 0, M, N, K, a.ctypes.data, b.ctypes.data, c.ctypes.data)
    for _ in range(2):
        ours(); np.matmul(a, b, out=c)
    for _ in range(reps):
        t = time.perf_counter(); ours(); to.append(time.perf_counter() - t)
        t = time.perf_counter(); np.matmul(a, b, out=c); tn.append(time.perf_counter() - t)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    ours()
    err = float(np.max(np.abs(c - ref)))
    to.sort(); tn.sort()
    g = lambda t: flops / t / 1e9
    print(f'{s:>16} {g(to[0]):10.1f} {g(tn[0]):10.1f} {g(to[len(to)//2]):9.1f} {g(tn[len(tn)//2]):9.1f} {to[0] and tn[0]/to[0]:6.2f}  maxerr={err:.2g}')
