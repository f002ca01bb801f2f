#!/usr/bin/python3
"""bench/matrix.py: `bench/run.sh all` — mod_heat beside every Python deployment of heat-api and
beside the limits, in one run, interleaved (bench/README.md, "All deployments").

Servers (bench/deployments.py): mod_heat (run.sh's Apache), Python heat-api under mod_wsgi,
under uwsgi behind mod_proxy_http, under uwsgi behind mod_proxy_uwsgi, and its eventlet server,
all on the same stack with the same number of worker processes; and the limits: a bare Apache
answering GET / from a file (case a) and heat-engine's own ceiling, the same RPC calls made by
build/heat-rpc-bench at the same concurrency without HTTP or Keystone (cases b, c).

Measures: start-to-first-answer after a start and after a graceful restart; the cases a-e of
bench.py, v/j (POST /v1/{p}/validate with a 256 KiB YAML / JSON template), x (create + delete
cycles of a small stack) and a sweep of cases a and b over 1..256 connections: req/s, p50/p99,
CPU ms per request of the API tier (from /proc/<pid>/stat), and at the sweep's highest
concurrency each worker's PSS and Private_Dirty. Writes results-all-<time>.json and
report-all-<time>.txt to --out, then bench/charts.sh draws the charts from the JSON.
"""
import argparse
import configparser
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402
import deployments as D  # noqa: E402

CASES = dict(B.CASES)
CASES.update({
    "v": "POST /v1/{p}/validate, 256 KiB YAML template",
    "j": "POST /v1/{p}/validate, 256 KiB JSON template",
    "x": "create + delete cycle of a small stack",
})
EXPECT = dict(B.EXPECT, v=200, j=200)
NATIVE = ("a", "b", "c", "d", "e", "v", "j", "x")
CEILING = {"b": ("list_stacks", "1.33"), "c": ("show_stack", "1.20")}
TEMPLATE_BYTES = 256 * 1024
TOKEN_MAX_AGE = 1800             # seconds; Keystone issues tokens for 3600 by default
CYCLE_TEMPLATE = {"heat_template_version": "2018-08-31",
                  "resources": {"none": {"type": "OS::Heat::None"}}}


def big_template(size):
    """a template of about TEMPLATE_BYTES as size() counts it (its JSON or its YAML text): the bulk
    in nested maps and lists (the shape that costs a parser work per node) under the properties
    of 4 OS::Heat::None resources (they take any properties), so that heat-engine's validation,
    which costs per resource, stays small beside the API's parsing"""
    t = {"heat_template_version": "2018-08-31",
         "description": "mod_heat bench/matrix.py: a 256 KiB template for validate",
         "parameters": {"p%d" % i: {"type": "string", "default": "value-%d" % i} for i in range(4)},
         "resources": {"r%d" % i: {"type": "OS::Heat::None", "properties": {"items": []}}
                       for i in range(4)}}
    rnd = random.Random(11)
    i = 0
    while True:
        if i % 25 == 0 and size(t) >= TEMPLATE_BYTES:
            return t
        t["resources"]["r%d" % (i % 4)]["properties"]["items"].append({
            "name": "item-%d" % i,
            "tags": {"k%02d" % k: "v%08x" % rnd.getrandbits(32) for k in range(12)},
            "list": [rnd.randint(0, 10**6) for _ in range(8)] + [True, None, 1.5],
        })
        i += 1


def write_bodies(out):
    """the bodies of v (the YAML text as the template string, as heatclient sends a YAML file)
    and j (the template as a JSON object); returns their paths and the templates' sizes"""
    import yaml  # PyYAML, installed with heat

    def as_yaml(t):
        return yaml.safe_dump(t, default_flow_style=False, sort_keys=False)

    tj = big_template(lambda t: len(json.dumps(t)))
    ty = as_yaml(big_template(lambda t: len(as_yaml(t))))
    paths = {}
    for case, tmpl in (("j", tj), ("v", ty)):
        p = os.path.join(out, f"validate-{case}.json")
        with open(p, "w") as f:
            json.dump({"template": tmpl}, f)
        paths[case] = p
    return paths, len(json.dumps(tj)), len(ty)


def wrk(args, url, conns, duration, tag, token=None, rnd=None, body=None):
    threads = max(1, min(args.threads, conns))
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", f"{args.timeout}s",
           "--latency", "-s", B.WRK_LUA]
    if token:
        cmd += ["-H", f"X-Auth-Token: {token}"]
    cmd.append(url)
    env = dict(os.environ)
    for k in ("BENCH_RANDOM_TOKEN", "BENCH_BODY_FILE"):
        env.pop(k, None)
    if rnd:
        env["BENCH_RANDOM_TOKEN"] = str(rnd)
    if body:
        env["BENCH_BODY_FILE"] = body
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                       timeout=duration + args.timeout + 120)
    return parse(r, cmd, tag, args, token)


def parse(r, cmd, tag, args, token=None):
    import re
    shown = " ".join(cmd).replace(token, "<token>") if token else " ".join(cmd)
    with open(os.path.join(args.out, "wrk.log"), "a") as f:
        f.write(f"===== {time.strftime('%F %T')} {tag}\n$ {shown}\n{r.stdout}\n")
    m = re.search(r"^BENCH_JSON (\{.*\})$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        B.die(f"{cmd[0]} failed ({tag}): {r.stdout[-500:]}")
    res = json.loads(m.group(1))
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6) if res["duration_us"] else 0.0
    return res


class Ceiling:
    """heat-engine's own ceiling: build/heat-rpc-bench (test/tools/heat-rpc-bench.c)"""
    name = "engine"

    def __init__(self, args, ctx, keystone_url):
        self.args, self.ctx = args, ctx
        cp = configparser.RawConfigParser(strict=False)
        cp.read(args.heat_conf)
        self.transport = cp.get("DEFAULT", "transport_url")
        self.exchange = cp.get("DEFAULT", "control_exchange", fallback="heat")
        self.auth_url = keystone_url
        # the token's Keystone body, as mod_heat's token cache holds it; 0600, removed at exit
        self.token_json = os.path.join(args.out, "ceiling-token.json")
        self.token_file = os.path.join(args.out, "ceiling-token")
        st, _, b = B.request("GET", keystone_url + "/auth/tokens",
                             headers={"X-Auth-Token": ctx["admin_token"], "X-Subject-Token": ctx["token"]})
        if st != 200:
            B.die(f"GET /v3/auth/tokens for the ceiling's context: HTTP {st}")
        for path, data in ((self.token_json, b), (self.token_file, ctx["token"].encode())):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)

    def args_of(self, case):
        if case == "b":
            return {"limit": None, "sort_keys": None, "marker": None, "sort_dir": None, "filters": None,
                    "show_deleted": False, "show_nested": False, "show_hidden": False, "tags": None,
                    "tags_any": None, "not_tags": None, "not_tags_any": None}
        return {"stack_identity": {"stack_name": B.STACK_NAME, "stack_id": self.ctx["stack_id"],
                                   "tenant": self.ctx["project"], "path": ""},
                "resolve_outputs": True}

    def run(self, case, conns, duration, tag):
        method, version = CEILING[case]
        cmd = [self.args.rpc_bench, "--transport-url", self.transport, "--exchange", self.exchange,
               "--token-json", self.token_json, "--auth-token-file", self.token_file,
               "--auth-url", self.auth_url, "--method", method, "--version", version,
               "--args", json.dumps(self.args_of(case)), "--concurrency", str(conns),
               "--duration", str(duration), "--timeout", str(self.args.timeout)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=duration + self.args.timeout + 120)
        shown = [c if "://" not in c else "<transport_url>" for c in cmd]
        return parse(r, shown, tag, self.args)

    def close(self):
        for p in (self.token_json, self.token_file):
            try:
                os.unlink(p)
            except OSError:
                pass


def smaps(pid):
    """(Pss, Private_Dirty) in KiB"""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Pss", "Private_Dirty"):
                    out[k] = int(v.split()[0])
    except OSError:
        return None
    return out.get("Pss", 0), out.get("Private_Dirty", 0)


def worker_memory(dep):
    rows = [smaps(p) for p in dep.worker_pids()]
    rows = [r for r in rows if r]
    if not rows:
        return None
    return {"n": len(rows), "pss_kib": [r[0] for r in rows], "private_dirty_kib": [r[1] for r in rows]}


def cycles(dep, ctx, conns, duration, args, tag):
    """create + delete cycles of a one-resource stack through dep, conns at once, for duration:
    (cycles completed, HTTP requests made, cycle seconds list, unexpected answers)"""
    base = f"{dep.api}/v1/{ctx['project']}/stacks"
    hdr = {"X-Auth-Token": ctx["token"]}
    end = time.monotonic() + duration
    lock = threading.Lock()
    res = {"cycles": 0, "requests": 0, "secs": [], "errors": []}

    def call(method, url, body=None):
        with lock:
            res["requests"] += 1
        return B.request(method, url, body, hdr, timeout=60)

    def worker(n):
        try:
            work(n)
        except Exception as e:  # noqa: BLE001 (a timeout or reset: counted, the others go on)
            res["errors"].append(f"{type(e).__name__}: {e}")

    def work(n):
        k = 0
        while time.monotonic() < end:
            k += 1
            # unique across servers and runs: a name still held by a stack another server's run
            # left deleting would answer 409
            name = f"bench-cycle-{dep.name}-{n}-{k}-{time.time_ns() % 10**12}"
            t0 = time.monotonic()
            st, _, b = call("POST", base, {"stack_name": name, "template": CYCLE_TEMPLATE, "timeout_mins": 5})
            if st != 201:
                res["errors"].append(f"create {st}")
                time.sleep(0.5)
                continue
            sid = json.loads(b)["stack"]["id"]
            url = f"{base}/{name}/{sid}"
            ok = poll(url, ("CREATE_COMPLETE",), t0 + 120) and call("DELETE", url)[0] == 204 \
                and poll(url, ("DELETE_COMPLETE",), t0 + 240)
            if ok:
                with lock:
                    res["cycles"] += 1
                    res["secs"].append(time.monotonic() - t0)
            else:
                res["errors"].append("cycle did not complete")

    def poll(url, want, deadline):
        while time.monotonic() < deadline:
            st, _, b = call("GET", url)
            if st == 404 and "DELETE_COMPLETE" in want:
                return True
            if st == 200:
                s = json.loads(b)["stack"]["stack_status"]
                if s in want:
                    return True
                if s.endswith("FAILED"):
                    res["errors"].append(s)
                    return False
            time.sleep(0.05)
        return False

    t0 = time.monotonic()
    ths = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(conns)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    wall = time.monotonic() - t0
    secs = sorted(res["secs"])
    pct = (lambda q: secs[min(len(secs) - 1, int(q * len(secs)))] * 1e6) if secs else (lambda q: 0)
    return {"requests": res["requests"], "cycles": res["cycles"], "duration_us": wall * 1e6,
            "rps": res["cycles"] / wall, "req_rps": res["requests"] / wall, "p50": pct(0.5),
            "p99": pct(0.99), "errors_list": res["errors"][:10], "status": len(res["errors"]),
            "timeout": 0}


def delete_cycle_stacks(api, ctx, bound=300):
    """delete what cycles of this or an interrupted run left (bench-cycle-*), and wait until
    they are gone: case b lists the project's stacks, which must be bench-stack alone"""
    base = f"{api}/v1/{ctx['project']}/stacks"
    hdr = {"X-Auth-Token": ctx["token"]}
    deadline = time.monotonic() + bound
    asked = set()
    while True:
        st, _, b = B.request("GET", base, headers=hdr, timeout=60)
        left = [x for x in json.loads(b)["stacks"] if x["stack_name"].startswith("bench-cycle-")] \
            if st == 200 else None
        if left == []:
            return
        for x in left or []:
            if x["id"] not in asked or x["stack_status"].endswith("FAILED"):
                B.request("DELETE", f"{base}/{x['stack_name']}/{x['id']}", headers=hdr, timeout=60)
                asked.add(x["id"])
        if time.monotonic() > deadline:
            B.die(f"stacks bench-cycle-* still there after {bound} s: {left}")
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--stack-json", "--stack-dir", "--heat-conf", "--out", "--httpd", "--httpd-conf",
              "--httpd-pidfile", "--apache-desc", "--modules", "--rpc-bench"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cfn-port", type=int, default=0)
    ap.add_argument("--apache-procs", type=int, default=2)
    ap.add_argument("--apache-threads", type=int, default=25)
    ap.add_argument("--py-workers", type=int, default=2)
    ap.add_argument("--deployments", default="mod_wsgi uwsgi_http uwsgi_socket eventlet")
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--timeout", type=int, default=10)
    ap.add_argument("--startup-tries", type=int, default=3)
    ap.add_argument("--cases", default="a b c d e v j x")
    ap.add_argument("--sweep", default="1 4 16 64 256")
    ap.add_argument("--sweep-cases", default="a b")
    ap.add_argument("--cycle-conns", type=int, default=4)
    # heat-engine validates a 256 KiB template in about a second of its CPU: more connections
    # would only queue at the engine, and answers past wrk's timeout are not counted
    ap.add_argument("--validate-conns", type=int, default=2)
    ap.add_argument("--command", default="bench/run.sh all")
    args = ap.parse_args()
    cases = args.cases.split()
    for c in cases:
        if c not in NATIVE:
            B.die(f"bench/run.sh all: unknown case {c} (known: {' '.join(NATIVE)}; the CFN cases f-h "
                  "are in the two-server bench)")
    sweep = [int(x) for x in args.sweep.split()] if args.sweep_cases.strip() else []
    sweep_cases = args.sweep_cases.split() if sweep else []

    # SIGTERM (run.sh's trap, a Ctrl-C) ends here through finally: every server is stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with open(args.stack_json) as f:
        stack = json.load(f)
    run_dir = os.path.join(args.stack_dir, "run")
    ks_pgid = B.read_pid(os.path.join(run_dir, "keystone.pid"))
    engine_pgid = B.read_pid(os.path.join(run_dir, "heat-engine.pid"))
    for n, pg in (("keystone", ks_pgid), ("heat-engine", engine_pgid)):
        if not (pg and B.group_pids(pg)):
            B.die(f"{n} is not running (run/{n}.pid)")

    apache = B.Apache(args.httpd, args.httpd_conf, args.httpd_pidfile, args.port)
    mh = D.ModHeat(apache, args.cfn_port, f"{args.apache_desc} (heat-api-cfn :{args.cfn_port})")
    kinds = ["bare"] + [k for k in args.deployments.split() if k != "bare"]
    py = D.build(kinds, args.out, args.httpd, args.modules, args.apache_procs, args.apache_threads,
                 args.heat_conf, args.py_workers, taken=(args.port, args.cfn_port))
    bare = py[0]
    deps = [mh] + py[1:]
    started = []
    ceiling = None
    results = {
        "date": time.strftime("%F %T %z"), "command": args.command,
        "settings": {k: getattr(args, k) for k in (
            "duration", "runs", "warmup", "threads", "conns", "timeout", "startup_tries", "cases",
            "sweep", "sweep_cases", "cycle_conns", "validate_conns", "py_workers", "apache_procs", "apache_threads")},
        "machine": machine_facts(),
        "desc": {d.name: d.desc for d in deps + [bare]},
        "startup": {}, "graceful": {}, "cases": {}, "sweep": {}, "memory": {},
    }
    results["desc"]["engine"] = ("build/heat-rpc-bench: list_stacks / show_stack with the request's "
                                 "context, N threads = the connections")
    try:
        # ---- start-to-first-answer ------------------------------------------------------
        for d in deps + [bare]:
            ts = []
            for i in range(args.startup_tries):
                if i:
                    d.stop()
                    time.sleep(0.5)
                elif d not in started:
                    started.append(d)
                ts.append(d.timed_start())
                B.log(f"{d.name}: start to first answer {ts[-1]:.3f} s")
            results["startup"][d.name] = ts
            if d.graceful_note.startswith("n/a"):
                results["graceful"][d.name] = None
                continue
            gs = []
            for i in range(args.startup_tries):
                time.sleep(1)
                gs.append(d.timed_graceful())
                results.setdefault("graceful_resumed", {}).setdefault(d.name, []).append(d.resumed)
                B.log(f"{d.name}: graceful restart to first answer {gs[-1]:.3f} s (Apache resumed "
                      f"after {d.resumed:.3f} s)")
            results["graceful"][d.name] = gs
        results["graceful_notes"] = {d.name: d.graceful_note for d in deps + [bare]}
        results["fresh_memory"] = {d.name: worker_memory(d) for d in deps + [bare]}

        # ---- Keystone, project, stack ---------------------------------------------------
        ks = B.Keystone(stack)
        admin = stack["users"]["admin"]
        admin_tok = ks.token("admin", admin["password"], admin["project_id"])
        project = ks.ensure_bench_project(admin_tok)
        token = ks.token("admin", admin["password"], project)
        stack_id, nstacks = B.ensure_bench_stack(mh.api, project, token)
        invalid = token[:20] + ("A" if token[20] != "A" else "B") * 40 + token[60:]
        ctx = {"project": project, "token": token, "stack_id": stack_id, "invalid_token": invalid,
               "admin_token": admin_tok, "cfn_user": "admin"}
        results["project"] = {"name": B.PROJECT_NAME, "id": project, "stacks": nstacks}
        bodies, jbytes, ybytes = write_bodies(args.out)
        results["template_bytes"] = {"json": jbytes, "yaml": ybytes}
        if any(c in CEILING for c in cases + sweep_cases):
            ceiling = Ceiling(args, ctx, ks.url)

        token_issued = [time.time()]

        def request_of(c, d):
            # Keystone's tokens live an hour and a full run takes longer: a new one every half
            # hour (the first request with it fills mod_heat's token cache, as a client's would)
            if time.time() - token_issued[0] > TOKEN_MAX_AGE:
                ctx["token"] = ks.token("admin", admin["password"], project)
                token_issued[0] = time.time()
            if c in ("v", "j"):
                return f"{d.api}/v1/{project}/validate", ctx["token"], None, bodies[c]
            url, tok, rnd = B.case_request(c, d.api, ctx)
            return url, tok, rnd, None

        # every server answers every case as expected before any load
        for c in [c for c in cases if c != "x"]:
            for d in deps + ([bare] if c == "a" else []):
                url, tok, rnd, body = request_of(c, d)
                if rnd:
                    tok = "gAAAAAB" + "%010d" % (time.time_ns() % 10**10) + "y" * (rnd - 17)
                hdr = {"X-Auth-Token": tok} if tok else {}
                data = None
                if body:
                    with open(body, "rb") as f:
                        data = f.read()
                    hdr["Content-Type"] = "application/json"
                st, _, b = raw_request("POST" if body else "GET", url, data, hdr)
                if st != EXPECT[c]:
                    B.die(f"case {c} on {d.name}: expected HTTP {EXPECT[c]}, got {st}: {b[:300]!r}")
            B.log(f"case {c}: every server answers {EXPECT[c]}")

        ks_port = int(stack["keystone"]["port"])
        all_pids = [d.tier_pids for d in deps]

        def measure(c, target, conns, duration, tag, mem=False):
            """one wrk (or ceiling, or cycle) run with the API tier's CPU around it"""
            if target is ceiling:
                return ceiling.run(c, conns, duration, tag), None
            if c in ("d", "e"):
                B.settle(ks_port, all_pids)
            procs = B.read_procs()
            tpids = target.tier_pids()
            s0 = B.cpu_seconds(tpids, procs)
            e0 = B.cpu_seconds(B.group_pids(engine_pgid, procs), procs)
            k0 = B.cpu_seconds(B.group_pids(ks_pgid, procs), procs)
            m0 = B.machine_busy_seconds()
            memo = {}
            if c == "x":
                r = cycles(target, ctx, conns, duration, args, tag)
            else:
                url, tok, rnd, body = request_of(c, target)
                if mem:
                    # memory of the workers in the middle of the run, under this load
                    th = threading.Timer(duration / 2, lambda: memo.update(m=worker_memory(target)))
                    th.start()
                r = wrk(args, url, conns, duration, tag, tok, rnd, body)
                if mem:
                    th.join()
            procs = B.read_procs()
            r["cpu_s"] = B.cpu_seconds(tpids, procs) - s0
            r["engine_cpu_s"] = B.cpu_seconds(B.group_pids(engine_pgid, procs), procs) - e0
            r["keystone_cpu_s"] = B.cpu_seconds(B.group_pids(ks_pgid, procs), procs) - k0
            r["machine_cpu_s"] = B.machine_busy_seconds() - m0
            return r, memo.get("m")

        def targets_of(c):
            t = list(deps)
            if c == "a":
                t.append(bare)
            if c in CEILING:
                t.append(ceiling)
            return t

        def run_case(c, conns, runs, store, mem=False):
            ts = targets_of(c)
            if args.warmup > 0:
                for t in ts:
                    if t is not ceiling and c != "x":
                        measure(c, t, conns, args.warmup, f"{c} c{conns} {t.name} warm-up")
            out = {t.name: {"runs": []} for t in ts}
            for i in range(runs):
                for t in ts:
                    r, m = measure(c, t, conns, args.duration, f"{c} c{conns} {t.name} run {i + 1}",
                                   mem and i == runs - 1)
                    out[t.name]["runs"].append(r)
                    if m:
                        out[t.name]["memory"] = m
                    B.log(f"  {c} c{conns} {t.name:12s} run {i + 1}: {r['rps']:.1f}/s p50 "
                          f"{B.fmt_ms(r['p50'])} p99 {B.fmt_ms(r['p99'])} cpu {r.get('cpu_s', 0):.1f} s"
                          f" errors {r['status']}/{r['timeout']}")
            for name, o in out.items():
                rs = o["runs"]
                o["median"] = {m: statistics.median(r[m] for r in rs) for m in ("rps", "p50", "p99")}
                o["requests"] = sum(r["requests"] for r in rs)
                o["cpu_s"] = sum(r.get("cpu_s", 0) for r in rs)
                o["engine_cpu_s"] = sum(r.get("engine_cpu_s", 0) for r in rs)
                # wrk counts every answer >= 400 in "status": the expected 401 of d and e is none
                o["errors"] = sum((r["status"] if EXPECT.get(c, 200) < 400 else 0) + r["timeout"]
                                  + r.get("connect", 0) + r.get("read", 0) + r.get("write", 0) for r in rs)
                if c == "x":
                    o["cycles"] = sum(r["cycles"] for r in rs)
                    o["errors_list"] = [e for r in rs for e in r["errors_list"]][:10]
            store[c if store is results["cases"] else f"{c}@{conns}"] = out

        delete_cycle_stacks(mh.api, ctx)
        for c in cases:
            B.log(f"case {c}: {CASES[c]}")
            conns = {"x": args.cycle_conns, "v": args.validate_conns, "j": args.validate_conns}
            run_case(c, conns.get(c, args.conns), args.runs, results["cases"])
            if c == "x":
                delete_cycle_stacks(mh.api, ctx)
        for c in sweep_cases:
            for n in sweep:
                B.log(f"sweep {c}: {n} connection(s)")
                run_case(c, n, args.runs, results["sweep"], mem=(n == max(sweep)))
                for name, o in results["sweep"][f"{c}@{n}"].items():
                    if o.get("memory"):
                        results["memory"].setdefault(c, {})[name] = dict(o["memory"], conns=n)
        results["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    finally:
        if ceiling:
            ceiling.close()
        for d in reversed(started):
            if d is not mh:  # run.sh stops its Apache
                try:
                    d.stop()
                except SystemExit:
                    pass

    stamp = time.strftime("%Y%m%d-%H%M%S")
    jpath = os.path.join(args.out, f"results-all-{stamp}.json")
    with open(jpath, "w") as f:
        json.dump(results, f, indent=1)
    report = render(results)
    with open(os.path.join(args.out, f"report-all-{stamp}.txt"), "w") as f:
        f.write(report)
    print(report)
    B.log(f"saved {jpath} and report-all-{stamp}.txt")
    print(f"RESULTS_JSON {jpath}")


def machine_facts():
    m = {"nproc": os.cpu_count(), "loadavg_start": open("/proc/loadavg").read().split()[:3]}
    with open("/proc/cpuinfo") as f:
        import re
        mm = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        m["cpu"] = mm.group(1) if mm else "?"
    with open("/proc/meminfo") as f:
        m["mem_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    return m


def raw_request(method, url, data, headers):
    import http.client
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request(method, "/" + path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


ORDER = ["mod_heat", "mod_wsgi", "uwsgi_http", "uwsgi_socket", "eventlet", "bare", "engine"]


def render(res):
    s = res["settings"]
    out = []
    w = out.append
    m = res["machine"]
    w(f"bench/run.sh all: {res['date']}; {m['nproc']} cores ({m['cpu']}), {m.get('mem_gib', '?')} GiB; "
      f"load average at start {' '.join(m['loadavg_start'])}, at end {' '.join(m.get('loadavg_end', []))}")
    w(f"wrk -t{s['threads']} -c{s['conns']} -d{s['duration']}s --timeout {s['timeout']}s; {s['runs']} run(s)"
      f" per server after a {s['warmup']} s warm-up, interleaved; medians. Python workers: {s['py_workers']}")
    for name in ORDER:
        if name in res["desc"]:
            w(f"  {name:12s} {res['desc'][name]}")
    w("")
    w("Start to first answer (GET / of both APIs answered 300), median of the tries, seconds:")
    for name in ORDER:
        if name in res["startup"]:
            st = res["startup"][name]
            g = res["graceful"].get(name)
            note = res.get("graceful_notes", {}).get(name, "")
            w(f"  {name:12s} start {statistics.median(st):7.3f} [{' / '.join(f'{x:.2f}' for x in st)}]"
              f"   graceful {statistics.median(g):7.3f} [{' / '.join(f'{x:.2f}' for x in g)}]"
              if g else f"  {name:12s} start {statistics.median(st):7.3f} "
              f"[{' / '.join(f'{x:.2f}' for x in st)}]   graceful {note or '-'}")
            if g and note:
                out[-1] += f"  ({note})"
            r = res.get("graceful_resumed", {}).get(name)
            if g and r:
                out[-1] += f"; Apache resumed after {statistics.median(r):.3f}"
    w("")
    w("req/s (p50 / p99) and API-tier CPU ms per request; ratio = mod_heat's req/s / the server's")
    for c, table in res["cases"].items():
        w(f"case {c}: {CASES[c]}" + (f" ({s['cycle_conns']} clients; req/s = cycles/s, CPU per cycle)"
                                     if c == "x" else f" ({s.get('validate_conns')} connections)"
                                     if c in ("v", "j") else ""))
        mh = table.get("mod_heat", {}).get("median", {}).get("rps")
        for name in ORDER:
            if name not in table:
                continue
            o = table[name]
            md = o["median"]
            n = o.get("cycles") if c == "x" else o["requests"]
            cpu = f"{1000 * o['cpu_s'] / n:8.2f}" if n and name != "engine" else "       -"
            ratio = f"{mh / md['rps']:6.2f}x" if mh and md["rps"] else "      -"
            w(f"  {name:12s} {B.fmt_rps(md['rps']):>8s}/s  p50 {B.fmt_ms(md['p50']):>9s}  p99 "
              f"{B.fmt_ms(md['p99']):>9s}  cpu ms/req {cpu}  ratio {ratio}"
              + (f"  errors {o['errors']}" if o["errors"] else ""))
    if res["sweep"]:
        w("")
        w("Concurrency sweep: req/s (p99) per connections")
        keys = list(res["sweep"])
        for c in sorted({k.split("@")[0] for k in keys}):
            ns = sorted(int(k.split("@")[1]) for k in keys if k.startswith(c + "@"))
            w(f"case {c}: " + "".join(f"{n:>20d}" for n in ns))
            names = [n for n in ORDER if n in res["sweep"][f"{c}@{ns[0]}"]]
            for name in names:
                cells = []
                for n in ns:
                    o = res["sweep"][f"{c}@{n}"].get(name)
                    cells.append(f"{B.fmt_rps(o['median']['rps'])} ({B.fmt_ms(o['median']['p99'])})"
                                 if o else "-")
                w(f"  {name:12s}" + "".join(f"{x:>20s}" for x in cells))
    if res["memory"]:
        w("")
        w("Memory per worker process at the sweep's highest concurrency, mid-run (KiB, median; "
          "Apache children for mod_heat and bare, mod_wsgi's daemon processes, uwsgi's workers, "
          "eventlet's workers):")
        for c, per in res["memory"].items():
            bare = per.get("bare")
            for name in ORDER:
                if name not in per:
                    continue
                mm = per[name]
                pss, pd = statistics.median(mm["pss_kib"]), statistics.median(mm["private_dirty_kib"])
                extra = ""
                if bare and name != "bare":
                    extra = (f"  (+{pss - statistics.median(bare['pss_kib']):.0f} PSS, "
                             f"+{pd - statistics.median(bare['private_dirty_kib']):.0f} private dirty "
                             f"over a bare Apache child)")
                w(f"  case {c} @{mm['conns']} {name:12s} {mm['n']} proc  PSS {pss:9.0f}  "
                  f"Private_Dirty {pd:9.0f}{extra}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        with open(sys.argv[2]) as f:
            print(render(json.load(f)), end="")
    else:
        main()
