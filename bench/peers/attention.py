"""Attention peer: fused rows call PyTorch's scaled-dot-product entry point
(F.scaled_dot_product_attention, or 1.13's private F._scaled_dot_product_attention), composed
rows the same matmul + softmax + matmul in PyTorch; forward under no_grad, and
forward+backward from a fixed output gradient (grads set to None between runs)."""
import math

from _common import emit, measure, run_family


def attention(torch, p):
    F = torch.nn.functional
    b, h, l, e, causal = p['b'], p['h'], p['l'], p['e'], p['causal']
    bw = p['backward']
    q, k, v = (torch.randn(b, h, l, e, requires_grad=bw) for _ in range(3))
    g = torch.randn(b, h, l, e)
    keep = torch.ones(l, l, dtype=torch.bool).tril()
    neg = torch.zeros(l, l).masked_fill(~keep, float('-inf'))

    if p['fused']:
        if hasattr(F, 'scaled_dot_product_attention'):
            def run():
                return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        elif hasattr(F, '_scaled_dot_product_attention'):
            def run():
                return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, causal)[0]
        else:
            return {'status': 'unsupported', 'why': 'this torch has no scaled_dot_product_attention'}
    else:
        def run():
            s = q @ k.transpose(-2, -1) * (1 / math.sqrt(e))
            if causal:
                s = s + neg
            return s.softmax(-1) @ v

    if not bw:
        def fwd():
            with torch.no_grad():
                run()
        return measure(fwd)

    def step():
        for t in (q, k, v):
            t.grad = None
        run().backward(g)
    return measure(step)


emit(run_family(attention))
