"""conv2d peer: torch.nn.functional.conv2d 3x3 pad 1 with bias, forward under no_grad, and
forward+backward with input, weight and bias gradients (grads set to None between runs); the
bf16 rows under torch.autocast('cpu', dtype=torch.bfloat16)."""
from _common import emit, measure, run_family


def conv(torch, p):
    F = torch.nn.functional
    bw = p['backward']
    x = torch.randn(p['n'], p['c'], p['h'], p['w'], requires_grad=bw)
    w = torch.randn(p['k'], p['c'], 3, 3, requires_grad=bw)
    b = torch.randn(p['k'], requires_grad=bw)
    g = torch.randn(p['n'], p['k'], p['h'], p['w'])

    def conv2d():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=p.get('bf16', False)):
            return F.conv2d(x, w, b, padding=1)
    if not bw:
        def fwd():
            with torch.no_grad():
                conv2d()
        return measure(fwd)

    def step():
        x.grad = w.grad = b.grad = None
        conv2d().backward(g)
    return measure(step)


emit(run_family(conv))
