#!/usr/bin/python3
"""bench/soak.py: the soak mode of the bench (`BENCH_SOAK=1 bench/run.sh`, or
`bench/run.sh soak`; see bench/README.md, "Soak").

mod_heat alone (no Python side) under a long mixed load: wrk -t2 -c32 with bench/soak.lua
(versions doc, stack list, show, resources, events, validate, a fixed and a new invalid token,
CFN ListStacks with X-Auth-User + X-Auth-Token, a signed CFN DescribeStacks), plus a thread
that creates and deletes one small stack (OS::Heat::None) at a time through mod_heat. Every 10 s
it samples VmRSS (/proc/<pid>/status), Pss and Private_Dirty (/proc/<pid>/smaps_rollup) of the
bench Apache's processes into out/soak-<time>.csv. The verdict: every child's RSS at the end
within 2 % of its RSS at the end of the warm-up, the same children from start to end, and no
unexpected status on any route; otherwise the exit status is 1.

Uses bench/bench.py for Keystone, the bench project and stack, Apache and /proc.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from bench import die, log, request  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOAK_LUA = os.path.join(HERE, "soak.lua")
CFN_MOUNT = ""  # run.sh serves heat-api-cfn on /v1/ of the heat-api vhost too (one wrk URL)
SMALL_TEMPLATE = {"heat_template_version": "2018-08-31",
                  "resources": {"n": {"type": "OS::Heat::None"}}}
# route -> the statuses that are expected (any other is counted as unexpected)
EXPECT = {
    "versions": {300}, "list": {200}, "show": {200}, "resources": {200}, "events": {200},
    "validate": {200}, "badtoken": {401}, "badtoken-new": {401}, "cfn-token": {200},
    "cfn-signed": {200},
    # the create/delete thread: its polls see the stack until it is gone (then 404)
    "create": {201}, "create-poll": {200, 404}, "delete": {204},
}
LUA_ROUTES = ("versions", "list", "show", "resources", "events", "validate", "badtoken",
              "badtoken-new", "cfn-token", "cfn-signed")
# run.sh's LogFormat: %h %t "%r" %>s %b %D ... (%D: microseconds)
ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/1\.[01]" (\d{3}) \S+ (\d+)')


def route_of(method, path, project, stack_id):
    """the soak route of an access log line (method and path name it exactly)"""
    p = f"/v1/{project}"
    stack = f"{p}/stacks/{bench.STACK_NAME}/{stack_id}"
    if method == "GET":
        if path == "/":
            return "versions"
        if path == f"{p}/stacks":
            return "list"
        if path == f"{p}/stacks?soak=badtoken":
            return "badtoken"
        if path == f"{p}/stacks?soak=badtoken-new":
            return "badtoken-new"
        if path == stack:
            return "show"
        if path == stack + "/resources":
            return "resources"
        if path == stack + "/events":
            return "events"
        if path.startswith(f"{p}/stacks/soak-"):
            return "create-poll"
        if path == f"{CFN_MOUNT}/v1/?Action=ListStacks":
            return "cfn-token"
        if path.startswith(f"{CFN_MOUNT}/v1/?") and "Signature=" in path:
            return "cfn-signed"
    elif method == "POST":
        if path == f"{p}/validate":
            return "validate"
        if path == f"{p}/stacks":
            return "create"
    elif method == "DELETE" and path.startswith(f"{p}/stacks/soak-"):
        return "delete"
    return "other"


def access_counts(path, offset, project, stack_id, slow_us):
    """(route -> {status: count}, route -> [max microseconds, answers slower than slow_us])
    from the access log lines written since offset"""
    counts, times = {}, {}
    with open(path, "rb") as f:
        f.seek(offset)
        for raw in f:
            m = ACCESS_LINE.search(raw.decode("utf-8", "replace"))
            if not m:
                continue
            r = route_of(m.group(1), m.group(2), project, stack_id)
            st = int(m.group(3))
            counts.setdefault(r, {})
            counts[r][st] = counts[r].get(st, 0) + 1
            us = int(m.group(4))
            t = times.setdefault(r, [0, 0])
            t[0] = max(t[0], us)
            t[1] += us > slow_us
    return counts, times


# ------------------------------------------------------------------------------------------
# memory samples

MEM_KEYS = ("rss", "pss", "private_dirty", "rssanon", "rssfile", "rssshmem")


def proc_mem(pid):
    """(VmRSS, Pss, Private_Dirty, RssAnon, RssFile, RssShmem) in KiB, or None if the process
    is gone. RssShmem is the token cache's shared memory (shmcb) as far as this process touched
    it: it grows as the cache fills, and is no leak"""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out["rss" if k == "VmRSS" else k.lower()] = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("Pss", "Private_Dirty"):
                    out[k.lower()] = int(line.split()[1])
    except OSError:
        return None
    if len(out) != len(MEM_KEYS):
        return None
    return tuple(out[k] for k in MEM_KEYS)


class Sampler:
    """every `period` s: the memory of the Apache parent and each of its children, into the CSV"""

    def __init__(self, csv_path, parent, warmup, period=10.0):
        self.parent, self.warmup, self.period = parent, warmup, period
        self.rows = []  # (t, pid, role) + MEM_KEYS
        self.csv = open(csv_path, "w")
        self.csv.write("t_s,phase,pid,role,vmrss_kib,pss_kib,private_dirty_kib,rssanon_kib,"
                       "rssfile_kib,rssshmem_kib\n")

    def sample(self, t):
        procs = bench.read_procs()
        pids = [(self.parent, "parent")] + [
            (p, "child") for p, s in sorted(procs.items())
            if s["ppid"] == self.parent and s["state"] != "Z"]
        phase = "warm-up" if t < self.warmup else "soak"
        for pid, role in pids:
            m = proc_mem(pid)
            if m is None:
                continue
            self.rows.append((t, pid, role) + m)
            self.csv.write(f"{t:.1f},{phase},{pid},{role}," + ",".join(str(x) for x in m) + "\n")
        self.csv.flush()

    def close(self):
        self.csv.close()


# ------------------------------------------------------------------------------------------
# the create/delete thread and the CFN signer

class Churn(threading.Thread):
    """creates one small stack through mod_heat, waits until it is complete, deletes it, waits
    until it is gone; one cycle every `period` s at most, so the engine is not swamped.
    Counts the answers it gets (the access log counts them too)."""

    def __init__(self, base, project, token, period):
        super().__init__(daemon=True)
        self.base, self.project, self.token, self.period = base, project, token, period
        self.stop_ev = threading.Event()
        self.cycles = self.failed = 0
        self.answers = {}  # "create 201" -> count
        self.problems = []

    def call(self, kind, method, path, body=None):
        try:
            st, _, b = request(method, f"{self.base}/v1/{self.project}{path}", body,
                               {"X-Auth-Token": self.token}, timeout=60)
        except OSError as e:
            st, b = 0, repr(e).encode()
        k = f"{kind} {st}"
        self.answers[k] = self.answers.get(k, 0) + 1
        if st not in EXPECT[kind]:
            self.problems.append(f"{kind}: HTTP {st}: {b[:200]!r}")
        return st, b

    def wait_for(self, path, done, deadline_s):
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            st, b = self.call("create-poll", "GET", path)
            if done(st, b):
                return True
            time.sleep(0.5)
        return False

    def cycle(self, n):
        name = f"soak-{os.getpid()}-{n}"
        st, b = self.call("create", "POST", "/stacks", {
            "stack_name": name, "template": SMALL_TEMPLATE, "timeout_mins": 5})
        if st != 201:
            return False
        sid = json.loads(b)["stack"]["id"]
        path = f"/stacks/{name}/{sid}"

        def status(st, b):
            return json.loads(b)["stack"]["stack_status"] if st == 200 else None
        ok = self.wait_for(path, lambda st, b: st != 200 or status(st, b) != "CREATE_IN_PROGRESS", 120)
        self.call("delete", "DELETE", path)
        gone = self.wait_for(path, lambda st, b: st == 404 or status(st, b) in (
            "DELETE_COMPLETE", "DELETE_FAILED"), 120)
        if not (ok and gone):
            self.problems.append(f"{name}: not complete or not deleted within 120 s")
            return False
        return True

    def run(self):
        n = 0
        while not self.stop_ev.is_set():
            t0 = time.monotonic()
            n += 1
            if self.cycle(n):
                self.cycles += 1
            else:
                self.failed += 1
            self.stop_ev.wait(max(0.0, self.period - (time.monotonic() - t0)))


def sign_cfn(port, access, secret):
    """signed CFN request paths for the heat-api-cfn path /v1/ of the heat-api vhost: wrk cannot
    sign, so they are made here (keystoneclient's Ec2Signer, as bench.py does) and replayed;
    Keystone accepts a Timestamp for about 15 minutes, so CfnSigner renews them"""
    from keystoneclient.contrib.ec2.utils import Ec2Signer
    paths = []
    for params in ({"Action": "DescribeStacks", "StackName": bench.STACK_NAME},
                   {"Action": "DescribeStacks"}):
        params = dict(params, AWSAccessKeyId=access, SignatureMethod="HmacSHA256",
                      SignatureVersion="2", Version="2010-05-15",
                      Timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        params["Signature"] = Ec2Signer(secret).generate(
            {"host": f"127.0.0.1:{port}", "verb": "GET", "path": f"{CFN_MOUNT}/v1/",
             "params": params})
        paths.append(f"{CFN_MOUNT}/v1/?{urllib.parse.urlencode(params)}")
    return paths


class CfnSigner(threading.Thread):
    def __init__(self, path, port, access, secret, period=240):
        super().__init__(daemon=True)
        self.path, self.port, self.access, self.secret, self.period = path, port, access, secret, period
        self.stop_ev = threading.Event()
        self.write()

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(sign_cfn(self.port, self.access, self.secret)) + "\n")
        os.chmod(tmp, 0o600)
        os.rename(tmp, self.path)  # soak.lua never reads a half-written file

    def run(self):
        while not self.stop_ev.wait(self.period):
            self.write()


def delete_leftovers(base, project, token):
    """soak-* stacks an interrupted run left behind (the bench project must hold only
    bench-stack for bench/run.sh)"""
    st, _, b = request("GET", f"{base}/v1/{project}/stacks", headers={"X-Auth-Token": token})
    if st != 200:
        die(f"stack list: HTTP {st}")
    left = [s for s in json.loads(b)["stacks"] if s["stack_name"].startswith("soak-")]
    for s in left:
        request("DELETE", f"{base}/v1/{project}/stacks/{s['stack_name']}/{s['id']}",
                headers={"X-Auth-Token": token})
    deadline = time.monotonic() + 120
    while left and time.monotonic() < deadline:
        time.sleep(1)
        st, _, b = request("GET", f"{base}/v1/{project}/stacks", headers={"X-Auth-Token": token})
        left = [s for s in json.loads(b)["stacks"] if s["stack_name"].startswith("soak-")]
    if left:
        log(f"WARNING: soak stacks still present: {[s['stack_name'] for s in left]}")
    return len(left)


def check_route(base, route, ctx, paths):
    """one request of each wrk route before the soak, so that a wrong setup fails at once"""
    p, tok = ctx["project"], ctx["token"]
    stack = f"/v1/{p}/stacks/{bench.STACK_NAME}/{ctx['stack_id']}"
    h = {"X-Auth-Token": tok}
    req = {
        "versions": ("GET", "/", None, {}),
        "list": ("GET", f"/v1/{p}/stacks", None, h),
        "show": ("GET", stack, None, h),
        "resources": ("GET", stack + "/resources", None, h),
        "events": ("GET", stack + "/events", None, h),
        "validate": ("POST", f"/v1/{p}/validate", {"template": SMALL_TEMPLATE}, h),
        "badtoken": ("GET", f"/v1/{p}/stacks?soak=badtoken", None,
                     {"X-Auth-Token": ctx["invalid_token"]}),
        "badtoken-new": ("GET", f"/v1/{p}/stacks?soak=badtoken-new", None,
                         {"X-Auth-Token": "gAAAAAB" + "z" * (len(tok) - 7)}),
        "cfn-token": ("GET", f"{CFN_MOUNT}/v1/?Action=ListStacks", None,
                      dict(h, **{"X-Auth-User": "admin"})),
        "cfn-signed": ("GET", paths[0], None, {}),
    }[route]
    st, _, b = request(req[0], base + req[1], req[2], req[3], timeout=60)
    if st not in EXPECT[route]:
        die(f"route {route}: expected HTTP {sorted(EXPECT[route])}, got {st}: {b[:300]!r}")


# ------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack-json", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--httpd", required=True)
    ap.add_argument("--httpd-conf", required=True)
    ap.add_argument("--httpd-pidfile", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--apache-desc", required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--timeout", type=int, default=10)
    ap.add_argument("--sample", type=float, default=10.0, help="seconds between memory samples")
    ap.add_argument("--create-period", type=float, default=5.0)
    ap.add_argument("--max-growth", type=float, default=2.0, help="per child, percent")
    ap.add_argument("--routes", default="", help="only these wrk routes (default: all)")
    ap.add_argument("--command", default="bench/run.sh soak")
    ap.add_argument("--fill-max", type=int, default=480,
                    help="before the soak: at most this many seconds of token cache filling (0: none)")
    ap.add_argument("--fill-routes", default="cfn-signed badtoken-new",
                    help="the routes that fill the token cache (a new entry per request)")
    args = ap.parse_args()
    if args.warmup >= args.seconds:
        die("the warm-up must be shorter than the soak")
    # "none": no wrk at all, only the create/delete thread (to see what it alone does)
    routes = [] if args.routes.strip() == "none" else (args.routes.split() or list(LUA_ROUTES))
    for r in routes:
        if r not in LUA_ROUTES:
            die(f"unknown route {r} (known: {' '.join(LUA_ROUTES)})")

    with open(args.stack_json) as f:
        stack = json.load(f)
    apache = bench.Apache(args.httpd, args.httpd_conf, args.httpd_pidfile, args.port)
    apache.start()
    parent = apache.pid()
    base = apache.url

    ks = bench.Keystone(stack)
    admin = stack["users"]["admin"]
    admin_tok = ks.token("admin", admin["password"], admin["project_id"])
    project = ks.ensure_bench_project(admin_tok)
    token = ks.token("admin", admin["password"], project)
    stack_id, _ = bench.ensure_bench_stack(base, project, token)
    left = delete_leftovers(base, project, token)
    access, secret = ks.ensure_ec2_credential(admin_tok, project)
    invalid = token[:20] + ("A" if token[20] != "A" else "B") * 40 + token[60:]
    ctx = {"project": project, "token": token, "stack_id": stack_id, "invalid_token": invalid}

    stamp = time.strftime("%Y%m%d-%H%M%S")
    cfn_file = os.path.join(args.out, f".soak-cfn-{stamp}")
    signer = CfnSigner(cfn_file, args.port, access, secret)
    with open(cfn_file) as f:
        cfn_paths = f.read().split()
    for r in routes:
        check_route(base, r, ctx, cfn_paths)
    log(f"every route answers as expected; soak {args.seconds} s (warm-up {args.warmup} s), "
        f"wrk -t{args.threads} -c{args.conns}, routes {' '.join(routes)}, a stack created and "
        f"deleted every {args.create_period:g} s")

    env = dict(os.environ, SOAK_PROJECT=project, SOAK_STACK_ID=stack_id, SOAK_TOKEN=token,
               SOAK_INVALID=invalid, SOAK_CFN_FILE=cfn_file, SOAK_ROUTES=" ".join(routes))
    signer.start()
    fill = fill_token_cache(args, base, env, parent) if args.fill_max > 0 and routes else None

    access_log = os.path.join(args.out, "logs", "access.log")
    error_log = os.path.join(args.out, "logs", "error.log")
    log_off = bench.log_size(access_log)
    err_off = bench.log_size(error_log)
    csv_path = os.path.join(args.out, f"soak-{stamp}.csv")
    sampler = Sampler(csv_path, parent, args.warmup, args.sample)
    churn = Churn(base, project, token, args.create_period) if args.create_period > 0 else None

    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{args.seconds}s",
           "--timeout", f"{args.timeout}s", "-s", SOAK_LUA, base]
    if not routes:
        cmd = ["sleep", str(args.seconds)]
    t0 = time.monotonic()
    wrk = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=env)
    if churn:
        churn.start()
    out = []
    reader = threading.Thread(target=lambda: out.append(wrk.stdout.read()), daemon=True)
    reader.start()
    n = 0
    try:
        while True:
            # samples on a fixed grid from the start (t = 0, 10, 20, ...), the last at the end
            t = time.monotonic() - t0
            if wrk.poll() is not None:
                break
            if t >= n * args.sample:
                sampler.sample(t)
                if n and n % 6 == 0:
                    ch = [r for r in sampler.rows if r[0] == sampler.rows[-1][0] and r[2] == "child"]
                    log(f"  {t:5.0f} s: child RSS " + ", ".join(
                        f"{r[1]} {r[3] / 1024:.1f} MiB" for r in ch))
                n += 1
            if t > args.seconds + args.timeout + 60:
                wrk.kill()
                die("wrk did not finish")
            time.sleep(min(0.5, max(0.0, n * args.sample - t)))
        sampler.sample(time.monotonic() - t0)  # the end: wrk has just stopped
    finally:
        signer.stop_ev.set()
        if churn:
            churn.stop_ev.set()
        sampler.close()
    reader.join(10)
    wall = time.monotonic() - t0
    if churn:
        churn.join(300)
    text = out[0] if out else ""
    with open(os.path.join(args.out, "wrk.log"), "a") as f:
        f.write(f"===== {time.strftime('%F %T')} soak\n$ {' '.join(cmd)}\n{text}\n")
    m = re.search(r"^SOAK_JSON (\{.*\})$", text, re.M)
    if routes and (wrk.returncode != 0 or not m):
        die(f"wrk failed: {text[-800:]}")
    w = json.loads(m.group(1)) if routes else dict(
        {k: 0 for k in ("requests", "connect", "read", "write", "status", "timeout", "p50",
                        "p99", "max")}, duration_us=int(args.seconds * 1e6), sent={}, got={})
    time.sleep(0.5)  # the last access log lines
    acc, acc_times = access_counts(access_log, log_off, project, stack_id, args.timeout * 1e6)
    with open(error_log, "rb") as f:
        f.seek(err_off)
        errors = [ln for ln in f.read().decode("utf-8", "replace").splitlines()
                  if re.search(r"\[(\w+:)?(error|crit|alert|emerg)\]|exit signal", ln)]
    left += delete_leftovers(base, project, token)
    try:
        os.unlink(cfn_file)
    except OSError:
        pass

    res = verdict(args, routes, sampler.rows, parent, w, acc, churn, errors, left, wall)
    res["access_times"] = acc_times
    res["fill"] = fill
    res["malloc_arena_max"] = os.environ.get("MALLOC_ARENA_MAX", "")
    res.update({"date": time.strftime("%F %T %z"), "command": args.command,
                "apache": args.apache_desc, "csv": csv_path,
                "machine": {"nproc": os.cpu_count(), "loadavg_end": open("/proc/loadavg").read().split()[:3]}})
    with open("/proc/cpuinfo") as f:
        mm = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        res["machine"]["cpu"] = mm.group(1) if mm else "?"
    report = render(res)
    with open(os.path.join(args.out, f"soak-{stamp}.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, f"soak-{stamp}.txt"), "w") as f:
        f.write(report)
    print(report)
    log(f"saved {csv_path}, soak-{stamp}.json and soak-{stamp}.txt in {args.out}")
    sys.exit(0 if res["pass"] else 1)


def children_shmem(parent):
    """{child pid: RssShmem KiB}"""
    out = {}
    for p, st in bench.read_procs().items():
        if st["ppid"] == parent and st["state"] != "Z":
            m = proc_mem(p)
            if m:
                out[p] = m[MEM_KEYS.index("rssshmem")]
    return out


def fill_token_cache(args, base, env, parent):
    """Runs the routes that store a new token cache entry per request until no child's RssShmem
    grows any more: the shmcb segment (4 MiB by default, shared) is bounded, and until each
    child has touched all of it its RSS grows by as much, which is no leak. Stops when every
    child's RssShmem grew less than 64 KiB in the last 30 s (after at least 60 s), or at
    --fill-max seconds."""
    routes = args.fill_routes.split()
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{args.fill_max}s",
           "--timeout", f"{args.timeout}s", "-s", SOAK_LUA, base]
    wrk = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(env, SOAK_ROUTES=" ".join(routes)))
    t0 = time.monotonic()
    start = children_shmem(parent)
    hist = []  # (t, {pid: shmem})
    stopped = "the time limit"
    try:
        while wrk.poll() is None:
            time.sleep(args.sample)
            t = time.monotonic() - t0
            hist.append((t, children_shmem(parent)))
            old = [h for h in hist if h[0] <= t - 30]
            if t >= 60 and old:
                before, now = old[-1][1], hist[-1][1]
                if now and all(now[p] - before.get(p, 0) < 64 for p in now):
                    stopped = "RssShmem steady"
                    break
            if t > args.fill_max + args.timeout + 30:
                break
    finally:
        if wrk.poll() is None:
            wrk.terminate()
        wrk.wait(30)
    end = hist[-1][1] if hist else start
    res = {"seconds": time.monotonic() - t0, "routes": routes, "stopped": stopped,
           "shmem_start": start, "shmem_end": end}
    log(f"token cache filled in {res['seconds']:.0f} s ({stopped}): RssShmem per child " +
        ", ".join(f"{p} {start.get(p, 0) / 1024:.1f} -> {end[p] / 1024:.1f} MiB" for p in sorted(end)))
    return res


def verdict(args, routes, rows, parent, w, acc, churn, errors, left, wall):
    failures = []
    # ---- memory: per child, RSS at the end of the warm-up and at the end ------------------
    times = sorted({r[0] for r in rows})
    base_t = next((t for t in times if t >= args.warmup), None)
    end_t = times[-1]
    by = {(r[0], r[1]): r for r in rows}
    children_at = lambda t: sorted(r[1] for r in rows if r[0] == t and r[2] == "child")  # noqa: E731
    first_children = children_at(times[0])
    children = []
    for pid in sorted({r[1] for r in rows if r[2] == "child"} | {parent}):
        role = "parent" if pid == parent else "child"
        b, e = by.get((base_t, pid)), by.get((end_t, pid))
        c = {"pid": pid, "role": role}
        if b and e:
            c.update({"base": b[3:], "end": e[3:], "growth_kib": e[3] - b[3],
                      "growth_pct": 100.0 * (e[3] - b[3]) / b[3],
                      "peak": max(r[3] for r in rows if r[1] == pid and r[0] >= base_t)})
            if role == "child" and c["growth_pct"] >= args.max_growth:
                failures.append(f"child {pid}: RSS grew {c['growth_pct']:.2f} % after the warm-up")
        else:
            c["missing"] = "no sample at " + ("the end of the warm-up" if not b else "the end")
            if role == "child":
                failures.append(f"child {pid}: {c['missing']} (recycled or crashed?)")
        children.append(c)
    if children_at(end_t) != first_children:
        failures.append(f"the children changed: {first_children} at the start, "
                        f"{children_at(end_t)} at the end")
    # ---- statuses ---------------------------------------------------------------------------
    unexpected = {}
    for r, sts in acc.items():
        bad = {s: n for s, n in sts.items() if r == "other" or s not in EXPECT[r]}
        if bad:
            unexpected[r] = bad
            failures.append(f"route {r}: unexpected statuses {bad}")
    lua_unexpected = {k: v for k, v in w["got"].items() if k.startswith("unexpected")}
    if lua_unexpected:
        failures.append(f"wrk saw unexpected answers: {lua_unexpected}")
    errs = {k: w[k] for k in ("connect", "read", "write", "timeout") if w[k]}
    if errs:
        failures.append(f"wrk socket errors / timeouts: {errs}")
    if churn and (churn.problems or churn.failed):
        failures.append(f"create/delete: {churn.failed} failed cycles; {churn.problems[:3]}")
    if errors:
        failures.append(f"{len(errors)} error lines in Apache's error log")
    if left:
        failures.append(f"{left} soak stacks left behind")
    secs = w["duration_us"] / 1e6
    return {
        "pass": not failures, "failures": failures,
        "settings": {k: getattr(args, k) for k in ("seconds", "warmup", "threads", "conns",
                                                     "timeout", "sample", "create_period",
                                                     "max_growth")},
        "routes": routes, "wall": wall, "base_t": base_t, "end_t": end_t,
        "children": children, "wrk": w, "rps": w["requests"] / secs,
        "route_rps": {r: sum(acc.get(r, {}).values()) / secs for r in acc},
        "access": {r: {str(s): n for s, n in v.items()} for r, v in acc.items()},
        "unexpected": unexpected, "errors": errors[:20],
        "churn": {"cycles": churn.cycles, "failed": churn.failed, "answers": churn.answers,
                  "problems": churn.problems[:10]} if churn else None,
    }


def render(res):
    s = res["settings"]
    out = []
    w = out.append
    w(f"mod_heat soak: {res['date']}, {res['machine']['nproc']} cores ({res['machine']['cpu']}), "
      f"load average at end {' '.join(res['machine']['loadavg_end'])}")
    w(f"{res['apache']}; wrk -t{s['threads']} -c{s['conns']} -d{s['seconds']}s --timeout "
      f"{s['timeout']}s -s bench/soak.lua; warm-up {s['warmup']} s; RSS sampled every "
      f"{s['sample']:g} s; a stack created and deleted every {s['create_period']:g} s")
    w(f"command: {res['command']}; MALLOC_ARENA_MAX={res.get('malloc_arena_max') or '(glibc default)'}")
    f = res.get("fill")
    if f:
        w(f"Before the soak, the token cache was filled ({' '.join(f['routes'])}) for {f['seconds']:.0f} s, "
          f"until {f['stopped']}: RssShmem per child " +
          ", ".join(f"{p} {f['shmem_start'].get(p, 0) / 1024:.1f} -> {f['shmem_end'][p] / 1024:.1f} MiB"
                    for p in sorted(f["shmem_end"])))
    w("")
    w(f"Memory per process (MiB; base = the sample at {res['base_t']:.0f} s, the end of the "
      f"warm-up; end = {res['end_t']:.0f} s; RSS = RssAnon + RssFile + RssShmem):")
    w(f"  {'pid':>8s} {'role':6s} {'RSS base':>9s} {'RSS end':>9s} {'RSS peak':>9s} "
      f"{'growth':>8s} {'growth %':>9s} {'PSS base':>9s} {'PSS end':>9s} {'Dirty base':>10s} "
      f"{'Dirty end':>10s} {'Anon +':>7s} {'Shmem +':>7s}")
    for c in res["children"]:
        if "missing" in c:
            w(f"  {c['pid']:>8d} {c['role']:6s} {c['missing']}")
            continue
        b, e = c["base"], c["end"]
        w(f"  {c['pid']:>8d} {c['role']:6s} {b[0] / 1024:>9.1f} {e[0] / 1024:>9.1f} "
          f"{c['peak'] / 1024:>9.1f} {c['growth_kib'] / 1024:>+8.2f} {c['growth_pct']:>+8.2f}% "
          f"{b[1] / 1024:>9.1f} {e[1] / 1024:>9.1f} {b[2] / 1024:>10.1f} {e[2] / 1024:>10.1f} "
          f"{(e[3] - b[3]) / 1024:>+7.2f} {(e[5] - b[5]) / 1024:>+7.2f}")
    w("")
    wr = res["wrk"]
    w(f"Throughput: {wr['requests']} requests in {wr['duration_us'] / 1e6:.0f} s, "
      f"{res['rps']:.1f} req/s; p50 {bench.fmt_ms(wr['p50'])}, p99 {bench.fmt_ms(wr['p99'])}, "
      f"max {bench.fmt_ms(wr['max'])}; wrk errors: connect {wr['connect']}, read {wr['read']}, "
      f"write {wr['write']}, timeout {wr['timeout']}")
    w(f"  {'route':13s} {'expected':>9s} {'req/s':>8s} {'wrk sent':>9s} {'wrk got':>9s} "
      f"{'max':>8s} {'>' + str(s['timeout']) + ' s':>6s}  statuses in the access log ((!) = unexpected)")
    got = dict(wr["got"])
    # the two bad-token routes answer alike: wrk's count is for both together
    for r in list(res["routes"]) + ["create", "create-poll", "delete", "other"]:
        sts = res["access"].get(r, {})
        if r not in res["routes"] and not sts:
            continue
        stxt = " ".join(f"{k} x{v}{'' if r != 'other' and int(k) in EXPECT.get(r, ()) else ' (!)'}"
                        for k, v in sorted(sts.items())) or "none"
        sent = wr["sent"].get(r)
        g = got.get(r) if r != "badtoken-new" else None
        if r == "badtoken":
            g = f"{got.get('badtoken', 0)}*"
        tm = res.get("access_times", {}).get(r, [0, 0])
        w(f"  {r:13s} {'/'.join(str(x) for x in sorted(EXPECT.get(r, ()))) or '-':>9s} "
          f"{res['route_rps'].get(r, 0):>8.1f} {'' if sent is None else sent:>9} "
          f"{'' if g is None else g:>9} {bench.fmt_ms(tm[0]):>8s} {tm[1]:>6d}  {stxt}")
    w("  (wrk got: answers whose status and body fit the route; * = both bad-token routes; "
      "sent - got = the requests in flight when wrk stopped. max, > timeout: the slowest answer "
      "and the answers slower than wrk's --timeout, from the access log's %D: a request wrk "
      "counts as a timeout is still answered and logged)")
    un = {k: v for k, v in got.items() if k.startswith("unexpected")}
    w(f"  answers wrk could not match to any route: {un or 'none'}")
    if res["churn"]:
        ch = res["churn"]
        w(f"Create/delete thread: {ch['cycles']} cycles complete, {ch['failed']} failed; "
          f"answers {ch['answers']}")
        for p in ch["problems"]:
            w(f"  problem: {p}")
    w(f"Apache error log: {len(res['errors'])} error lines" +
      "".join(f"\n  {ln[:200]}" for ln in res["errors"][:5]))
    w("")
    w("PASS" if res["pass"] else "FAIL: " + "; ".join(res["failures"]))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
