#!/usr/bin/env python3
"""TokenRouter's benchmark: what the gateway adds on top of the provider, next to nginx.

Starts on 127.0.0.1 a fake provider (bench/upstream), nginx as a plain reverse proxy in front
of it, and the published TokenRouter binary twice (request log line on, and off); drives them
with wrk and with streamprobe.py; checks TokenRouter's books; prints one markdown report and
saves it to bench/results/latest.md. Run it through bench/run.sh, which installs and builds
what it needs. Every process it starts is stopped when it ends, however it ends.
"""

import argparse
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import report
import streamprobe

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAT = "/v1/chat/completions"
MODELS = ("bench-0ms", "bench-20ms")
CONNECTIONS = (1, 16, 64, 256)
LARGE_PROMPT = 8000  # bytes of user message in the large-prompt runs: about 1,600 tokens
TAIL_S = 1  # wrk runs this long after its last new request, so nothing is cut off in flight

# The targets (issue 7), judged in report.py.
TARGETS = {
    "throughput": 0.60,
    "added_p50_ratio": 2.0,
    "stream_ttfb_added_ms": 1.0,
    "idle_rss_mib": 40,
    "peak_rss_mib": 150,
    "startup_ms": 100,
    "binary_mib": 30,
}


def chat_body(model, stream=False):
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Say hello to the benchmark."},
        ],
        "max_tokens": 64,
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body, separators=(",", ":"))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout, what):
    """Polls check() every 20 ms until it is true; bounded by timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


class Processes:
    """Every process the benchmark starts, stopped by pid (TERM, then KILL) when it ends."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.running = []

    def start(self, name, argv, env=None):
        out = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=self.workdir)
        out.close()
        self.running.append(proc)
        return proc

    def stop(self, proc, timeout=15):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self):
        for proc in reversed(list(self.running)):
            self.stop(proc)


def http_json(method, url, password=None, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if password:
        request.add_header("Authorization", f"Bearer {password}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except urllib.error.HTTPError:
        return False


class RssSampler:
    """Samples VmRSS of one process on a background thread; bounded by its stop()."""

    def __init__(self, pid, interval=0.2):
        self.pid = pid
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def _run(self):
        while not self._stop.is_set():
            rss = status_kib(self.pid, "VmRSS")
            if rss is not None:
                self.samples.append((time.monotonic(), rss))
            self._stop.wait(self.interval)

    @property
    def max_mib(self):
        return max((rss for _, rss in self.samples), default=0) / 1024


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(pid):
    """The pids whose parent is pid (nginx's workers)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except OSError:
                pass
    return children


def process_cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def settled_rss_mib(pid, timeout=15):
    """VmRSS once two samples 1 s apart differ by under 1 MiB (background loading done); bounded."""
    previous = status_kib(pid, "VmRSS")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        current = status_kib(pid, "VmRSS")
        if abs(current - previous) < 1024:
            return current / 1024
        previous = current
    return previous / 1024


class TokenRouter:
    """One TokenRouter process with its own env file, database and team."""

    def __init__(self, name, binary, processes, workdir, upstream_port, extra_env=None):
        self.name = name
        self.binary = binary
        self.processes = processes
        self.port = free_port()
        self.password = "bench-" + secrets.token_hex(12)
        self.db = os.path.join(workdir, f"{name}.db")
        self.env_file = os.path.join(workdir, f"{name}.env")
        self.extra_env = extra_env or {}
        self.proc = None
        self.token = None
        self.team_id = None
        self.answered_2xx = 0  # every 2xx answer the benchmark received from this instance
        self.answered_other = 0
        with open(os.open(self.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as env:
            env.write(
                "PROVIDER_API_KEY=sk-bench-provider-key\n"
                f"PROVIDER_BASE_URL=http://127.0.0.1:{upstream_port}/v1\n"
                f"ALLOWED_MODELS={','.join(MODELS)}\n"
                f"ADMIN_PASSWORD={self.password}\n"
                "HOST=127.0.0.1\n"
            )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def launch(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PROVIDER_", "ADMIN_", "ALLOWED_", "Logging__", "ASPNETCORE_", "DOTNET_"))
               and k not in ("HOST", "PORT", "DATABASE_PATH")}
        env.update(self.extra_env)
        argv = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--env-file", self.env_file, "--db", self.db]
        self.proc = self.processes.start(self.name, argv, env)
        return self.proc

    def stop(self):
        self.processes.stop(self.proc)
        self.proc = None

    def first_start(self):
        """Starts on a new database, creates the team; returns ms to the first /healthz 200."""
        started = time.perf_counter()
        self.launch()
        wait_until(lambda: self._alive() and http_ok(self.url + "/healthz"), 30, f"{self.name} /healthz")
        elapsed = (time.perf_counter() - started) * 1000
        status, team = http_json("POST", self.url + "/admin/api/teams", self.password,
                                 {"name": "bench", "quota": 10**15})
        if status != 201 or not team.get("token"):
            raise RuntimeError(f"creating the team answered {status}: {team}")
        self.token, self.team_id = team["token"], team["id"]
        return elapsed

    def timed_start(self):
        """
        Starts on the existing database; returns the ms until a chat request is answered 200,
        and the CPU ms the process had used by then (the part of start-up load cannot inflate).
        """
        body = chat_body(MODELS[0])
        started = time.perf_counter()
        self.launch()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self._alive()
            try:
                response = streamprobe.chat_once(self.port, CHAT, self.token, body)
            except OSError:
                time.sleep(0.002)
                continue
            self.count(response.status)
            if response.status == 200:
                return (time.perf_counter() - started) * 1000, process_cpu_ms(self.proc.pid)
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} answered no chat request within 30 s")

    def _alive(self):
        if self.proc.poll() is not None:
            log_path = os.path.join(self.processes.workdir, f"{self.name}.log")
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {log_path}")
        return True

    def count(self, status, times=1):
        if 200 <= status < 300:
            self.answered_2xx += times
        else:
            self.answered_other += times

    def books(self):
        _, team = http_json("GET", f"{self.url}/admin/api/teams/{self.team_id}", self.password)
        _, rows = http_json("GET", f"{self.url}/admin/api/logs?limit=1&team_id={self.team_id}", self.password)
        _, ok_rows = http_json("GET", f"{self.url}/admin/api/logs?limit=1&status=200&team_id={self.team_id}",
                               self.password)
        return {"used": team["used"], "rows": rows["total"], "rows_200": ok_rows["total"]}


class Target:
    """Something wrk and the probe can be pointed at: its port, token, processes and books."""

    def __init__(self, name, port, token="unused", router=None, pids=()):
        self.name = name
        self.port = port
        self.token = token
        self.router = router
        self._pids = list(pids)

    @property
    def pids(self):
        return [self.router.proc.pid] if self.router else self._pids

    def cpu_seconds(self):
        """User + system CPU of the target's own processes (the upstream's excluded for proxies)."""
        total = 0
        for pid in self.pids:
            try:
                total += process_cpu_ms(pid) / 1000
            except OSError:
                pass
        return total


def parse_variant(text):
    """NAME:KEY=VALUE[,KEY=VALUE...]; the key binary= names another executable."""
    name, _, settings = text.partition(":")
    if not name or name in ("direct", "nginx", "tokenrouter", "tokenrouter-quiet") or not settings:
        raise argparse.ArgumentTypeError(f"--variant wants NAME:KEY=VALUE[,KEY=VALUE...], got {text!r}")
    env = dict(pair.split("=", 1) for pair in settings.split(",") if "=" in pair)
    return name, env.pop("binary", None), env


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.duration = args.duration or (2 if self.quick else 10)
        self.delay_duration = max(1, self.duration // 2)
        self.scenarios = set(args.scenarios.split(","))
        self.workdir = tempfile.mkdtemp(prefix="tokenrouter-bench-")
        self.processes = Processes(self.workdir)
        self.results = {"runs": [], "streams": {}, "process": {}, "books": {}, "soak": None, "variants": {}}
        self.usage_per_request = None
        self.routers = []

    # ---- set-up -------------------------------------------------------------------------

    def start_upstream(self):
        port = free_port()
        dll = os.path.join(HERE, "upstream", "bin", "Release", "net10.0", "bench-upstream.dll")
        proc = self.processes.start("upstream", ["dotnet", dll, "--port", str(port)])
        stats = f"http://127.0.0.1:{port}/bench/stats"
        wait_until(lambda: http_ok(stats), 30, "the fake upstream")
        self.usage_per_request = http_json("GET", stats)[1]["total_tokens_per_request"]
        self.direct = Target("direct", port, pids=[proc.pid])

    def start_nginx(self):
        port = free_port()
        with open(os.path.join(HERE, "nginx.conf.template")) as template:
            config = (template.read().replace("@@DIR@@", self.workdir)
                      .replace("@@UPSTREAM_PORT@@", str(self.direct.port))
                      .replace("@@PORT@@", str(port)))
        path = os.path.join(self.workdir, "nginx.conf")
        with open(path, "w") as out:
            out.write(config)
        master = self.processes.start(
            "nginx", ["nginx", "-p", self.workdir, "-c", path, "-e", os.path.join(self.workdir, "nginx-error.log")])
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/bench/stats"), 30, "nginx")
        self.nginx = Target("nginx", port, pids=[master.pid] + children_of(master.pid))

    def start_floor(self):
        binary = os.path.join(HERE, "floor", "bin", "publish", "bench-floor")
        port = free_port()
        proc = self.processes.start("floor", [binary, "--port", str(port),
                                              "--upstream", f"http://127.0.0.1:{self.direct.port}/"])
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/bench/stats"), 30, "the .NET floor proxy")
        self.floor = Target("dotnet-floor", port, pids=[proc.pid])

    def start_tokenrouter(self):
        trials = 3 if self.quick else 5
        router = TokenRouter("tokenrouter", self.args.binary, self.processes, self.workdir, self.direct.port)
        first = router.first_start()
        log(f"tokenrouter: first start on a new database answered /healthz after {first:.0f} ms")
        startups, startup_cpu = [], []
        for _ in range(trials):
            router.stop()
            wall, cpu = router.timed_start()
            startups.append(wall)
            startup_cpu.append(cpu)
        log("tokenrouter: start-up to first answered chat request: "
            + ", ".join(f"{ms:.0f}" for ms in startups) + " ms; CPU used by then: "
            + ", ".join(f"{ms:.0f}" for ms in startup_cpu) + " ms")
        idle = settled_rss_mib(router.proc.pid)
        log(f"tokenrouter: idle RSS {idle:.1f} MiB")
        self.results["process"].update(first_start_ms=first, startups_ms=startups, startup_cpu_ms=startup_cpu,
                                       idle_rss_mib=idle,
                                       binary_mib=os.path.getsize(self.args.binary) / 2**20)
        self.router = router
        self.routers.append(router)

        # The same binary with the per-request Information log line off (the books stay on),
        # and any --variant: each with its own database, started now and idle until its turn.
        variants = [("tokenrouter-quiet", None, {"Logging__LogLevel__Default": "Warning"})] + self.args.variant
        self.extra = []
        for name, binary, env in variants:
            extra = TokenRouter(name, os.path.abspath(binary or self.args.binary), self.processes, self.workdir,
                                self.direct.port, env)
            extra.first_start()
            extra.count(streamprobe.chat_once(extra.port, CHAT, extra.token, chat_body(MODELS[0])).status)
            idle = settled_rss_mib(extra.proc.pid)
            self.results["variants"][name] = dict(env=env, binary=binary, idle_rss_mib=idle,
                                                  binary_mib=os.path.getsize(extra.binary) / 2**20)
            log(f"{name}: idle RSS {idle:.1f} MiB")
            self.routers.append(extra)
            self.extra.append(Target(name, extra.port, extra.token, extra))
        self.tokenrouter = Target("tokenrouter", router.port, router.token, router)

    def targets(self, with_variants=True):
        """Direct, nginx and TokenRouter; with_variants adds the .NET floor and TokenRouter's variants."""
        core = [self.direct, self.nginx, self.tokenrouter]
        return core + [self.floor] + self.extra if with_variants else core

    # ---- load ---------------------------------------------------------------------------

    def wrk(self, target, model, conns, duration, stream=False, stream_every=0, scenario="", record=True,
            prompt_bytes=0):
        active_ms = int(duration * 1000)
        argv = ["wrk", "-t1", f"-c{conns}", f"-d{duration + TAIL_S}s", "--timeout", "10s",
                "-s", os.path.join(HERE, "load.lua"), f"http://127.0.0.1:{target.port}{CHAT}",
                "--", target.token, model, "1" if stream else "0", str(active_ms), str(stream_every),
                str(prompt_bytes)]
        cpu_before = target.cpu_seconds()
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=duration + TAIL_S + 60)
        cpu = target.cpu_seconds() - cpu_before
        line = next((l for l in completed.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no result for {target.name}: {completed.stdout}{completed.stderr}")
        result = json.loads(line[len("BENCH_RESULT "):])
        result.update(target=target.name, scenario=scenario, conns=conns, model=model, stream=stream,
                      rps=result["requests"] / duration,
                      cpu_us=cpu * 1e6 / result["requests"] if result["requests"] else None)
        result["socket_errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors",
                                                          "timeouts"))
        if target.router is not None:
            target.router.count(200, result["requests"] - result["non2xx"])
            target.router.count(500, result["non2xx"])
        if record:
            self.results["runs"].append(result)
        cpu_text = f"{result['cpu_us']:6.0f}" if result["cpu_us"] is not None else "     -"
        log(f"{scenario:<10} {target.name:<18} c={conns:<4} {result['rps']:>8.0f} req/s  "
            f"p50 {result['p50'] / 1000:7.3f} ms  p99 {result['p99'] / 1000:7.3f} ms  CPU {cpu_text} us/req  "
            f"non2xx {result['non2xx']}  socket errors {result['socket_errors']}")
        return result

    def warm_up(self):
        for target in self.targets():
            self.wrk(target, MODELS[0], 64, 2 if self.quick else 3, scenario="warm-up", record=False)
            self.wrk(target, MODELS[0], 16, 1, stream=True, scenario="warm-up", record=False)

    def load_runs(self):
        pid = self.router.proc.pid
        sampler = RssSampler(pid)
        with sampler:
            if "0ms" in self.scenarios:
                for conns in CONNECTIONS:
                    for target in self.targets():
                        before = len(sampler.samples)
                        self.wrk(target, MODELS[0], conns, self.duration, scenario="0ms")
                        if target is self.tokenrouter and conns == max(CONNECTIONS):
                            during = [rss for _, rss in sampler.samples[before:]]
                            self.results["process"]["peak_rss_256_mib"] = max(during, default=0) / 1024

            if "stream-0ms" in self.scenarios:
                for target in self.targets(with_variants=False):
                    self.wrk(target, MODELS[0], 64, self.duration, stream=True, scenario="stream-0ms")

            if "large-0ms" in self.scenarios:
                for target in self.targets():
                    self.wrk(target, MODELS[0], 64, self.duration, scenario="large-0ms", prompt_bytes=LARGE_PROMPT)

            if "20ms" in self.scenarios:
                for conns in CONNECTIONS:
                    for target in self.targets(with_variants=False):
                        self.wrk(target, MODELS[1], conns, self.delay_duration, scenario="20ms")

            if "probe" in self.scenarios:
                self.stream_probes()
        process = self.results["process"]
        process["peak_rss_mib"] = sampler.max_mib
        process["hwm_mib"] = status_kib(pid, "VmHWM") / 1024
        time.sleep(5)
        process["after_rss_mib"] = status_kib(pid, "VmRSS") / 1024
        log(f"tokenrouter: RSS peak {sampler.max_mib:.1f} MiB, after load {process['after_rss_mib']:.1f} MiB")

    def stream_probes(self):
        body = chat_body(MODELS[1], stream=True)
        sequential = 8 if self.quick else 20
        concurrent = 32 if self.quick else 64
        for target in self.targets(with_variants=False):
            warm = streamprobe.run_streams(target.port, CHAT, target.token, body, 2, 1)
            one = streamprobe.run_streams(target.port, CHAT, target.token, body, sequential, 1)
            many = streamprobe.run_streams(target.port, CHAT, target.token, body, concurrent, concurrent)
            if target.router is not None:
                # A stream counts as answered only when the client read it to [DONE]; a cut-off
                # one is counted as a failure, so the books check below cannot pass over it.
                for response in warm + one + many:
                    target.router.count(response["status"] if response["done_seen"] else 0)
            self.results["streams"][target.name] = {"one": one, "many": many}
            ttfb = statistics.median(r["ttfb"] for r in one)
            log(f"streams    {target.name:<18} TTFB p50 {ttfb:.3f} ms over {sequential}; {concurrent} at once done")

    # ---- books --------------------------------------------------------------------------

    def check_books(self, router, baseline, label=None):
        now = router.books()
        delta = {k: now[k] - baseline[k] for k in now}
        expected_used = router.answered_2xx * self.usage_per_request
        ok = (delta["used"] == expected_used and delta["rows"] == router.answered_2xx + router.answered_other
              and delta["rows_200"] == router.answered_2xx and router.answered_other == 0)
        self.results["books"][label or router.name] = dict(
            answered_2xx=router.answered_2xx, answered_other=router.answered_other,
            expected_used=expected_used, used=delta["used"], rows=delta["rows"], rows_200=delta["rows_200"],
            ok=ok)
        log(f"books {label or router.name}: answered {router.answered_2xx} (+{router.answered_other} non-2xx), "
            f"used +{delta['used']} (expected {expected_used}), rows +{delta['rows']}, "
            f"rows 200 +{delta['rows_200']}: {'OK' if ok else 'MISMATCH'}")

    def settle(self, routers):
        """Zeroes the benchmark's own tallies and returns the books to compare against later."""
        baselines = {}
        for router in routers:
            router.answered_2xx = router.answered_other = 0
            baselines[router.name] = router.books()
        return baselines

    # ---- soak ---------------------------------------------------------------------------

    def soak(self, seconds):
        """Steady mixed load (20 ms model, every 4th request streamed) at 64 conns; RSS every 10 s."""
        router = self.router
        baseline = self.settle([router])[router.name]
        log(f"soak: {seconds} s at 64 connections, RSS sampled every 10 s")
        with RssSampler(router.proc.pid, interval=10) as sampler:
            result = self.wrk(self.tokenrouter, MODELS[1], 64, seconds, stream_every=4, scenario="soak",
                              record=False)
        samples = [rss / 1024 for _, rss in sampler.samples]
        tenth = max(1, len(samples) // 10)
        early = statistics.median(samples[1:1 + tenth] or samples[:1])
        late = statistics.median(samples[-tenth:])
        grew = late > early * 1.10 + 4
        self.results["soak"] = dict(seconds=seconds, samples=samples, first=samples[0], last=samples[-1],
                                    max=max(samples), early=early, late=late, grew=grew, rps=result["rps"],
                                    p99=result["p99"])
        log(f"soak: RSS first {samples[0]:.1f}, last {samples[-1]:.1f}, max {max(samples):.1f} MiB")
        self.check_books(router, baseline, "tokenrouter (soak)")

    # ---- the whole run ------------------------------------------------------------------

    def run(self):
        self.results["started"] = datetime.datetime.now(datetime.timezone.utc)
        self.results["load_before"] = os.getloadavg()
        try:
            self.start_upstream()
            self.start_nginx()
            self.start_floor()
            self.start_tokenrouter()
            self.warm_up()
            baselines = self.settle(self.routers)
            self.load_runs()
            for router in self.routers:
                self.check_books(router, baselines[router.name])
            if self.args.soak:
                self.soak(self.args.soak)
            self.results["load_after"] = os.getloadavg()
        finally:
            self.processes.stop_all()
            if not self.args.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)
            else:
                log(f"kept {self.workdir}")
        return self.results


def describe_commit(binary):
    """The commit the binary was published from (its --version), else the checkout's HEAD."""
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        if "+" in version:
            return f"`{version.split('+', 1)[1][:7]}`"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return f"`{head}` (checkout)" + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description="TokenRouter benchmark (see bench/README.md).")
    parser.add_argument("--binary", required=True, help="the published tokenrouter executable")
    parser.add_argument("--quick", action="store_true", help="short runs: about 2 minutes in all")
    parser.add_argument("--duration", type=int, help="whole seconds of load per run (default 10, quick 2)")
    parser.add_argument("--soak", type=int, metavar="SECONDS", help="then a soak of this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, databases)")
    parser.add_argument("--variant", action="append", type=parse_variant, default=[], metavar="NAME:K=V[,K=V]",
                        help="also run TokenRouter with these environment variables (binary=PATH for another "
                             "executable) in the zero-delay runs; repeatable")
    parser.add_argument("--scenarios", default="0ms,large-0ms,stream-0ms,20ms,probe",
                        help="comma list of 0ms, large-0ms, stream-0ms, 20ms, probe (default: all)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.md"))
    args = parser.parse_args()
    if args.soak is not None and not 10 <= args.soak <= 24 * 3600:
        parser.error("--soak takes 10 to 86400 seconds")
    args.binary = os.path.abspath(args.binary)

    # SIGTERM ends the run the way Ctrl-C does, through the clean-up that stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    results = Bench(args).run()
    results["command"] = " ".join(["bench/run.sh"] + sys.argv[1:])
    results["commit"] = describe_commit(args.binary)
    results["elapsed_s"] = time.monotonic() - started
    text = report.render(results, args, TARGETS)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as out:
        out.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as out:
        json.dump(results, out, default=str, indent=1)
    log(f"saved {args.out} (and the raw numbers beside it, .json)")


if __name__ == "__main__":
    main()
