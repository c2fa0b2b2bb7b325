"""LeNet-5 peer: the same network as bench/lenet.ts (ReLU, max-pool) in torch.nn, Adam lr
1e-3, batch 64 of random 28x28 images; seconds per 100 steps."""
from _common import emit, measure, per, run_family


def lenet(torch, p):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    b, steps = p['batch'], p['steps']
    X = torch.randn(b * steps, 1, 28, 28); Y = torch.randint(0, 10, (b * steps,))

    def run():
        for s in range(steps):
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(X[s * b:(s + 1) * b]), Y[s * b:(s + 1) * b]).backward()
            opt.step()
    return per(measure(run, budget=0, min_reps=3, warmup=1), steps / 100)


emit(run_family(lenet))
