"""PyTorch side of the GPU benchmark: the cases of bench/gpu/cases.ts (kept in step by
name), timed the same way (median of synchronized runs). Prints JSON lines."""
import json
import sys
import time

import torch

GEMM = [n for n in (1024, 2048, 4096, 8192)]
CONV = [
    ("conv3x3_64x56x56_b32_fwd", (32, 64, 56, 56), (64, 64, 3, 3), 1, 1, "fwd"),
    ("conv3x3_128x28x28_b32_fwd", (32, 128, 28, 28), (128, 128, 3, 3), 1, 1, "fwd"),
    ("conv3x3_256x14x14_b32_fwd", (32, 256, 14, 14), (256, 256, 3, 3), 1, 1, "fwd"),
    ("conv3x3_64x56x56_b32_bwd", (32, 64, 56, 56), (64, 64, 3, 3), 1, 1, "bwd"),
]
LSTM = [("lstm_T50_B64_I256_H512_fwd", 50, 64, 256, 512), ("lstm_T100_B32_I128_H256_fwd", 100, 32, 128, 256)]


def timed(fn, warm=3, reps=10):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return ms[len(ms) // 2]


def emit(name, ms, flops):
    print(json.dumps({"name": name, "ms": ms, "gflops": flops / (ms * 1e6)}), flush=True)


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    for n in GEMM:
        a = torch.rand(n, n, device=dev) * 2 - 1
        b = torch.rand(n, n, device=dev) * 2 - 1
        for prec, tag in (("highest", "fp32"), ("high", "tf32")):
            name = f"sgemm_{tag}_{n}"
            if only and only not in name:
                continue
            torch.backends.cuda.matmul.allow_tf32 = prec == "high"
            torch.set_float32_matmul_precision(prec)
            emit(name, timed(lambda: torch.mm(a, b), 2, 5 if n >= 8192 else 10), 2 * n**3)
        del a, b
    torch.set_float32_matmul_precision("highest")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False  # our conv runs fp32 under 'highest'
    for name, xs, ws, s, p, pas in CONV:
        if only and only not in name:
            continue
        x = torch.rand(*xs, device=dev, requires_grad=pas == "bwd")
        w = torch.rand(*ws, device=dev, requires_grad=pas == "bwd")
        y = torch.nn.functional.conv2d(x, w, stride=s, padding=p)
        f = 2 * y.numel() * xs[1] * ws[2] * ws[3]
        if pas == "fwd":
            with torch.no_grad():
                ms = timed(lambda: torch.nn.functional.conv2d(x, w, stride=s, padding=p))
            emit(name, ms, f)
        else:
            g = torch.rand_like(y)
            ms = timed(lambda: torch.autograd.grad(y, (x, w), g, retain_graph=True))
            emit(name, ms, 2 * f)
    for name, T, B, I, H in LSTM:
        if only and only not in name:
            continue
        lstm = torch.nn.LSTM(I, H).to(dev)
        x = torch.rand(T, B, I, device=dev)
        with torch.no_grad():
            ms = timed(lambda: lstm(x))
        emit(name, ms, 2 * T * B * 4 * H * (I + H))


if __name__ == "__main__":
    main()
