"""GEMM peers: numpy.matmul (its BLAS) and torch.matmul into preallocated outputs; the bf16
workloads run torch.matmul under torch.autocast('cpu', dtype=torch.bfloat16) (numpy: n/a)."""
import os
from _common import CFG, emit, measure, run_family


def numpy_peer():
    try:
        import numpy as np
    except Exception as e:  # noqa: BLE001
        return {'missing': 'import numpy failed: %r' % (e,)}
    blas = '?'
    alt = '/etc/alternatives/libblas.so.3-x86_64-linux-gnu'
    if os.path.exists(alt):
        blas = os.path.realpath(alt)
    res = []
    for w in CFG['workloads']:
        M, K, N = w['m'], w['k'], w['n']
        if w.get('bf16'):
            res.append({'status': 'n/a', 'why': 'numpy has no bfloat16 matmul'})
            continue
        a = np.random.rand(M, K).astype(np.float32)
        b = np.random.rand(K, N).astype(np.float32)
        c = np.empty((M, N), np.float32)
        res.append(measure(lambda: np.matmul(a, b, out=c)))
    return {'version': np.__version__, 'setting': 'numpy %s, BLAS %s, out= preallocated' % (np.__version__, blas),
            'results': res}


def torch_gemm(torch, w):
    M, K, N = w['m'], w['k'], w['n']
    a = torch.rand(M, K); b = torch.rand(K, N); c = torch.empty(M, N)
    if w.get('bf16'):  # autocast's result is a new bf16 tensor (no out=), as a training step makes
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
            return measure(lambda: torch.matmul(a, b))
    with torch.no_grad():
        return measure(lambda: torch.matmul(a, b, out=c))


out = run_family(torch_gemm)
out['numpy'] = numpy_peer()
emit(out)
