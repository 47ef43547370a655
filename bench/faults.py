#!/usr/bin/env python3
"""Apply time under injected faults: bench/faults.py --endpoint URL [--bin LABEL=PATH ...]

For each binary, fault rate and seed: a fresh random account, `betekk-ecr init bench` (the standard
set: repository, OIDC provider, three policies, three roles), `apply --yes --output json` through
tests/faultproxy/proxy.py at that rate (spread evenly over throttling, 500, 503, resets, delays and
lost responses, as the integration tests do), timed from spawn to exit; then a clean
`plan --detailed-exitcode` to see that the apply really converged. Prints the median wall time per
binary and rate, its ratio to the same binary's 0% median, exit codes, retries; writes
bench/faults-results.json. Not a test: it asserts nothing. See bench/README.md.

Several binaries compare retry settings: build each variant of src/live/sdk/mod.rs and pass it
as LABEL=PATH.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROXY = os.path.join(ROOT, "tests", "faultproxy", "proxy.py")
KINDS = ("throttle", "error-500", "error-503", "reset", "delay", "lost-500", "lost-reset")


def start_proxy(endpoint, seed, rate):
    args = [sys.executable, PROXY, "--upstream", endpoint, "--seed", str(seed),
            "--delay-ms", "50:400", "--max-seconds", "3600"]
    if rate > 0:
        for kind in KINDS:
            args += [f"--{kind}", str(rate / len(KINDS))]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"the proxy did not start: {url!r}")
    return proc, url


def run(binary, args, account, endpoint):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="test",
               AWS_ENDPOINT_URL=endpoint, AWS_REGION="ap-southeast-1", NO_COLOR="1",
               AWS_EC2_METADATA_DISABLED="true")
    env.pop("AWS_PROFILE", None)
    started = time.monotonic()
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    return done, time.monotonic() - started


def one(binary, endpoint, rate, seed, workdir):
    account = "8" + "".join(random.choice("0123456789") for _ in range(11))
    init, _ = run(binary, ["init", "bench"], account, endpoint)
    spec = os.path.join(workdir, f"{account}.yaml")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(init.stdout)
    proxy, url = start_proxy(endpoint, seed, rate)
    try:
        applied, wall = run(binary, ["apply", spec, "--yes", "--output", "json"], account, url)
    finally:
        proxy.kill()
        proxy.wait()
    plan, _ = run(binary, ["plan", spec, "--detailed-exitcode"], account, endpoint)
    try:
        stats = json.loads(applied.stdout)["stats"]
    except (ValueError, KeyError):
        stats = {}
    return {"rate": rate, "seed": seed, "wall_s": round(wall, 3), "exit": applied.returncode,
            "converged": plan.returncode == 0, "calls": stats.get("total"),
            "retries": stats.get("retries")}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", required=True, help="LocalStack, http://127.0.0.1:PORT")
    p.add_argument("--bin", action="append", default=[], metavar="LABEL=PATH")
    p.add_argument("--rates", default="0,5,20,40", help="percent, comma-separated")
    p.add_argument("--seeds", default="1,2,3,4,5", help="one run per seed, comma-separated")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "faults-results.json"))
    args = p.parse_args()
    bins = [b.split("=", 1) for b in args.bin] or [
        ["current", os.path.join(ROOT, "target", "release", "betekk-ecr")]]
    rates = [int(r) for r in args.rates.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]

    results = []
    with tempfile.TemporaryDirectory() as workdir:
        # LocalStack loads its services on the first requests: not on the first measured run.
        one(bins[0][1], args.endpoint, 0, 0, workdir)
        for label, binary in bins:
            for rate in rates:
                for seed in seeds:
                    r = one(binary, args.endpoint, rate / 100.0, seed, workdir)
                    r["bin"] = label
                    results.append(r)
                    print(json.dumps(r), file=sys.stderr, flush=True)

    print("| binary | faults | median s | min s | max s | × 0% | exits | converged | retries (median) |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|")
    for label, _ in bins:
        base = None
        for rate in rates:
            rs = [r for r in results if r["bin"] == label and r["rate"] == rate / 100.0]
            walls = [r["wall_s"] for r in rs]
            median = statistics.median(walls)
            if rate == 0:
                base = median
            retries = statistics.median([r["retries"] or 0 for r in rs])
            print(f"| {label} | {rate}% | {median:.2f} | {min(walls):.2f} | {max(walls):.2f} | "
                  f"{median / base:.1f} | {','.join(str(r['exit']) for r in rs)} | "
                  f"{sum(r['converged'] for r in rs)}/{len(rs)} | {retries:g} |")
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
