"""MLP 784-512-256-10 peer: one epoch of random data at batch 128 with torch.optim.Adam
(lr 1e-3), F.cross_entropy, zero_grad(set_to_none=True); seconds per epoch."""
import math
from _common import CFG, emit, measure, run_family


def mlp(torch, p):
    nn = torch.nn
    X = torch.randn(p['samples'], 784); Y = torch.randint(0, 10, (p['samples'],))
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    steps = math.ceil(p['samples'] / p['batch'])

    def epoch():
        for s in range(steps):
            lo = s * p['batch']; hi = min(p['samples'], lo + p['batch'])
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(X[lo:hi]), Y[lo:hi]).backward()
            opt.step()
    return measure(epoch, budget=0, min_reps=2 if CFG['quick'] else 3, warmup=1)


emit(run_family(mlp))
