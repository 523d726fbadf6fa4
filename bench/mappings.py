"""What running mappings in evaluator processes costs, and what it buys.

    python -m bench.mappings [--evaluations 300] [--probes 40]

1. Overhead: a 20-variant product mapping evaluated through the pool (pipe round trip, pickling
   both ways) against the same evaluation in this process (the interpreter the evaluators run).
2. Throughput per process: evaluations per second from 1, 2 and 4 threads, through the pool
   (2 evaluators) against in-process evaluation (threads share one GIL).
3. The demo under attack: the demo's web server (runserver, as `make demo` starts it) on a
   temporary database; a merchandiser posts each adversarial mapping to Preview over and over
   from one thread while another probes `/healthz`. Prints the probe latency against the same
   server idle, and how long each attack request took.
Prints figures; asserts nothing.
"""

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import bench_environment, free_port, median_ms

REPO = Path(__file__).resolve().parent.parent
ATTACKS = {
    "regex (a|a)*$ on 24 characters": '$match("aaaaaaaaaaaaaaaaaaaaaaaa!", /(a|a)*$/)',
    "$distinct([1..20000])": "$distinct([1..20000])",
    "[1..4900000]": "[1..4900000]",
    "20,000-character array literal": "[" + ",".join(["1"] * 9_999) + "]",
}


def _rate(function, threads: int, count: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda _: function(), range(count)))
    return count / (time.perf_counter() - started)


def engine_figures(evaluations: int) -> None:
    from partners.mapping import MappingLimits, compile_mapping, response_mapping_input
    from partners.mapping.evaluator_pool import PoolSettings, evaluator_pool_configure
    from partners.mapping.interpreter import evaluate
    from partners.mapping.values import to_mapping_value
    from tests.partners.mapping.examples import CENTS_LOOKUP_MAPPING, cents_partner_body

    evaluator_pool_configure(PoolSettings(processes=2))
    limits = MappingLimits()
    data = response_mapping_input(
        status=200, headers={}, body=cents_partner_body(colours=4, sizes=5)
    )
    mapping = compile_mapping(CENTS_LOOKUP_MAPPING, operation="lookup", direction="response")
    plain = to_mapping_value(data, max_depth=limits.max_depth)

    def pooled():
        return mapping.evaluate(data)

    def in_process():
        return evaluate(CENTS_LOOKUP_MAPPING, plain, {}, limits)

    for _ in range(20):  # warm both evaluators and this process's parse cache
        pooled(), in_process()
    ours, local = median_ms(pooled, evaluations), median_ms(in_process, evaluations)
    print(f"20-variant mapping, {evaluations} evaluations, median:")
    print(f"  through the pool {ours:.2f} ms, in process {local:.2f} ms: {ours / local:.2f}x,")
    print(f"  {ours - local:.2f} ms of overhead per evaluation")
    print("Evaluations per second in one process (pool of 2 evaluators vs in process):")
    for threads in (1, 2, 4):
        pool_rate = _rate(pooled, threads, evaluations)
        local_rate = _rate(in_process, threads, evaluations)
        print(
            f"  {threads} thread(s): pool {pool_rate:6.0f}/s, in process {local_rate:6.0f}/s, "
            f"{pool_rate / local_rate:.2f}x"
        )


class _Browser:
    """A logged-in session against the demo server, with urllib only (cookies kept across
    redirects, as a browser keeps them)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, form: dict | None = None, timeout: float = 120) -> str:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(  # noqa: S310 - the local demo server
            self.base + path, data=data, headers={"Referer": self.base}
        )
        with self.opener.open(request, timeout=timeout) as response:
            return response.read().decode()

    def post(self, path: str, form: dict) -> str:
        page = self.request(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        return self.request(path, {"csrfmiddlewaretoken": token, **form})


def _probe_ms(base: str, probes: int) -> list[float]:
    samples = []
    for _ in range(probes):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/healthz", timeout=120) as response:  # noqa: S310
            response.read()
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.02)
    return samples


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f} ms, p95 {p95:7.1f} ms, max {ordered[-1]:7.1f}"


def demo_under_attack(probes: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-mappings-"))
    port = free_port()
    env = {**os.environ, **bench_environment(workdir)}
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - our own fixed commands
            [*manage, *command], cwd=REPO, env=env, check=True, capture_output=True
        )
    server = subprocess.Popen(  # noqa: S603 - our own fixed command
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        browser = _Browser(base)
        preview = "/admin/partners/partner/1/preview-mapping/"
        password = os.environ.get("DEMO_PASSWORD", "endless-aisle-demo")
        browser.post("/accounts/login/", {"username": "merchandiser", "password": password})
        if 'value="Preview"' not in browser.request(preview):
            raise SystemExit("Could not log in as the demo merchandiser: no figures.")
        print(f"/healthz on the demo server, {probes} probes each:")
        print(f"  {'idle':<39}{_summary(_probe_ms(base, probes))}")
        for name, expression in ATTACKS.items():
            attack_ms: list[float] = []
            stop = threading.Event()

            def attack(expression=expression, attack_ms=attack_ms, stop=stop):
                form = {
                    "operation": "lookup",
                    "direction": "response",
                    "input_format": "json",
                    "status": "200",
                    "expression": expression,
                    "sample": "{}",
                }
                while not stop.is_set():
                    started = time.perf_counter()
                    browser.post(preview, form)
                    attack_ms.append((time.perf_counter() - started) * 1000)

            attacker = threading.Thread(target=attack, daemon=True)
            attacker.start()
            time.sleep(0.5)
            during = _probe_ms(base, probes)
            stop.set()
            attacker.join(120)
            print(f"  during {name:<32}{_summary(during)}")
            print(
                f"    each attack request (GET + POST Preview): median "
                f"{statistics.median(attack_ms):.0f} ms over {len(attack_ms)}"
            )
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evaluations", type=int, default=300)
    parser.add_argument("--probes", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    engine_figures(args.evaluations)
    demo_under_attack(args.probes)


if __name__ == "__main__":
    main()
