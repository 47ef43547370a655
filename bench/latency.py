#!/usr/bin/env python3
"""The latency benchmark behind `bench/run --latency 100ms` (see bench/README.md, "At AWS's latency").

The emulator answers in a few milliseconds; AWS, from a runner far from the region, in 100-250 ms.
This puts the project's fault proxy (tests/faultproxy/proxy.py) with `--latency-ms` and no faults in
front of the emulator and measures, through it, with the CLI as a child process:

  one account, N repositories: converged plan, no-op apply, drift, against the model
  `rounds x latency + calls x latency / window`, where rounds is the read graph's depth (the
  proxy's `rounds` for a plan at --parallelism 256 of 20 repositories, where no call queues).

  fan-out over T targets (accounts through an assumed role) x 2 regions x 10 repositories: the
  full plan in one process against the same T x 2 single-target plans run as concurrent processes
  through the same proxy (the floor the emulator and proxy allow), and against the model.

Setup (the accounts' repositories) goes straight to the emulator, without latency. Python 3
standard library only. Prints Markdown tables; writes bench/latency-results.json (git-ignored).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGIONS = ["ap-southeast-1", "ap-southeast-2"]
WINDOW = 16  # the CLI's default --parallelism


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", required=True, help="the emulator, http://127.0.0.1:PORT")
    p.add_argument("--bin", required=True, help="the CLI binary")
    p.add_argument("--latency-ms", type=float, default=100.0)
    p.add_argument("--sizes", default="100,1000", help="N of the one-account case (0: none)")
    p.add_argument("--targets", default="1,3,10,30", help="T of the fan-out case (0: none)")
    p.add_argument("--fanout-repositories", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3, help="runs of each measured phase (median)")
    p.add_argument("--label", default="", help="a name for this binary in the results")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "latency-results.json"))
    args = p.parse_args(argv)
    args.sizes = [int(n) for n in args.sizes.split(",") if int(n) > 0]
    args.targets = [int(t) for t in args.targets.split(",") if int(t) > 0]
    return args


def account_id():
    return f"{random.randrange(10**11, 10**12):012d}"


def spec_one(n):
    repos = "".join(f'  - name: "{{prefix}}-lat-{i:04d}"\n' for i in range(n))
    return (
        "version: 1\nstack: lat\nregions: [ap-southeast-1]\nrepositories:\n" + repos
        + 'policies:\n  - name: "{prefix}-LatPush"\n    ecr_push: ["{prefix}-lat-0000"]\n'
        + 'roles:\n  - name: "{PREFIX}-LatUpload"\n    github_trust: {repositories: [{name: app, id: 42}]}\n'
        + '    policies: ["{prefix}-LatPush"]\n'
    )


def spec_fanout(accounts, n):
    targets = "".join(
        f'  - {{name: t{i:02d}, account: "{a}", role: Provisioner}}\n' for i, a in enumerate(accounts)
    )
    repos = "".join(f'  - name: "{{prefix}}-fan-{i:02d}"\n' for i in range(n))
    return (
        f"version: 1\nstack: fan\nregions: [{', '.join(REGIONS)}]\ntargets:\n{targets}"
        + "repositories:\n" + repos
        + 'policies:\n  - name: "{prefix}-FanPush"\n    ecr_push: ["{prefix}-fan-00"]\n'
    )


class Proxy:
    def __init__(self, endpoint, latency_ms):
        self.child = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests", "faultproxy", "proxy.py"),
             "--upstream", endpoint, "--seed", "1", "--latency-ms", str(latency_ms),
             "--max-seconds", "7200"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.url = self.child.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def get(self, what):
        with urllib.request.urlopen(f"{self.url}/_faultproxy/{what}") as r:
            return json.load(r)

    def stop(self):
        self.child.kill()
        self.child.wait()


def cli(args, bin_path, endpoint, account, extra_env=None):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="test",
               AWS_ENDPOINT_URL=endpoint, NO_COLOR="1")
    env.pop("AWS_REGION", None)
    env.update(extra_env or {})
    started = time.monotonic()
    run = subprocess.run([bin_path, *args], env=env, capture_output=True, text=True)
    return time.monotonic() - started, run


def calls_of(stdout):
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    if "targets" in doc:
        return sum(t.get("stats", {}).get("total", 0) for t in doc["targets"])
    return doc.get("stats", {}).get("total")


def timed(args, bin_path, proxy, account, repeat, ok=(0,)):
    """Median wall time, calls and proxy rounds of `repeat` runs through the proxy."""
    walls, calls, rounds = [], None, []
    for _ in range(repeat):
        proxy.get("reset")
        wall, run = cli(args, bin_path, proxy.url, account)
        if run.returncode not in ok:
            raise SystemExit(f"{' '.join(args)}: exit {run.returncode}\n{run.stderr[-2000:]}")
        walls.append(wall)
        calls = calls_of(run.stdout)
        rounds.append(proxy.get("stats")["rounds"])
    return statistics.median(walls), calls, max(rounds)


def model(rounds, calls, latency, window):
    return rounds * latency + calls * latency / window


def graph_depth(args, proxy, spec_dir):
    """The read graph's depth: the proxy's rounds for a converged plan at --parallelism 256, where
    no call waits for a slot, on 20 repositories (the depth does not grow with N below a listing's
    page of 1000; a larger N at 256 in flight only queues at the emulator's one core)."""
    account = account_id()
    spec = os.path.join(spec_dir, "depth.yaml")
    with open(spec, "w") as f:
        f.write(spec_one(20))
    _, run = cli(["apply", spec, "--yes", "--output", "json"], args.bin, args.endpoint, account)
    if run.returncode != 0:
        raise SystemExit(f"setup apply (depth): exit {run.returncode}\n{run.stderr[-2000:]}")
    depths = [timed(["plan", spec, "--output", "json", "--parallelism", "256"], args.bin, proxy,
                    account, 1)[2] for _ in range(args.repeat)]
    return min(depths)


def one_account(args, proxy, spec_dir, n, depth):
    account = account_id()
    spec = os.path.join(spec_dir, f"one-{n}.yaml")
    with open(spec, "w") as f:
        f.write(spec_one(n))
    _, run = cli(["apply", spec, "--yes", "--output", "json"], args.bin, args.endpoint, account)
    if run.returncode != 0:
        raise SystemExit(f"setup apply N={n}: exit {run.returncode}\n{run.stderr[-2000:]}")
    lat = args.latency_ms / 1000.0
    rows = []
    for phase, cmd, ok in [
        ("converged plan", ["plan", spec, "--output", "json"], (0,)),
        ("no-op apply", ["apply", spec, "--yes", "--output", "json"], (0,)),
        ("drift", ["drift", spec, "--output", "json"], (0, 2)),
    ]:
        wall, calls, rounds = timed(cmd, args.bin, proxy, account, args.repeat, ok)
        m = model(depth, calls or 0, lat, WINDOW)
        rows.append({"n": n, "phase": phase, "wall_s": round(wall, 3), "calls": calls,
                     "rounds": rounds, "depth": depth, "model_s": round(m, 3),
                     "ratio": round(wall / m, 2) if m else None})
        print(f"  N={n} {phase}: {wall:.2f} s, {calls} calls, {rounds} rounds "
              f"(depth {depth}), model {m:.2f} s", file=sys.stderr)
    return rows


def fanout(args, proxy, spec_dir, t, depth):
    caller = account_id()
    accounts = [account_id() for _ in range(t)]
    spec = os.path.join(spec_dir, f"fan-{t}.yaml")
    with open(spec, "w") as f:
        f.write(spec_fanout(accounts, args.fanout_repositories))
    _, run = cli(["apply", spec, "--yes", "--output", "json"], args.bin, args.endpoint, caller)
    if run.returncode != 0:
        raise SystemExit(f"setup apply T={t}: exit {run.returncode}\n{run.stderr[-2000:]}")
    lat = args.latency_ms / 1000.0
    fulls, floors, calls, rounds = [], [], None, 0
    for _ in range(args.repeat):
        proxy.get("reset")
        wall, run = cli(["plan", spec, "--output", "json"], args.bin, proxy.url, caller)
        if run.returncode != 0:
            raise SystemExit(f"plan T={t}: exit {run.returncode}\n{run.stderr[-2000:]}")
        fulls.append(wall)
        calls = calls_of(run.stdout)
        rounds = max(rounds, proxy.get("stats")["rounds"])
        # The floor: every target and region as its own process, all at once.
        env = dict(os.environ, AWS_ACCESS_KEY_ID=caller, AWS_SECRET_ACCESS_KEY="test",
                   AWS_ENDPOINT_URL=proxy.url, NO_COLOR="1")
        env.pop("AWS_REGION", None)
        started = time.monotonic()
        children = [
            subprocess.Popen([args.bin, "plan", spec, "--output", "json", "--target", f"t{i:02d}",
                              "--region", region], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            for i in range(t) for region in REGIONS
        ]
        codes = [c.wait() for c in children]
        floors.append(time.monotonic() - started)
        if any(codes):
            raise SystemExit(f"floor T={t}: exits {codes}")
    full, floor = statistics.median(fulls), statistics.median(floors)
    # Per unit, in lanes of its own: the graph's depth plus the AssumeRole round, and its calls
    # shared out over a window.
    units = t * len(REGIONS)
    m = model(depth + 1, (calls or 0) / units, lat, WINDOW)
    print(f"  T={t}: {full:.2f} s full, {floor:.2f} s floor, {calls} calls, rounds {rounds}, "
          f"model {m:.2f} s", file=sys.stderr)
    return {"targets": t, "units": units, "full_s": round(full, 3), "floor_s": round(floor, 3),
            "ratio": round(full / floor, 2), "calls": calls, "rounds": rounds,
            "model_s": round(m, 3), "model_ratio": round(full / m, 2) if m else None}


def main(argv):
    args = parse_args(argv)
    proxy = Proxy(args.endpoint, args.latency_ms)
    results = {"label": args.label, "bin": args.bin, "latency_ms": args.latency_ms,
               "one_account": [], "fanout": []}
    try:
        with tempfile.TemporaryDirectory() as spec_dir:
            # Warm-up: the emulator's first requests load its services.
            cli(["plan", os.path.join(ROOT, "examples", "probe-engine.yaml")], args.bin,
                args.endpoint, account_id())
            depth = graph_depth(args, proxy, spec_dir)
            results["depth"] = depth
            print(f"  read-graph depth: {depth} rounds", file=sys.stderr)
            for n in args.sizes:
                results["one_account"] += one_account(args, proxy, spec_dir, n, depth)
            for t in args.targets:
                results["fanout"].append(fanout(args, proxy, spec_dir, t, depth))
    finally:
        proxy.stop()
    lat = int(args.latency_ms)
    if results["one_account"]:
        print(f"\nOne account, {lat} ms a call ({args.label or args.bin}):\n")
        print(f"Read-graph depth: {results['depth']} rounds.\n")
        print("| N | phase | wall s | calls | rounds seen | model s | ratio |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for r in results["one_account"]:
            print(f"| {r['n']} | {r['phase']} | {r['wall_s']:.2f} | {r['calls']} | "
                  f"{r['rounds']} | {r['model_s']:.2f} | {r['ratio']} |")
    if results["fanout"]:
        print(f"\nFan-out, 2 regions x {args.fanout_repositories} repositories per target, "
              f"{lat} ms a call ({args.label or args.bin}):\n")
        print("| targets | units | plan s | floor s (concurrent processes) | ratio | calls | "
              "rounds seen | model s (per unit) | plan / model |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in results["fanout"]:
            print(f"| {r['targets']} | {r['units']} | {r['full_s']:.2f} | {r['floor_s']:.2f} | "
                  f"{r['ratio']} | {r['calls']} | {r['rounds']} | {r['model_s']:.2f} | "
                  f"{r['model_ratio']} |")
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1:])
