"""bench/tta.ts's workload in PyTorch: the Fashion-MNIST CNN trained for a fixed number of
epochs (Adam 1e-3, batch 128, reshuffled every epoch by a seeded generator), the 10,000 test
images evaluated evalsPerEpoch times per epoch under no_grad (not timed). precision 'bf16' runs
forward and loss under torch.autocast('cpu', dtype=torch.bfloat16). With "shared" (a file
bench/tta.ts wrote), the initial weights and each epoch's sample order come from it, the same as
tensorforge's run of that seed. JSON on stdout.
Usage: tta.py '{"seed":0,"precision":"fp32","epochs":6,"target":0.9,"evalsPerEpoch":4,"limit":60000,"threads":2}'"""
import contextlib
import json
import sys
import time

import numpy as np
import torch

from memory import cnn, load, status_mib


def read_shared(path):
    """The tensors of the safetensors file bench/tta.ts wrote (a JSON header, then raw data)."""
    with open(path, 'rb') as f:
        buf = f.read()
    n = int.from_bytes(buf[:8], 'little')
    head = json.loads(buf[8:8 + n])
    head.pop('__metadata__', None)
    kinds = {'F32': np.float32, 'I32': np.int32}
    return {k: torch.from_numpy(np.frombuffer(buf, kinds[v['dtype']], int(np.prod(v['shape'])), 8 + n + v['data_offsets'][0])
                                .reshape(v['shape']).copy()) for k, v in head.items()}


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(int(c['threads']))
    torch.manual_seed(int(c['seed']))
    nn = torch.nn
    xs, ys = load('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', int(c['limit']))
    xt, yt = load('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 10 ** 9)
    model = cnn()
    order = None
    if c.get('shared'):
        state = read_shared(c['shared'])
        order = state.pop('order').long()
        model.load_state_dict(state, strict=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bf16 = c['precision'] == 'bf16'
    cast = (lambda: torch.autocast(device_type='cpu', dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    gen = torch.Generator().manual_seed(int(c['seed']))
    n, batch = xs.shape[0], 128
    steps = (n + batch - 1) // batch
    per = int(c['evalsPerEpoch'])
    eval_at = {round((i + 1) * steps / per) for i in range(per)}
    curve, epoch_s = [], []
    train_s, tt, et = 0.0, None, None

    def accuracy():
        correct = 0
        with torch.no_grad(), cast():
            for lo in range(0, xt.shape[0], 1000):
                correct += int((model(xt[lo:lo + 1000]).argmax(1) == yt[lo:lo + 1000]).sum())
        return correct / xt.shape[0]

    for e in range(int(c['epochs'])):
        perm = order[e] if order is not None else torch.randperm(n, generator=gen)
        t, ep = time.perf_counter(), 0.0
        for s in range(steps):
            idx = perm[s * batch:(s + 1) * batch]
            opt.zero_grad()
            with cast():
                loss = nn.functional.cross_entropy(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            if s + 1 in eval_at:
                dt = time.perf_counter() - t
                train_s += dt
                ep += dt
                model.eval()
                acc = accuracy()
                model.train()
                curve.append({'trainS': train_s, 'epoch': e + (s + 1) / steps, 'accuracy': acc})
                if tt is None and acc >= float(c['target']):
                    tt, et = train_s, e + (s + 1) / steps
                t = time.perf_counter()
        epoch_s.append(ep)
    print(json.dumps({'timeToTargetS': tt, 'epochsToTarget': et, 'epochS': epoch_s, 'curve': curve,
                      'finalAccuracy': curve[-1]['accuracy'], 'peakRssMiB': status_mib('VmHWM'),
                      'library': 'pytorch %s' % torch.__version__}))


if __name__ == '__main__':
    main()
