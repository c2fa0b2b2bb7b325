"""Per-op overhead peer: `a + b` in a Python loop for PyTorch (with and without
requires_grad on a) and NumPy; seconds per op."""
from _common import CFG, emit, measure, per, run_family


def torch_add(torch, p):
    a = torch.randn(p['size'], requires_grad=p['grad']); b = torch.randn(p['size'])
    n = p['count']

    def run():
        for _ in range(n):
            a + b
    return per(measure(run, budget=0, warmup=1), n)


def numpy_peer():
    try:
        import numpy as np
    except Exception as e:  # noqa: BLE001
        return {'missing': 'import numpy failed: %r' % (e,)}
    res = []
    for p in CFG['workloads']:
        if p['grad']:
            res.append({'status': 'n/a', 'why': 'numpy has no autograd'})
            continue
        a = np.random.rand(p['size']).astype(np.float32); b = np.random.rand(p['size']).astype(np.float32)
        n = p['count']

        def run():
            for _ in range(n):
                a + b
        res.append(per(measure(run, budget=0, warmup=1), n))
    return {'version': np.__version__, 'setting': 'numpy %s' % np.__version__, 'results': res}


out = run_family(torch_add)
out['numpy'] = numpy_peer()
emit(out)
