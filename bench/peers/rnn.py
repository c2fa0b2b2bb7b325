"""LSTM / GRU peer: one torch.nn.LSTM / GRU layer (sequence-major, zero initial state, both
biases), forward under no_grad, and forward+backward from a fixed output gradient with input,
weight and bias gradients (grads set to None between runs)."""
from _common import emit, measure, run_family


def rnn(torch, p):
    cls = torch.nn.LSTM if p['mode'] == 'lstm' else torch.nn.GRU
    layer = cls(p['i'], p['h'])
    bw = p['backward']
    x = torch.randn(p['t'], p['b'], p['i'], requires_grad=bw)
    g = torch.randn(p['t'], p['b'], p['h'])
    if not bw:
        def fwd():
            with torch.no_grad():
                layer(x)
        return measure(fwd)
    leaves = [x] + list(layer.parameters())

    def step():
        for t in leaves:
            t.grad = None
        layer(x)[0].backward(g)
    return measure(step)


emit(run_family(rnn))
