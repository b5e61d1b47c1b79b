"""Timing of a PyTorch training step for the torch_*_step.py references of `npm run bench -- train`.

Plain: --warmup untimed steps, then --steps timed ones; one JSON line with the mean step time.
Rounds (--rounds R): after the warm-up a line {"ready": true}; then R times: wait for a line on stdin,
run --steps steps, answer one JSON line with that round's mean step time. The bench alternates
these rounds with rounds of its own steps, so both sides run under the machine's load of the moment.
"""
import json, sys, time


def add_timing_args(ap):
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps first (allocator, caches)")
    ap.add_argument("--rounds", type=int, default=0, help="rounds of --steps steps, each started by a line on stdin")


def timed(step, n):
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def report(step, a, info):
    """Runs the warm-up and the timed steps (or rounds) of `step`; info goes into every JSON line."""
    for _ in range(a.warmup):
        step()
    if a.rounds > 0:
        print(json.dumps({**info, "ready": True}), flush=True)
        for r in range(a.rounds):
            if not sys.stdin.readline():
                return
            dt = timed(step, a.steps)
            print(json.dumps({**info, "round": r, "step_s": round(dt, 5), "images_per_s": round(a.batch / dt, 2)}), flush=True)
        return
    dt = timed(step, a.steps)
    print(json.dumps({**info, "step_s": round(dt, 4), "images_per_s": round(a.batch / dt, 2)}), flush=True)
