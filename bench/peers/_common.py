"""Shared helpers for the Python peers: config from argv[1], timing (warm-up, then the median
of repeated runs, like bench/common.ts), PyTorch at its best settings, JSON on stdout."""
import json
import re
import sys
import time

CFG = json.loads(sys.argv[1])
THREADS = CFG['threads']


WARMUP_SHARE, WARMUP_MAX_S = 0.3, 0.3


def measure(fn, budget=None, min_reps=None, warmup=2, cap=None):
    """Median seconds of fn() after warm-up; {'status': ...} when the first run exceeds cap."""
    budget = CFG['budget'] if budget is None else budget
    min_reps = CFG['min_reps'] if min_reps is None else min_reps
    # Timed warm-up as bench/common.ts measure(): WARMUP_SHARE of the budget, at most WARMUP_MAX_S.
    warm_end = time.perf_counter() + min(WARMUP_MAX_S, budget * WARMUP_SHARE)
    i = 0
    while i < max(1, warmup) or time.perf_counter() < warm_end:
        t = time.perf_counter(); fn(); s = time.perf_counter() - t
        if i == 0 and cap is not None and s > cap:
            return {'status': 'skipped (too slow)', 'why': 'one run took %.1f s > cap %s s' % (s, cap)}
        i += 1
    ts = []
    end = time.perf_counter() + budget
    while len(ts) < min_reps or (time.perf_counter() < end and len(ts) < 1000):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    m = len(ts) // 2
    return ts[m] if len(ts) % 2 else (ts[m - 1] + ts[m]) / 2


def per(cell, n):
    return cell / n if isinstance(cell, float) else cell


def torch_or_none():
    """torch with threads set, or (None, reason)."""
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means the peer is missing
        return None, 'import torch failed: %r' % (e,)
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    return torch, None


def torch_setting(torch):
    return 'torch %s, threads=%d, interop=%d, mkldnn=%s' % (
        torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(),
        torch.backends.mkldnn.is_available())


def with_peak_rss(fn):
    """(fn(), peak RSS in MiB while it ran) as bench/common.ts withPeakRss: reset the high-water
    mark through /proc/self/clear_refs, read VmHWM after; a status dict when not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError as e:
        return fn(), {'status': 'n/a', 'why': 'cannot reset the RSS high-water mark: %s' % e}
    r = fn()
    with open('/proc/self/status') as f:
        m = re.search(r'^VmHWM:\s+(\d+) kB', f.read(), re.M)
    return r, (int(m.group(1)) / 1024 if m else {'status': 'n/a', 'why': 'no VmHWM line in /proc/self/status'})


def run_family(fn):
    """fn(torch, workload) -> seconds per unit (float) or a status dict; prints the JSON. For
    workloads marked training, the peak RSS during fn goes to peak_rss_mib (else None)."""
    torch, why = torch_or_none()
    out = {}
    if torch is None:
        out['pytorch'] = {'missing': why}
    else:
        res, peaks = [], []
        for w in CFG['workloads']:
            try:
                r, peak = with_peak_rss(lambda: fn(torch, w))
            except Exception as e:  # noqa: BLE001 - reported per workload
                r, peak = {'status': 'error', 'why': repr(e)[:200]}, None
            res.append(r)
            peaks.append(peak if w.get('training') else None)
        out['pytorch'] = {'version': torch.__version__, 'setting': torch_setting(torch), 'results': res,
                          'peak_rss_mib': peaks}
    return out


def emit(out):
    print(json.dumps(out))
