"""bench/memory.ts's workload in PyTorch: one epoch of the Fashion-MNIST CNN at batch 64, the
10,000 test images evaluated in 10 chunks of 1,000 under no_grad, then 3 rounds of predicting
them in batches of 1,000; seconds and RSS (MiB, /proc/self/status) per phase, JSON on stdout.
Usage: memory.py --limit N --threads N"""
import gzip
import json
import re
import sys
import time

import numpy as np
import torch

DIR = '/usr/share/datasets/fashion-mnist'


def status_mib(field):
    with open('/proc/self/status') as f:
        return int(re.search(r'^%s:\s+(\d+) kB' % field, f.read(), re.M).group(1)) / 1024


def idx(name, offset):
    with gzip.open('%s/%s.gz' % (DIR, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(images, labels, limit):
    x = idx(images, 16).reshape(-1, 1, 28, 28)[:limit]
    y = idx(labels, 8)[:limit]
    return torch.from_numpy(x.astype(np.float32) / 255), torch.from_numpy(y.astype(np.int64))


def cnn():
    """The Fashion-MNIST CNN of this bench and of tta.py."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    limit, threads = int(args['--limit']), int(args['--threads'])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    xs, ys = load('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', limit)
    xt, yt = load('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 10 ** 9)
    model = cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = xs.shape[0]
    t = time.perf_counter()
    for lo in range(0, n, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xs[lo:lo + 64]), ys[lo:lo + 64]).backward()
        opt.step()
    train_s, rss_train = time.perf_counter() - t, status_mib('VmRSS')
    model.eval()
    m = xt.shape[0]
    chunk = -(-m // 10)
    t = time.perf_counter()
    correct = 0
    with torch.no_grad():
        for lo in range(0, m, chunk):
            correct += int((model(xt[lo:lo + chunk]).argmax(1) == yt[lo:lo + chunk]).sum())
    eval_s, rss_eval = time.perf_counter() - t, status_mib('VmRSS')
    predict_s, rss_predict = [], []
    for _ in range(3):
        t = time.perf_counter()
        with torch.no_grad():
            out = torch.cat([model(xt[lo:lo + 1000]) for lo in range(0, m, 1000)])
        del out
        predict_s.append(time.perf_counter() - t)
        rss_predict.append(status_mib('VmRSS'))
    print(json.dumps({'trainS': train_s, 'evalS': eval_s, 'predictS': predict_s,
                      'rssAfterTrainMiB': rss_train, 'rssAfterEvalMiB': rss_eval,
                      'rssAfterPredictMiB': rss_predict, 'peakRssMiB': status_mib('VmHWM'),
                      'accuracy': correct / m}))


if __name__ == '__main__':
    main()
