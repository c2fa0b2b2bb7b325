"""conv2d peer: torch.nn.functional.conv2d 3x3 pad 1 with bias, forward under no_grad, and
forward+backward with input, weight and bias gradients (grads set to None between runs)."""
from _common import emit, measure, run_family


def conv(torch, p):
    F = torch.nn.functional
    bw = p['backward']
    x = torch.randn(p['n'], p['c'], p['h'], p['w'], requires_grad=bw)
    w = torch.randn(p['k'], p['c'], 3, 3, requires_grad=bw)
    b = torch.randn(p['k'], requires_grad=bw)
    g = torch.randn(p['n'], p['k'], p['h'], p['w'])
    if not bw:
        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, b, padding=1)
        return measure(fwd)

    def step():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=1).backward(g)
    return measure(step)


emit(run_family(conv))
