#!/usr/bin/env python3
"""bench.py — run every green benchmark and its anchors in one go and print one
table of ratios (what `tools/dev.sh bench` runs after building a Release tree).

    bench.py --build-dir build-release            the full run (about 5-10 minutes on 2 cores)
    bench.py --build-dir build --smoke            every benchmark once at tiny sizes (ctest label bench)

Anchors are measured in the same run on the same machine: absolute numbers move
with the machine and its load, ratios much less. Timed figures are medians of
--reps runs. Every process started here is stopped by its pid.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Bench:
    def __init__(self, args):
        self.smoke = args.smoke
        self.build = os.path.abspath(args.build_dir)
        self.reps = 1 if args.smoke else args.reps
        self.preload = args.preload or self.path("interpose", "libgreen_preload.so")
        self.results = {}
        self.rows = []

    def path(self, *parts):
        return os.path.join(self.build, *parts)

    def log(self, msg):
        print(f"[bench] {msg}", file=sys.stderr, flush=True)

    # --- running things ---------------------------------------------------

    def run_kv(self, cmd, env=None, timeout=300):
        """Run a benchmark program printing 'key value' lines; return them as a dict."""
        full_env = dict(os.environ, **(env or {}))
        out = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {out.returncode}: {out.stderr.strip()[-400:]}")
        kv = {}
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2:
                try:
                    kv[parts[0]] = float(parts[1])
                except ValueError:
                    pass
        return kv

    def median_kv(self, cmd, env=None, reps=None):
        runs = [self.run_kv(cmd, env) for _ in range(reps or self.reps)]
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]}

    # --- the micro benchmarks (Google Benchmark) ---------------------------

    def micro(self):
        self.log("switch_bench (Google Benchmark)")
        cmd = [self.path("bench", "switch_bench"), "--benchmark_format=json"]
        if self.smoke:
            cmd += ["--benchmark_min_time=0.001"]
        else:
            cmd += ["--benchmark_min_time=0.5", f"--benchmark_repetitions={self.reps}",
                    "--benchmark_report_aggregates_only=true"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True)
        for b in json.loads(out.stdout)["benchmarks"]:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = b.get("run_name", b["name"]).removeprefix("BM_")
            scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
            self.results[name] = b["real_time"] * scale

    # --- scripted benchmarks --------------------------------------------

    def macro(self):
        mb = self.path("bench", "macro_bench")
        n = 1000 if self.smoke else 1000000
        self.log(f"spawn+join of {n} greenlets")
        self.results.update(self.median_kv([mb, "spawn_join", str(n)]))
        go = self.go_build()
        if go:
            self.log(f"Go: spawn+join of {n} goroutines")
            self.results.update(self.median_kv([go, "spawn_join", str(n)]))
        self.alive(n, mb, go)
        tn = 1000 if self.smoke else 100000
        self.log(f"timers: {tn} greenlets with random timeouts")
        self.results.update(self.run_kv([mb, "timers", str(tn), "50" if self.smoke else "2000"]))
        self.results.update(self.run_kv([mb, "timer_floor", "10" if self.smoke else "300", "10"]))

    def alive(self, n, mb, go):
        """n greenlets (and goroutines) alive at once: two rounds, green and Go in turn, the faster start of each.

        A million stacks touch about 4 GiB of fresh memory. On a VM the first touch of memory
        the host has not backed yet costs several times more than a touch of memory a previous
        process just freed, so whichever ran second would be favoured: alternating, and keeping
        each side's better round, gives both the same conditions."""
        hold = "100" if self.smoke else "15000"
        best = {}
        for rnd in (1, 2):
            runs = [("alive_spawn_ms", [mb, "alive", str(n), hold])]
            if go:
                runs.append(("go_alive_spawn_ms", [go, "alive", str(n), hold]))
            for key, cmd in runs:
                self.log(f"{n} alive at once, round {rnd}: {os.path.basename(cmd[0])}")
                r = self.run_kv(cmd)
                if key not in best or r[key] < best[key][key]:
                    best[key] = r
        for r in best.values():
            self.results.update(r)

    def go_build(self):
        gobin = shutil.which("go")
        if not gobin:
            self.log("go not installed: the Go anchors are left out")
            return None
        exe = os.path.join(tempfile.gettempdir(), f"green-bench-go-{os.getuid()}")
        env = dict(os.environ, GOCACHE=os.path.join(tempfile.gettempdir(), f"green-bench-gocache-{os.getuid()}"),
                   GOFLAGS="-mod=mod", GO111MODULE="on")
        env.setdefault("HOME", tempfile.gettempdir())
        subprocess.run([gobin, "build", "-o", exe, "."], cwd=os.path.join(HERE, "go"), env=env, check=True,
                       timeout=300)
        return exe

    def pingpong(self):
        n = "1000" if self.smoke else "200000"
        pp = self.path("bench", "pingpong")
        self.log("socket ping-pong")
        self.results["pingpong_cpp"] = self.median_kv([self.path("bench", "macro_bench"), "pingpong", n])[
            "pingpong_cpp_ns"]
        for mode in ("threads", "epoll"):
            self.results[f"pingpong_{mode}"] = self.median_kv([pp, mode, n])[mode]
        self.results["pingpong_c_preload"] = self.median_kv([pp, "green", n], env={"LD_PRELOAD": self.preload})[
            "green"]

    def sync(self):
        n = "10000" if self.smoke else "10000000"
        exe = self.path("bench", "pthread_sync")
        self.log("pthread mutex and condvar: native, under the preload, green-threads mode")
        for name, env in (("native", None), ("preload", {"LD_PRELOAD": self.preload}),
                          ("threads", {"LD_PRELOAD": self.preload, "GREEN_THREADS": "1"})):
            for k, v in self.median_kv([exe, n], env=env).items():
                self.results[f"sync_{name}_{k}"] = v
        # One run each: a million threads created and joined (natively about a minute).
        churn = "1000" if self.smoke else "1000000"
        for name, env in (("native", None), ("threads", {"LD_PRELOAD": self.preload, "GREEN_THREADS": "1"})):
            for k, v in self.run_kv([exe, "churn", churn], env=env).items():
                self.results[f"sync_{name}_{k}"] = v

    def cpu(self):
        """CPU-bound threads: natively; green-run --threads (one hub per CPU, and hand-off); --threads=1 (one
        hub: the computing green threads go on on spare OS threads, hand-off); and one OS thread (one hub,
        hand-off off)."""
        exe = self.path("bench", "cpu_threads")
        work = "2" if self.smoke else "200"  # million iterations per thread (about 0.2 s here)
        hubs = str(len(os.sched_getaffinity(0)))
        self.results["cpu_hubs"] = hubs
        self.log(f"CPU-bound threads: native, --threads ({hubs} hubs), --threads=1, one OS thread")
        for n in (2, 8):
            for name, env in (("native", None),
                              ("threads", {"LD_PRELOAD": self.preload, "GREEN_THREADS": hubs}),
                              ("one_hub", {"LD_PRELOAD": self.preload, "GREEN_THREADS": "1"}),
                              ("one_os_thread", {"LD_PRELOAD": self.preload, "GREEN_THREADS": "1",
                                                 "GREEN_HANDOFF_US": "0"})):
                self.results[f"cpu_{n}_{name}_ms"] = self.median_kv([exe, str(n), work], env=env)["wall_ms"]

    # --- HTTP -------------------------------------------------------------

    def green_threads_available(self):
        gr = self.path("tools", "green-run")
        try:
            ok = subprocess.run([gr, "--threads", "--", "true"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        return ok

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def pinned(cpus):
        """taskset's prefix for `cpus` ("0", "1"), or none (all CPUs; or no taskset, or one CPU)."""
        return ["taskset", "-c", cpus] if cpus and shutil.which("taskset") and os.cpu_count() > 1 else []

    def start_server(self, cmd, port_from_stdout, port=None, cwd=None, cpus="0"):
        """Start a server on `cpus` (None: all); return (process, port) once it accepts."""
        taskset = self.pinned(cpus)
        p = subprocess.Popen(taskset + cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=cwd)
        if port_from_stdout:
            line = p.stdout.readline()
            m = re.search(r":(\d+)", line)
            if not m:
                self.stop(p)
                raise RuntimeError(f"{cmd[0]} did not print its port (got {line!r})")
            port = int(m.group(1))
        deadline = time.time() + 10
        while time.time() < deadline:
            if p.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {p.returncode} at start")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return p, port
            except OSError:
                time.sleep(0.05)
        self.stop(p)
        raise RuntimeError(f"{cmd[0]} does not accept connections on port {port}")

    @staticmethod
    def stop(p):
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()

    @staticmethod
    def proc_status(pid):
        out = {}
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    out[k] = v.split()[0] if v.split() else ""
        except OSError:
            pass
        return out

    @staticmethod
    def parse_latency(text):
        m = re.match(r"([\d.]+)(us|ms|s)", text)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)] if m else float("nan")

    def load(self, port, conns, cpus="1"):
        """wrk (on `cpus`; None: all) against 127.0.0.1:port; (requests/s, p99 ms)."""
        if not shutil.which("wrk"):
            self.check_request(port)
            return float("nan"), float("nan")
        secs = "1" if self.smoke else "5"
        conns = min(conns, 4) if self.smoke else conns
        taskset = self.pinned(cpus)
        out = subprocess.run(taskset + ["wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--latency",
                                        f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=120)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
        p99 = re.search(r"^\s+99%\s+(\S+)", out.stdout, re.M)
        if not rps:
            raise RuntimeError(f"wrk failed: {out.stdout[-300:]} {out.stderr[-300:]}")
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
        if errors:
            self.log(f"wrk saw {errors.group(1)} bad responses on port {port}")
        return float(rps.group(1)), self.parse_latency(p99.group(1)) if p99 else float("nan")

    @staticmethod
    def check_request(port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
            data = b""
            while data.count(b"Hello, world") < 2:
                chunk = s.recv(4096)
                if not chunk:
                    raise RuntimeError("the server closed a keep-alive connection")
                data += chunk

    def nginx_cmd(self, tmp, port, workers=1):
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
master_process {"on" if workers > 1 else "off"};
worker_processes {workers};
worker_rlimit_nofile 30000;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 25000; }}
http {{
  access_log off;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type text/plain; return 200 "Hello, world\\n"; }}
  }}
}}
""")
        return [shutil.which("nginx") or "/usr/sbin/nginx", "-e", f"{tmp}/error.log", "-p", tmp, "-c", conf]

    def http(self):
        """The same HTTP load on one server core (server on CPU 0, wrk on CPU 1) and on all CPUs (server and
        wrk share them): the thread-per-connection server natively, under green-run --threads=1 and (all CPUs)
        --threads; epoll and nginx as anchors."""
        threaded = self.path("examples", "threaded_http_server")
        gr = self.path("tools", "green-run")
        cpus = len(os.sched_getaffinity(0))
        self.results["http_cpus"] = cpus
        # (name, command or None for nginx, nginx workers, port from stdout, server CPUs, wrk CPUs)
        servers = [("pthreads (1 core)", [threaded, "0"], 0, True, "0", "1"),
                   ("green-run --threads=1 (1 core)", [gr, "--threads=1", "--", threaded, "0"], 0, True, "0", "1"),
                   ("epoll (1 core)", [self.path("bench", "epoll_http_server"), "0"], 0, True, "0", "1"),
                   ("nginx (1 core)", None, 1, False, "0", "1"),
                   ("pthreads (all CPUs)", [threaded, "0"], 0, True, None, None),
                   ("green-run --threads (all CPUs)", [gr, "--threads", "--", threaded, "0"], 0, True, None, None),
                   ("nginx (all CPUs)", None, cpus, False, None, None)]
        nginx = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
        if not nginx:
            self.log("nginx not installed: its anchor is left out")
            servers = [sv for sv in servers if sv[1] is not None]
        have_threads = self.green_threads_available()
        try:  # 10,000 connections: as many fds in wrk and in the servers
            import resource
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
        except (ImportError, ValueError, OSError):
            pass
        for conns in (100, 1000, 10000):
            for name, cmd, workers, from_stdout, server_cpus, wrk_cpus in servers:
                key = f"http_{conns}_{name}"
                if name.startswith("green-run") and not have_threads:
                    self.results[key] = "n/a (green-run --threads not available)"
                    continue
                self.log(f"HTTP: {name}, {conns} connections")
                with tempfile.TemporaryDirectory(prefix="green-bench-") as tmp:
                    port = None
                    if cmd is None:
                        port = self.free_port()
                        cmd = self.nginx_cmd(tmp, port, workers)
                    try:
                        p, port = self.start_server(cmd, from_stdout, port, cpus=server_cpus)
                    except RuntimeError as e:
                        if self.smoke and not name.startswith("green-run"):
                            raise  # the smoke test exists to notice this
                        self.results[key] = f"n/a ({e})"
                        continue
                    try:
                        most_threads = [0]
                        done = threading.Event()

                        def sample():
                            while not done.wait(0.1):
                                t = self.proc_status(p.pid).get("Threads", "0")
                                most_threads[0] = max(most_threads[0], int(t or 0))

                        sampler = threading.Thread(target=sample)
                        sampler.start()
                        runs = []
                        try:
                            for _ in range(self.reps):
                                runs.append(self.load(port, conns, wrk_cpus))
                        finally:
                            done.set()
                            sampler.join()
                        rss = int(self.proc_status(p.pid).get("VmHWM", "0") or 0)
                        self.results[key] = {"rps": statistics.median(r[0] for r in runs),
                                             "p99_ms": statistics.median(r[1] for r in runs),
                                             "rss_kib": rss, "threads": most_threads[0]}
                    finally:
                        self.stop(p)

    # --- the table ----------------------------------------------------------

    def table(self):
        r = self.results
        rows = []

        def ns(key):
            v = r.get(key)
            return f"{v:,.1f} ns" if isinstance(v, float) else "n/a"

        def ratio(a, b):
            va, vb = r.get(a), r.get(b)
            return va / vb if isinstance(va, float) and isinstance(vb, float) and vb > 0 else None

        def holds(ok):
            return "n/a" if ok is None else ("yes" if ok else "**no**")

        def fmt_ratio(x, what):
            return f"{x:.2f}x {what}" if x is not None else "n/a"

        raw = "anchor_boost_context_resume"
        anchors_switch = (f"raw Boost.Context resume {ns(raw)}; Boost.Fiber yield {ns('anchor_boost_fiber_yield')}; "
                          f"pthread condvar round trip {ns('anchor_pthread_condvar_round_trip')}")
        y = ratio("green_yield_switch", raw)
        rows.append(("switch: two greenlets ping-ponging through yield (per loop iteration: two switches, as the raw anchor)", ns("green_yield_switch"),
                     anchors_switch, fmt_ratio(y, "raw Boost.Context") + "; " +
                     fmt_ratio(ratio("green_yield_switch", "anchor_boost_fiber_yield"), "Boost.Fiber"),
                     "within 2x of raw Boost.Context", holds(None if y is None else y <= 2.0)))
        rows.append(("switch: Event ping-pong (set wakes, wait parks; one round trip)", ns("green_event_ping_pong"),
                     "same anchors", fmt_ratio(ratio("green_event_ping_pong", "anchor_pthread_condvar_round_trip"),
                                               "pthread condvar round trip"), "—", "—"))
        rows.append(("switch: Waiter wake round trip", ns("green_waiter_round_trip"), "same anchors",
                     fmt_ratio(ratio("green_waiter_round_trip", "anchor_pthread_condvar_round_trip"),
                               "pthread condvar round trip"), "—", "—"))
        sj = r.get("green_spawn_join")
        rows.append(("spawn + join, one at a time", ns("green_spawn_join"),
                     f"Boost.Fiber {ns('anchor_boost_fiber_spawn_join')}; std::thread {ns('anchor_thread_create_join')}",
                     fmt_ratio(ratio("green_spawn_join", "anchor_boost_fiber_spawn_join"), "Boost.Fiber") + "; " +
                     fmt_ratio(ratio("green_spawn_join", "anchor_thread_create_join"), "std::thread"),
                     "under 100 ns", holds(None if sj is None else sj < 100)))
        sjb = r.get("spawn_join_ns")
        go_sj = r.get("go_spawn_join_ns")
        n = "1,000" if self.smoke else "1,000,000"
        rows.append((f"spawn {n} empty greenlets, then join them all (per greenlet)", ns("spawn_join_ns"),
                     f"Go goroutines {ns('go_spawn_join_ns')}", fmt_ratio(ratio("spawn_join_ns", "go_spawn_join_ns"),
                                                                          "Go"),
                     "under 100 ns (and below Go)",
                     holds(None if sjb is None else sjb < 100 and (go_sj is None or sjb < go_sj))))
        if "alive_spawn_ms" in r:
            count = 1000 if self.smoke else 1000000
            most, rss = r["alive_most_at_once"], r["alive_rss_per_greenlet_bytes"]
            go = "Go not measured"
            if "go_alive_spawn_ms" in r:
                go = (f"Go: {r['go_alive_spawn_ms']:,.0f} ms to start all, {r['go_alive_most_at_once']:,.0f} alive at "
                      f"once, {r['go_alive_rss_per_goroutine_bytes'] / 1024:.2f} KiB each, released in "
                      f"{r['go_alive_release_ms']:,.0f} ms")
            faster = "go_alive_spawn_ms" not in r or r["alive_spawn_ms"] < r["go_alive_spawn_ms"]
            rows.append((f"{n} greenlets alive at once in sleep, released together (the faster start of two "
                         f"rounds each, green and Go in turn)",
                         f"{r['alive_spawn_ms']:,.0f} ms to start all, {most:,.0f} alive at once, "
                         f"{rss / 1024:.2f} KiB each, released in {r['alive_release_ms']:,.0f} ms",
                         go, fmt_ratio(ratio("alive_spawn_ms", "go_alive_spawn_ms"), "Go's start time"),
                         "all alive at once, started faster than Go, < 4.5 KiB peak RSS each",
                         holds(most == count and faster and rss < 4.5 * 1024)))
        if "timers_max_late_us" in r:
            late = r["timers_max_late_us"]
            rows.append((f"timers: {'1,000' if self.smoke else '100,000'} greenlets with random timeouts",
                         f"lateness p99 {r['timers_p99_late_us'] / 1000:.3f} ms, max {late / 1000:.3f} ms, "
                         f"{r['timers_early']:.0f} early",
                         "; ".join(x for x in (
                             (f"a lone epoll_wait timeout on this machine: lateness p99 "
                              f"{r['timer_floor_p99_late_us'] / 1000:.3f} ms, max "
                              f"{r['timer_floor_max_late_us'] / 1000:.3f} ms"
                              if "timer_floor_max_late_us" in r else ""),
                             (f"a thread sleeping 200 us in a loop during the same run: late by up to "
                              f"{r['timers_canary_max_late_us'] / 1000:.3f} ms"
                              if "timers_canary_max_late_us" in r else "")) if x) or "—",
                         "—", "every timeout within 1 ms of its deadline",
                         holds(late <= 1000 and r["timers_early"] == 0)))
        pp_anchor = f"epoll loop {ns('pingpong_epoll')}; two pthreads {ns('pingpong_threads')}"
        for key, what in (("pingpong_cpp", "C++ API, green::Socket"), ("pingpong_c_preload", "blocking C under the preload")):
            x = ratio(key, "pingpong_epoll")
            rows.append((f"socket ping-pong, two greenlets ({what}), per round trip", ns(key), pp_anchor,
                         fmt_ratio(x, "epoll") + "; " + fmt_ratio(ratio(key, "pingpong_threads"), "pthreads"),
                         "within 1.3x of the epoll loop", holds(None if x is None else x <= 1.3)))
        if "sync_threads_lock_unlock_ns" in r:
            rows.append(("pthread mutex lock+unlock, uncontended, green-threads mode (plain C, unmodified)",
                         ns("sync_threads_lock_unlock_ns"),
                         f"native glibc {ns('sync_native_lock_unlock_ns')}; default preload mode "
                         f"{ns('sync_preload_lock_unlock_ns')}",
                         fmt_ratio(ratio("sync_threads_lock_unlock_ns", "sync_native_lock_unlock_ns"), "native"),
                         "a few atomic operations", "—"))
            rows.append(("pthread condvar ping-pong between two threads, per round trip, green-threads mode",
                         ns("sync_threads_condvar_round_trip_ns"),
                         f"native (two OS threads) {ns('sync_native_condvar_round_trip_ns')}",
                         fmt_ratio(ratio("sync_threads_condvar_round_trip_ns", "sync_native_condvar_round_trip_ns"),
                                   "native"), "—", "—"))
        if "sync_threads_churn_rss_growth_kib" in r:
            churned = "1,000" if self.smoke else "1,000,000"
            growth = r["sync_threads_churn_rss_growth_kib"]
            rows.append((f"{churned} threads created and joined (8 alive at a time; each touches a __thread variable, "
                         f"a TSD value with a destructor and malloc), green-threads mode with their own TLS: RSS growth "
                         f"after a first 10,000, and time per thread",
                         f"{growth:,.0f} KiB, {ns('sync_threads_churn_ns_per_thread')}",
                         f"native pthreads {r['sync_native_churn_rss_growth_kib']:,.0f} KiB, "
                         f"{ns('sync_native_churn_ns_per_thread')}",
                         fmt_ratio(ratio("sync_threads_churn_ns_per_thread", "sync_native_churn_ns_per_thread"),
                                   "native time"),
                         "RSS at its baseline (growth under 1 MiB)", holds(growth < 1024)))
        for n in (2, 8):
            if f"cpu_{n}_native_ms" not in r:
                continue
            x = ratio(f"cpu_{n}_threads_ms", f"cpu_{n}_native_ms")
            rows.append((f"{n} CPU-bound threads (plain C, unmodified), wall time under green-run --threads "
                         f"({r.get('cpu_hubs', '?')} hubs)",
                         f"{r[f'cpu_{n}_threads_ms']:,.0f} ms",
                         f"native pthreads {r[f'cpu_{n}_native_ms']:,.0f} ms; --threads=1 (one hub, hand-off) "
                         f"{r.get(f'cpu_{n}_one_hub_ms', 0):,.0f} ms; one OS thread "
                         f"(--threads=1, GREEN_HANDOFF_US=0) {r[f'cpu_{n}_one_os_thread_ms']:,.0f} ms",
                         fmt_ratio(x, "native"), "within 1.15x of native", holds(None if x is None else x <= 1.15)))
        cpus = r.get("http_cpus", "?")
        for conns in (100, 1000, 10000):
            def desc(name):
                v = r.get(f"http_{conns}_{name}")
                if not isinstance(v, dict):
                    return v or "n/a"
                return (f"{v['rps']:,.0f} req/s, p99 {v['p99_ms']:.2f} ms, {v['rss_kib'] / 1024:.1f} MiB, "
                        f"{v['threads']} OS threads")

            def got(name):
                v = r.get(f"http_{conns}_{name}")
                return v if isinstance(v, dict) and v["rps"] == v["rps"] else None

            # One server core (CPU 0), wrk on CPU 1.
            g, e, t = got("green-run --threads=1 (1 core)"), got("epoll (1 core)"), got("pthreads (1 core)")
            ok = None
            rat = "n/a"
            if g and e and e["rps"] > 0:
                rat = f"{g['rps'] / e['rps']:.2f}x epoll req/s"
                ok = g["rps"] >= 0.9 * e["rps"] and g["threads"] <= 2 and (not t or g["p99_ms"] <= t["p99_ms"])
            rows.append((f"HTTP, wrk {conns} connections, server on 1 core (CPU 0), wrk on CPU 1: "
                         "threaded_http_server under green-run --threads=1",
                         desc("green-run --threads=1 (1 core)"),
                         f"pthreads: {desc('pthreads (1 core)')}; epoll: {desc('epoll (1 core)')}; "
                         f"nginx, 1 worker: {desc('nginx (1 core)')}",
                         rat, ">= 90% of epoll req/s on one OS thread, p99 no worse than pthreads", holds(ok)))
            # All CPUs, shared by the server and wrk.
            a, one, ta = got("green-run --threads (all CPUs)"), got("green-run --threads=1 (1 core)"), \
                got("pthreads (all CPUs)")
            ok = None
            rat = "n/a"
            if a and one and one["rps"] > 0:
                rat = f"{a['rps'] / one['rps']:.2f}x --threads=1 req/s"
                ok = a["rps"] >= one["rps"] and (conns < 1000 or not ta or a["rps"] > ta["rps"])
            rows.append((f"HTTP, wrk {conns} connections, server and wrk sharing all {cpus} CPUs: "
                         f"threaded_http_server under green-run --threads ({cpus} hubs)",
                         desc("green-run --threads (all CPUs)"),
                         f"pthreads: {desc('pthreads (all CPUs)')}; nginx, {cpus} workers: "
                         f"{desc('nginx (all CPUs)')}",
                         rat, "no worse than --threads=1 on one core; ahead of pthreads at 1,000 and 10,000 "
                              "connections", holds(ok)))
        out = ["| benchmark | green | anchors (same run) | ratio | target | target holds? |",
               "|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build-release")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run each: checks that everything runs")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the timed figures (median reported)")
    ap.add_argument("--preload", help="LD_PRELOAD value for the preload rows (default: the build's preload)")
    ap.add_argument("--only", help="comma-separated parts: micro,macro,pingpong,sync,cpu,http")
    ap.add_argument("--json", help="also write the raw figures to this file")
    args = ap.parse_args()
    b = Bench(args)
    parts = (args.only or "micro,macro,pingpong,sync,cpu,http").split(",")
    t0 = time.time()
    for part in ("micro", "macro", "pingpong", "sync", "cpu", "http"):
        if part in parts:
            getattr(b, part)()
    print(f"green benchmarks — machine: {machine()}; {'smoke run' if args.smoke else f'medians of {b.reps} runs'}; "
          f"took {time.time() - t0:.0f} s")
    print()
    print(b.table())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(b.results, f, indent=1)


if __name__ == "__main__":
    main()
