#!/usr/bin/python3
"""bench/bench.py: the measuring half of bench/run.sh (run.sh prepares the machine, the stack
and the Apache configuration, then runs this; see bench/README.md).

It measures mod_heat (our own Apache, started and stopped here) and the Python heat-api side
by side, on the same real stack, with the method of /work/shared/peer/NOTES.md ("Anchor
figures"): every case is `wrk -t2 -c16 -d15s --timeout 10s --latency`, BENCH_RUNS times after
a warm-up, and the table shows the medians. The runs of the two servers are interleaved
(Python run 1, mod_heat run 1, Python run 2, ...) so that load from other work on the machine
hits both alike. Around every run it reads the CPU time of the server, Keystone and
heat-engine from /proc, and the whole machine's from /proc/stat.

Only the standard library; /usr/bin/python3 (the pyenv python3 on PATH lacks nothing here, but
run.sh uses Debian's anyway).
"""
import argparse
import http.client
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

CLK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))
WRK_LUA = os.path.join(HERE, "wrk.lua")
STACK_NAME = "bench-stack"
PROJECT_NAME = "mod_heat-bench"
TEMPLATE = {
    "heat_template_version": "2018-08-31",
    "description": "mod_heat bench stack (bench/bench.py)",
    "resources": {
        "rand": {"type": "OS::Heat::RandomString", "properties": {"length": 16}},
        "none": {"type": "OS::Heat::None"},
    },
    "outputs": {"value": {"value": {"get_attr": ["rand", "value"]}}},
}

# NOTES.md "Anchor figures": the Python heat-api's startup until GET / answers, heat-api
# restarted alone with the rest warm, 3 tries (console mode, 1 parent + 2 workers).
NOTES_PY_STARTUP = "console 2.45 / 2.58 / 2.92 s (median 2.58 s); uwsgi median 2.36 s"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def die(msg):
    log(f"ERROR: {msg}")
    sys.exit(1)


# ------------------------------------------------------------------------------------------
# /proc

def read_procs():
    """pid -> dict(ppid, pgrp, state, cpu ticks (utime+stime))"""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(")") + 2:].split()
        procs[int(name)] = {
            "state": rest[0],
            "ppid": int(rest[1]),
            "pgrp": int(rest[2]),
            "ticks": int(rest[11]) + int(rest[12]),
        }
    return procs


def group_pids(pgid, procs=None):
    """the live members of process group pgid (the stack starts every daemon with setsid)"""
    procs = procs or read_procs()
    return sorted(p for p, s in procs.items() if s["pgrp"] == pgid and s["state"] != "Z")


def parent_and_children(parent, procs=None):
    procs = procs or read_procs()
    if parent not in procs or procs[parent]["state"] == "Z":
        return []
    return [parent] + sorted(p for p, s in procs.items()
                             if s["ppid"] == parent and s["state"] != "Z")


def cpu_seconds(pids, procs=None):
    procs = procs or read_procs()
    return sum(procs[p]["ticks"] for p in pids if p in procs) / CLK


def machine_busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    total = sum(v[:8])  # user nice system idle iowait irq softirq steal
    return (total - v[3] - v[4]) / CLK


def memory(pids):
    """(RSS sum, PSS sum) in MiB; PSS shares each shared page among the processes that map it"""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    procs = read_procs()
    return pid in procs and procs[pid]["state"] != "Z"


def keystone_conns(port, pids):
    """established TCP connections from any of pids to 127.0.0.1:port (ss -tnp)"""
    r = subprocess.run(["ss", "-Htnp", "state", "established", f"( dport = :{port} )"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pids = set(pids)
    return sum(1 for line in r.stdout.splitlines()
               for p in re.findall(r"pid=(\d+)", line) if int(p) in pids)


def settle(port, pid_sets, bound=25.0):
    """Keystone here is uwsgi, http11-socket, 1 process x 4 threads: a keep-alive client
    connection holds one of its 4 threads until the client closes it or it has been idle for
    uwsgi's socket-timeout (4 s), and the others wait in the listen backlog. Both servers keep
    their Keystone connections alive, so right after one server's run the next one's Keystone
    calls can wait for up to (connections / 4) x 4 s. Before every run: wait until neither
    server holds an established connection to Keystone (bounded). Returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < bound:
        pids = [p for ps in pid_sets for p in ps()]
        if keystone_conns(port, pids) == 0:
            break
        time.sleep(0.25)
    return time.monotonic() - t0


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


APACHE_LINE = re.compile(r'"(?:GET|HEAD) (\S+) HTTP/1\.[01]" (\d{3}) ')
EVENTLET_LINE = re.compile(r'eventlet\.wsgi\.server .*"(?:GET|HEAD) (\S+) HTTP/1\.[01]" (\d{3}) ')


KEYSTONE_LINE = re.compile(r"\] (GET|POST|HEAD|PUT|DELETE|PATCH) (/[^ ?]*)\S* => generated ")


def keystone_calls(path, offset):
    """Keystone's requests since offset, by kind, from its uwsgi request log (everyone's:
    other tests' calls are counted too)"""
    counts = {}
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return counts
    for m in KEYSTONE_LINE.finditer(data):
        call = f"{m.group(1)} {m.group(2).rstrip('/')}"
        if call not in ("POST /v3/ec2tokens", "GET /v3/auth/tokens", "POST /v3/auth/tokens"):
            call = "other"
        counts[call] = counts.get(call, 0) + 1
    return counts


def count_statuses(path, offset, regex, path_prefix):
    """HTTP status -> count, from the server's access log lines written since offset whose
    path starts with path_prefix (our project's, so that other tests' requests are not counted).
    path_prefix may also be a function of the path (the CFN cases: /v1/?... with a marker)"""
    counts = {}
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return counts
    for m in regex.finditer(data):
        p = m.group(1)
        if callable(path_prefix):
            if path_prefix(p):
                counts[m.group(2)] = counts.get(m.group(2), 0) + 1
            continue
        if p == path_prefix or (path_prefix != "/" and p.startswith(path_prefix)):
            counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    return counts


# ------------------------------------------------------------------------------------------
# HTTP

def request(method, url, body=None, headers=None, timeout=30):
    """(status, headers dict lower-case, body bytes); no redirects followed"""
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, "/" + path, body=data, headers=hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def answers(url, timeout=1.0):
    try:
        request("GET", url, timeout=timeout)
        return True
    except (OSError, http.client.HTTPException):
        return False


def port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # as Apache binds: the TIME_WAIT connections a previous run left on the port (it closed
    # them when it stopped) do not keep Apache from listening there, so they must not fail this
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# ------------------------------------------------------------------------------------------
# Keystone and the bench stack

class Keystone:
    def __init__(self, stack):
        self.url = stack["keystone"]["auth_url"].rstrip("/")
        self.stack = stack

    def token(self, user, password, project_id):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"}, "password": password}}},
            "scope": {"project": {"id": project_id}}}}
        st, h, b = request("POST", self.url + "/auth/tokens", body)
        if st != 201:
            die(f"keystone token for {user}: HTTP {st}: {b[:300]!r}")
        return h["x-subject-token"]

    def ensure_bench_project(self, admin_tok):
        """project PROJECT_NAME with admin as member + heat_stack_owner, so the measured stack
        list holds exactly the bench stack whatever other tests do in project admin"""
        hdr = {"X-Auth-Token": admin_tok}
        st, _, b = request("GET", f"{self.url}/projects?name={PROJECT_NAME}&domain_id=default",
                        headers=hdr)
        if st != 200:
            die(f"keystone project lookup: HTTP {st}: {b[:300]!r}")
        projects = json.loads(b)["projects"]
        if projects:
            pid = projects[0]["id"]
        else:
            st, _, b = request("POST", self.url + "/projects", {"project": {
                "name": PROJECT_NAME, "domain_id": "default",
                "description": "mod_heat bench/run.sh: holds only bench-stack"}}, hdr)
            if st != 201:
                die(f"keystone project create: HTTP {st}: {b[:300]!r}")
            pid = json.loads(b)["project"]["id"]
            log(f"created keystone project {PROJECT_NAME} ({pid})")
        uid = self.stack["users"]["admin"]["user_id"]
        for role in ("member", "heat_stack_owner"):
            rid = self.stack["roles"][role]
            st, _, b = request("PUT", f"{self.url}/projects/{pid}/users/{uid}/roles/{rid}",
                            headers=hdr)
            if st not in (200, 201, 204):
                die(f"keystone role {role} on {PROJECT_NAME}: HTTP {st}: {b[:300]!r}")
        return pid

    def ensure_ec2_credential(self, admin_tok, project):
        """an EC2 credential of admin scoped to the bench project (the CFN cases; the one the
        stack registers is scoped to project admin, whose list other tests change): reused if
        it exists, made once otherwise. Returns (access, secret)"""
        uid = self.stack["users"]["admin"]["user_id"]
        url = f"{self.url}/users/{uid}/credentials/OS-EC2"
        hdr = {"X-Auth-Token": admin_tok}
        st, _, b = request("GET", url, headers=hdr)
        if st != 200:
            die(f"keystone EC2 credentials of admin: HTTP {st}: {b[:300]!r}")
        for c in sorted(json.loads(b)["credentials"], key=lambda c: c["access"]):
            if c.get("tenant_id") == project:
                return c["access"], c["secret"]
        st, _, b = request("POST", url, {"tenant_id": project}, hdr)
        if st not in (200, 201):
            die(f"keystone EC2 credential create for {PROJECT_NAME}: HTTP {st}: {b[:300]!r}")
        c = json.loads(b)["credential"]
        log(f"created an EC2 credential of admin for {PROJECT_NAME} ({c['access']})")
        return c["access"], c["secret"]


def ensure_bench_stack(api, project, tok):
    """bench-stack (RandomString + None) in a COMPLETE state; returns its id and the number of
    stacks the project's list holds"""
    base = f"{api}/v1/{project}"
    hdr = {"X-Auth-Token": tok}

    def find():
        st, _, b = request("GET", f"{base}/stacks", headers=hdr)
        if st != 200:
            die(f"stack list on {api}: HTTP {st}: {b[:300]!r}")
        stacks = json.loads(b)["stacks"]
        for s in stacks:
            if s["stack_name"] == STACK_NAME:
                return s, len(stacks)
        return None, len(stacks)

    s, n = find()
    if s and s["stack_status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return s["id"], n
    if s and not s["stack_status"].endswith("IN_PROGRESS"):
        log(f"{STACK_NAME} is {s['stack_status']}: deleting it")
        request("DELETE", f"{base}/stacks/{STACK_NAME}/{s['id']}", headers=hdr)
        for _ in range(120):
            time.sleep(1)
            s, n = find()
            if not s:
                break
    if not s:
        log(f"creating {STACK_NAME} through {api}")
        st, _, b = request("POST", f"{base}/stacks", {
            "stack_name": STACK_NAME, "template": TEMPLATE, "timeout_mins": 10}, hdr)
        if st != 201:
            die(f"stack create: HTTP {st}: {b[:500]!r}")
    for _ in range(180):
        s, n = find()
        if s and s["stack_status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return s["id"], n
        if s and s["stack_status"].endswith("FAILED"):
            die(f"{STACK_NAME}: {s['stack_status']}: {s.get('stack_status_reason')}")
        time.sleep(1)
    die(f"{STACK_NAME} did not complete in 180 s")


# ------------------------------------------------------------------------------------------
# servers: our Apache and (optionally) a private Python heat-api

class Apache:
    def __init__(self, httpd, conf, pidfile, port):
        self.httpd, self.conf, self.pidfile, self.port = httpd, conf, pidfile, port
        self.url = f"http://127.0.0.1:{port}"

    def pid(self):
        p = read_pid(self.pidfile)
        return p if p and alive(p) else None

    def pids(self):
        p = self.pid()
        return parent_and_children(p) if p else []

    def start(self):
        """seconds from `apache2 -k start` until GET / answers"""
        if self.pid():
            die(f"an Apache from {self.pidfile} is already running")
        if not port_free(self.port):
            die(f"port 127.0.0.1:{self.port} is busy")
        t0 = time.monotonic()
        r = subprocess.run([self.httpd, "-f", self.conf, "-k", "start"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            die(f"Apache did not start: {r.stdout.strip()}")
        while not answers(self.url + "/", timeout=0.5):
            if time.monotonic() - t0 > 30:
                die(f"Apache did not answer on {self.url} within 30 s (see its error log)")
            time.sleep(0.005)
        return time.monotonic() - t0

    def stop(self):
        pid = self.pid()
        if not pid:
            return
        subprocess.run([self.httpd, "-f", self.conf, "-k", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t0 = time.monotonic()
        while (alive(pid) or os.path.exists(self.pidfile)) and time.monotonic() - t0 < 20:
            time.sleep(0.05)
        if alive(pid):
            die(f"Apache {pid} did not stop within 20 s")


class PrivatePyApi:
    """A Python heat-api of our own (same heat.conf, plus an override file for the port and
    the number of workers), run as user heat in a session of its own like the stack's. Used
    to time the Python startup without touching the stack's heat-api, and, with
    BENCH_PY_WORKERS, as the Python side of the load cases."""

    def __init__(self, heat_conf, out, port, workers):
        self.heat_conf, self.port, self.workers = heat_conf, port, workers
        self.url = f"http://127.0.0.1:{port}"
        self.override = os.path.join(out, "py-heat-api.conf")
        self.logfile = os.path.join(out, "logs", "py-heat-api.log")
        self.pidfile = os.path.join(out, "py-heat-api.pid")
        self.proc = None
        with open(self.override, "w") as f:
            f.write("# written by bench/bench.py: read after the stack's heat.conf\n"
                    f"[heat_api]\nbind_host = 127.0.0.1\nbind_port = {port}\n"
                    f"workers = {workers}\n")
        os.chmod(self.override, 0o644)

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def start(self):
        if not port_free(self.port):
            die(f"port 127.0.0.1:{self.port} for the private Python heat-api is busy")
        logf = open(self.logfile, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=heat", "--regid=heat", "--init-groups", "--reset-env",
             "env", "HOME=/var/lib/heat", "USER=heat", "LOGNAME=heat", "LC_ALL=C.UTF-8",
             "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
             "/usr/bin/heat-api", "--config-file", self.heat_conf,
             "--config-file", self.override],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
            cwd="/", start_new_session=True)
        logf.close()
        with open(self.pidfile, "w") as f:
            f.write(f"{self.proc.pid}\n")
        while not answers(self.url + "/", timeout=0.5):
            if self.proc.poll() is not None:
                die(f"the private Python heat-api exited; see {self.logfile}")
            if time.monotonic() - t0 > 60:
                self.stop()
                die(f"the private Python heat-api did not answer within 60 s; see {self.logfile}")
            time.sleep(0.01)
        return time.monotonic() - t0

    def stop(self):
        if not self.proc:
            return
        pgid = self.proc.pid
        for sig, bound in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                pass
            t0 = time.monotonic()
            while time.monotonic() - t0 < bound:
                self.proc.poll()
                if not group_pids(pgid):
                    break
                time.sleep(0.1)
            if not group_pids(pgid):
                break
        self.proc.wait()
        self.proc = None
        try:
            os.unlink(self.pidfile)
        except OSError:
            pass


# ------------------------------------------------------------------------------------------
# wrk

def run_wrk(args, url, token=None, random_token=None, duration=None, tag="", headers=None):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}", f"-d{duration or args.duration}s",
           "--timeout", f"{args.timeout}s", "--latency", "-s", WRK_LUA]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if token:
        cmd += ["-H", f"X-Auth-Token: {token}"]
    cmd.append(url)
    env = dict(os.environ)
    env.pop("BENCH_RANDOM_TOKEN", None)
    if random_token:
        env["BENCH_RANDOM_TOKEN"] = str(random_token)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                       timeout=(duration or args.duration) + args.timeout + 60)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(args.out, "wrk.log"), "a") as f:
        shown = " ".join(cmd).replace(token, "<token>") if token else " ".join(cmd)
        shown = re.sub(r"Signature=[^&\s]+", "Signature=<signature>", shown)
        f.write(f"===== {time.strftime('%F %T')} {tag}\n$ {shown}\n{r.stdout}\n")
    m = re.search(r"^BENCH_JSON (\{.*\})$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        die(f"wrk failed ({tag}): {r.stdout[-500:]}")
    res = json.loads(m.group(1))
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["wrk_cpu"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return res


# ------------------------------------------------------------------------------------------

CASES = {
    "a": "GET / (300 versions doc, no auth)",
    "b": "GET /v1/{p}/stacks, valid token",
    "c": "GET /v1/{p}/stacks/bench-stack/{id}",
    "d": "GET /v1/{p}/stacks, invalid token (401)",
    "e": "as d, a new invalid token per request",
    "f": "CFN DescribeStacks bench-stack, SigV2",
    "g": "CFN ListStacks, SigV2",
    "h": "CFN DescribeStacks, X-Auth-User + token",
}
EXPECT = {"a": 300, "b": 200, "c": 200, "d": 401, "e": 401, "f": 200, "g": 200, "h": 200}
# served by heat-api-cfn / mod_heat's heat-api-cfn vhost (the others by heat-api)
CFN_CASES = ("f", "g", "h")
CFN_DESCRIBE = {"Action": "DescribeStacks", "StackName": STACK_NAME}
CFN_LIST = {"Action": "ListStacks"}


def cfn_signed_url(base, params, access, secret):
    """a SignatureVersion 2 (HmacSHA256) signed GET /v1/ URL for the server at base, as
    test/stack/stack-helper.py cfn_request makes it (keystoneclient's Ec2Signer, installed
    with heat). The signature covers the host:port, so each server gets its own URL; the
    Timestamp makes it valid for about 15 minutes on Keystone (credential.auth_ttl), so it is
    made afresh for every warm-up and run, and wrk replays it unchanged."""
    try:
        from keystoneclient.contrib.ec2.utils import Ec2Signer
    except ImportError:
        die("the CFN cases need keystoneclient (python3-keystoneclient, installed with heat)")
    params = dict(params, AWSAccessKeyId=access, SignatureMethod="HmacSHA256",
                  SignatureVersion="2", Version="2010-05-15",
                  Timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    host = base[len("http://"):].rstrip("/")
    params["Signature"] = Ec2Signer(secret).generate(
        {"host": host, "verb": "GET", "path": "/v1/", "params": params})
    return f"{base}/v1/?{urllib.parse.urlencode(params)}"


def case_headers(case, ctx):
    """headers besides X-Auth-Token (case h: heat's ec2token lets an unsigned request with
    X-Auth-User through to authtoken, which checks the X-Auth-Token)"""
    return {"X-Auth-User": ctx["cfn_user"]} if case == "h" else {}


def case_filter(case, ctx):
    """which access log paths are this case's requests (other tests' are not counted)"""
    if case in ("f", "g"):
        action = "Action=" + ("DescribeStacks" if case == "f" else "ListStacks")
        return lambda p: (p.startswith("/v1/?") and action in p
                          and "AWSAccessKeyId=" + ctx["ec2_access"] in p)
    if case == "h":
        return lambda p: p == "/v1/?" + urllib.parse.urlencode(CFN_DESCRIBE)
    return "/" if case == "a" else f"/v1/{ctx['project']}/stacks"


def case_request(case, base, ctx):
    """(url, token, random_token_len)"""
    p = ctx["project"]
    if case == "a":
        return base + "/", None, None
    if case == "b":
        return f"{base}/v1/{p}/stacks", ctx["token"], None
    if case == "c":
        return f"{base}/v1/{p}/stacks/{STACK_NAME}/{ctx['stack_id']}", ctx["token"], None
    if case == "d":
        return f"{base}/v1/{p}/stacks", ctx["invalid_token"], None
    if case == "e":
        return f"{base}/v1/{p}/stacks", None, len(ctx["token"])
    if case in ("f", "g"):
        return cfn_signed_url(base, CFN_DESCRIBE if case == "f" else CFN_LIST,
                              ctx["ec2_access"], ctx["ec2_secret"]), None, None
    if case == "h":
        return f"{base}/v1/?{urllib.parse.urlencode(CFN_DESCRIBE)}", ctx["token"], None
    raise ValueError(case)


def check_case(case, name, base, ctx):
    url, tok, rnd = case_request(case, base, ctx)
    if rnd:
        tok = "gAAAAAB" + "%010d" % (time.time_ns() % 10**10) + "y" * (rnd - 17)
    hdrs = case_headers(case, ctx)
    if tok:
        hdrs["X-Auth-Token"] = tok
    try:
        st, _, b = request("GET", url, headers=hdrs, timeout=60)
    except (OSError, http.client.HTTPException) as e:
        die(f"case {case} on {name}: no answer ({e!r}); is the stack being restarted?")
    if st != EXPECT[case]:
        die(f"case {case} on {name}: expected HTTP {EXPECT[case]}, got {st}: {b[:300]!r}")
    if case == "b":
        return len(json.loads(b)["stacks"])
    if case in CFN_CASES:
        return cfn_summary(case, name, b)
    return None


def cfn_summary(case, name, body):
    """the stacks an AWS XML DescribeStacks / ListStacks answer names: [(name, id, status)]"""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        die(f"case {case} on {name}: the answer is not XML ({e}): {body[:300]!r}")
    out = []
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] not in ("member",):
            continue
        f = {c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in el}
        if "StackName" in f:
            out.append((f["StackName"], f.get("StackId", ""), f.get("StackStatus", "")))
    return out


def fmt_ms(us):
    ms = us / 1000
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def fmt_rps(v):
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        # print the report of a saved results-*.json again (e.g. after the report changed)
        with open(sys.argv[2]) as f:
            res = json.load(f)
        print(render(res, res["settings"]["cases"].split()), end="")
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack-json", required=True)
    ap.add_argument("--stack-dir", required=True)
    ap.add_argument("--heat-conf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--httpd", required=True)
    ap.add_argument("--httpd-conf", required=True)
    ap.add_argument("--httpd-pidfile", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cfn-port", type=int, default=0, help="mod_heat's heat-api-cfn vhost")
    ap.add_argument("--apache-desc", required=True)
    ap.add_argument("--py-url", required=True, help="the stack's Python heat-api")
    ap.add_argument("--py-workers", type=int, default=0,
                    help="0: measure the stack's heat-api; N: a private one with N workers")
    ap.add_argument("--py-port", type=int, default=0, help="port of the private heat-api")
    ap.add_argument("--py-startup", type=int, default=1)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--conns", type=int, default=16)
    ap.add_argument("--timeout", type=int, default=10)
    ap.add_argument("--startup-tries", type=int, default=3)
    ap.add_argument("--cases", default="a b c d e f g h")
    ap.add_argument("--command", default="bench/run.sh")
    args = ap.parse_args()
    cases = args.cases.split()
    for c in cases:
        if c not in CASES:
            die(f"unknown case {c} (known: {' '.join(CASES)})")

    with open(args.stack_json) as f:
        stack = json.load(f)
    run_dir = os.path.join(args.stack_dir, "run")
    ks_pgid = read_pid(os.path.join(run_dir, "keystone.pid"))
    engine_pgid = read_pid(os.path.join(run_dir, "heat-engine.pid"))
    stack_py_pgid = read_pid(os.path.join(run_dir, "heat-api.pid"))
    cfn_pgid = read_pid(os.path.join(run_dir, "heat-api-cfn.pid"))
    shim_pgid = read_pid(os.path.join(run_dir, "ec2-shim.pid"))
    with_cfn = any(c in CFN_CASES for c in cases)
    if with_cfn and not args.cfn_port:
        die("the CFN cases need --cfn-port (mod_heat's heat-api-cfn vhost)")
    if with_cfn:
        for n, pg in (("heat-api-cfn", cfn_pgid), ("ec2-shim", shim_pgid)):
            if not (pg and group_pids(pg)):
                die(f"the CFN cases need the stack's Python {n} (run/{n}.pid; stack.sh start "
                    "--with-python-api)")
    if not (ks_pgid and group_pids(ks_pgid)):
        die("keystone is not running (run/keystone.pid)")
    if not (engine_pgid and group_pids(engine_pgid)):
        die("heat-engine is not running (run/heat-engine.pid)")

    apache = Apache(args.httpd, args.httpd_conf, args.httpd_pidfile, args.port)
    results = {
        "date": time.strftime("%F %T %z"),
        "command": args.command,
        "settings": {k: getattr(args, k) for k in (
            "duration", "runs", "warmup", "threads", "conns", "timeout", "startup_tries",
            "cases", "py_workers")},
        "machine": {"nproc": os.cpu_count(), "loadavg_start": open("/proc/loadavg").read().split()[:3]},
    }
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        results["machine"]["cpu"] = m.group(1) if m else "?"

    # ---- startup: mod_heat (Apache start until GET / answers), the last one stays up -------
    st_mh = []
    for i in range(args.startup_tries):
        if i:
            apache.stop()
            time.sleep(0.5)
        st_mh.append(apache.start())
        log(f"mod_heat startup {i + 1}/{args.startup_tries}: {st_mh[-1]:.3f} s")
    mh_fresh = memory(apache.pids())
    mh_nprocs = len(apache.pids())

    # ---- startup: a private Python heat-api (the stack's own is never restarted) -----------
    st_py = []
    private = None
    if args.py_startup or args.py_workers:
        private = PrivatePyApi(args.heat_conf, args.out, args.py_port, args.py_workers or 1)
    try:
        if args.py_startup:
            for i in range(args.startup_tries):
                st_py.append(private.start())
                log(f"Python heat-api (private, workers={private.workers}) startup "
                    f"{i + 1}/{args.startup_tries}: {st_py[-1]:.3f} s")
                if i < args.startup_tries - 1 or not args.py_workers:
                    private.stop()
                    time.sleep(0.5)
        if args.py_workers:
            if not private.proc:
                private.start()
            py_url = private.url
            py_pids = private.pids
            py_log = private.logfile
            py_desc = f"private heat-api :{args.py_port}, workers={args.py_workers}"
        else:
            if not (stack_py_pgid and group_pids(stack_py_pgid)):
                die("the stack's Python heat-api is not running (run/heat-api.pid)")
            py_url = args.py_url
            py_pids = lambda: group_pids(stack_py_pgid)  # noqa: E731
            py_log = os.path.join(args.stack_dir, "log", "heat-api.log")
            py_desc = f"stack's heat-api {py_url.split('//')[1]}"
        py_desc += f", {len(py_pids())} proc"
        mh_desc = f"{args.apache_desc}, {mh_nprocs} proc"
        py_before = memory(py_pids())

        # ---- keystone, project, stack ----------------------------------------------------
        ks = Keystone(stack)
        admin = stack["users"]["admin"]
        admin_tok = ks.token("admin", admin["password"], admin["project_id"])
        project = ks.ensure_bench_project(admin_tok)
        token = ks.token("admin", admin["password"], project)
        create_api = py_url if answers(py_url + "/") else apache.url
        stack_id, nstacks = ensure_bench_stack(create_api, project, token)
        # an invalid token that looks like the real one (same length, fernet prefix, bad HMAC)
        invalid = token[:20] + ("A" if token[20] != "A" else "B") * 40 + token[60:]
        ctx = {"project": project, "token": token, "stack_id": stack_id,
               "invalid_token": invalid, "cfn_user": "admin"}
        log(f"project {PROJECT_NAME} {project}: {nstacks} stack(s); {STACK_NAME} {stack_id}")
        results["project"] = {"name": PROJECT_NAME, "id": project, "stacks": nstacks}
        if with_cfn:
            ctx["ec2_access"], ctx["ec2_secret"] = ks.ensure_ec2_credential(admin_tok, project)

        mh_log = os.path.join(args.out, "logs", "access.log")
        targets = [("py", "Python", py_url, py_pids, py_log, EVENTLET_LINE),
                   ("mh", "mod_heat", apache.url, apache.pids, mh_log, APACHE_LINE)]
        # the CFN cases: the stack's Python heat-api-cfn (with its ec2 shim in front of
        # Keystone's /v3/ec2tokens) and mod_heat's heat-api-cfn vhost of the same Apache
        cfn_py_url = f"http://127.0.0.1:{stack['python_api']['cfn_port']}"
        cfn_py_pids = lambda: group_pids(cfn_pgid)  # noqa: E731
        shim_pids = lambda: group_pids(shim_pgid) if shim_pgid else []  # noqa: E731
        cfn_targets = [("py", "Python", cfn_py_url, cfn_py_pids,
                        os.path.join(args.stack_dir, "log", "heat-api-cfn.log"), EVENTLET_LINE),
                       ("mh", "mod_heat", f"http://127.0.0.1:{args.cfn_port}", apache.pids,
                        mh_log, APACHE_LINE)]
        ks_port = int(stack["keystone"]["port"])
        ks_log = os.path.join(stack.get("logs") or os.path.join(args.stack_dir, "log"),
                              "keystone.log")
        all_pids = [py_pids, apache.pids] + ([cfn_py_pids, shim_pids] if with_cfn else [])
        py_cfn_before = memory(cfn_py_pids()) if with_cfn else None
        results["cfn"] = {}
        for c in cases:
            seen = {}
            for key, name, base, *_ in (cfn_targets if c in CFN_CASES else targets):
                n = check_case(c, name, base, ctx)
                if c == "b" and n != nstacks:
                    die(f"{name} lists {n} stacks, expected {nstacks}")
                if c in CFN_CASES:
                    seen[name] = n
            if c in CFN_CASES:
                # both must name the same stacks (name, ARN with the same id, status)
                if seen["Python"] != seen["mod_heat"]:
                    die(f"case {c}: the servers' answers differ: Python {seen['Python']}, "
                        f"mod_heat {seen['mod_heat']}")
                if (len(seen["Python"]) != 1 or seen["Python"][0][0] != STACK_NAME
                        or not seen["Python"][0][1].endswith("/" + stack_id)):
                    die(f"case {c}: expected only {STACK_NAME} ({stack_id}), got {seen['Python']}")
                results["cfn"][c] = seen["Python"]
                log(f"case {c}: both answer 200 naming {seen['Python']}")

        # ---- the load cases -------------------------------------------------------------
        results["cases"] = {}
        stack_pids = {n: read_pid(os.path.join(run_dir, f"{n}.pid"))
                      for n in ("keystone", "heat-engine", "heat-api", "rabbitmq", "mariadb")
                      + (("heat-api-cfn", "ec2-shim") if with_cfn else ())}

        def stack_unchanged():
            for n, p in stack_pids.items():
                if read_pid(os.path.join(run_dir, f"{n}.pid")) != p or not (p and alive(p)):
                    die(f"the stack's {n} was restarted or stopped during the bench (by someone "
                        "else?): the figures would mix states; rerun")

        for c in cases:
            stack_unchanged()
            log(f"case {c}: {CASES[c]}")
            res = {k: {"runs": [], "cpu": {}, "statuses": {}, "settle": 0.0}
                   for k in ("py", "mh")}
            prefix = case_filter(c, ctx)
            hdrs = case_headers(c, ctx)
            case_targets = cfn_targets if c in CFN_CASES else targets
            for key, name, base, *_ in case_targets:
                url, tok, rnd = case_request(c, base, ctx)
                if args.warmup > 0:
                    settle(ks_port, all_pids)
                    run_wrk(args, url, tok, rnd, duration=args.warmup, tag=f"{c} {name} warm-up",
                            headers=hdrs)
            cpu = {k: {"server": 0.0, "keystone": 0.0, "engine": 0.0, "machine": 0.0,
                       "wrk": 0.0, "wall": 0.0, "shim": 0.0} for k in ("py", "mh")}
            for key in ("py", "mh"):
                res[key]["keystone_calls"] = {}
            for i in range(args.runs):
                for key, name, base, pids_of, logf, line_re in case_targets:
                    url, tok, rnd = case_request(c, base, ctx)
                    res[key]["settle"] += settle(ks_port, all_pids)
                    log_off = log_size(logf)
                    ks_off = log_size(ks_log)
                    procs = read_procs()
                    spids = pids_of()
                    kpids = group_pids(ks_pgid, procs)
                    epids = group_pids(engine_pgid, procs)
                    hpids = group_pids(shim_pgid, procs) if shim_pgid else []
                    s0 = cpu_seconds(spids, procs)
                    k0 = cpu_seconds(kpids, procs)
                    e0 = cpu_seconds(epids, procs)
                    h0 = cpu_seconds(hpids, procs)
                    m0 = machine_busy_seconds()
                    t0 = time.monotonic()
                    r = run_wrk(args, url, tok, rnd, tag=f"{c} {name} run {i + 1}", headers=hdrs)
                    t1 = time.monotonic()
                    procs = read_procs()
                    cpu[key]["server"] += cpu_seconds(spids, procs) - s0
                    cpu[key]["keystone"] += cpu_seconds(kpids, procs) - k0
                    cpu[key]["engine"] += cpu_seconds(epids, procs) - e0
                    cpu[key]["shim"] += cpu_seconds(hpids, procs) - h0
                    for call, n in keystone_calls(ks_log, ks_off).items():
                        kc = res[key]["keystone_calls"]
                        kc[call] = kc.get(call, 0) + n
                    cpu[key]["machine"] += machine_busy_seconds() - m0
                    cpu[key]["wrk"] += r["wrk_cpu"]
                    cpu[key]["wall"] += t1 - t0
                    res[key]["runs"].append(r)
                    time.sleep(0.3)  # the last access log lines
                    st = count_statuses(logf, log_off, line_re, prefix)
                    for code, n in st.items():
                        res[key]["statuses"][code] = res[key]["statuses"].get(code, 0) + n
                    log(f"  {name:8s} run {i + 1}: {r['rps']:.1f} req/s, p50 {fmt_ms(r['p50'])}, "
                        f"p99 {fmt_ms(r['p99'])}, statuses {st}, timeouts {r['timeout']}")
            for key in ("py", "mh"):
                runs = res[key]["runs"]
                res[key]["median"] = {
                    m: statistics.median(r[m] for r in runs) for m in ("rps", "p50", "p99")}
                res[key]["spread"] = [min(r["rps"] for r in runs), max(r["rps"] for r in runs)]
                res[key]["errors"] = {e: sum(r[e] for r in runs)
                                      for e in ("connect", "read", "write", "timeout", "status")}
                res[key]["requests"] = sum(r["requests"] for r in runs)
                res[key]["cpu"] = cpu[key]
            results["cases"][c] = res

        stack_unchanged()
        # ---- memory after the load ------------------------------------------------------
        results["memory"] = {
            "mh_fresh": mh_fresh, "mh_after": memory(apache.pids()),
            "mh_nprocs": len(apache.pids()),
            "py_before": py_before, "py_after": memory(py_pids()), "py_nprocs": len(py_pids()),
        }
        if with_cfn:
            results["memory"].update({
                "py_cfn_before": py_cfn_before, "py_cfn_after": memory(cfn_py_pids()),
                "py_cfn_nprocs": len(cfn_py_pids())})
        results["startup"] = {"mh": st_mh, "py_private": st_py,
                              "py_private_workers": private.workers if private else None}
        results["desc"] = {"py": py_desc, "mh": mh_desc}
        if with_cfn:
            results["desc"]["py_cfn"] = (
                f"stack's heat-api-cfn {cfn_py_url.split('//')[1]}, {len(cfn_py_pids())} proc, "
                f"via the ec2 shim :{stack['python_api'].get('ec2_shim_port', '?')} to Keystone")
            results["desc"]["mh_cfn"] = f"the same Apache, heat-api-cfn vhost :{args.cfn_port}"
        results["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    finally:
        if private:
            private.stop()
        # Apache is stopped by run.sh (its trap), also when this script fails

    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(args.out, f"results-{stamp}.json"), "w") as f:
        json.dump(results, f, indent=1)
    report = render(results, cases)
    with open(os.path.join(args.out, f"report-{stamp}.txt"), "w") as f:
        f.write(report)
    print(report)
    log(f"saved {args.out}/results-{stamp}.json and report-{stamp}.txt; raw wrk output in "
        f"{args.out}/wrk.log")


def render(res, cases):
    s = res["settings"]
    out = []
    w = out.append
    w(f"mod_heat vs Python heat-api: {res['date']}, {res['machine']['nproc']} cores "
      f"({res['machine']['cpu']}), load average at start {' '.join(res['machine']['loadavg_start'])}"
      f", at end {' '.join(res['machine']['loadavg_end'])}")
    w(f"wrk -t{s['threads']} -c{s['conns']} -d{s['duration']}s --timeout {s['timeout']}s --latency;"
      f" {s['runs']} run(s) per server after a {s['warmup']} s warm-up, interleaved; medians")
    w(f"Python:   {res['desc']['py']}")
    w(f"mod_heat: {res['desc']['mh']}")
    if "py_cfn" in res["desc"]:
        w(f"CFN (f-h): Python: {res['desc']['py_cfn']}; mod_heat: {res['desc']['mh_cfn']}")
    w(f"project {res['project']['name']} holds {res['project']['stacks']} stack(s)")
    w("")
    hdr = (f"{'case':44s} | {'Python req/s':>12s} {'p50':>9s} {'p99':>9s} | "
           f"{'mod_heat req/s':>14s} {'p50':>9s} {'p99':>9s} | {'ratio':>7s}")
    w(hdr)
    w("-" * len(hdr))
    for c in cases:
        r = res["cases"][c]
        py, mh = r["py"]["median"], r["mh"]["median"]
        ratio = mh["rps"] / py["rps"] if py["rps"] else float("inf")
        w(f"{c + ' ' + CASES[c]:44s} | {fmt_rps(py['rps']):>12s} {fmt_ms(py['p50']):>9s} "
          f"{fmt_ms(py['p99']):>9s} | {fmt_rps(mh['rps']):>14s} {fmt_ms(mh['p50']):>9s} "
          f"{fmt_ms(mh['p99']):>9s} | {ratio:>6.1f}x")
    w("")
    w("Per case and server: req/s spread over the runs (min-max); requests wrk completed; HTTP "
      "statuses from the server's access log ((!) = not the expected one; for a, Python's count "
      "may include other clients' GET /); wrk socket errors; seconds waited before the runs for "
      "Keystone connections to drain (see README)")
    for c in cases:
        r = res["cases"][c]
        for key, name in (("py", "Python"), ("mh", "mod_heat")):
            lo, hi = r[key]["spread"]
            e = r[key]["errors"]
            errs = ", ".join(f"{k} {v}" for k, v in e.items() if v and k != "status")
            sts = " ".join(f"{k} x{v}{'' if int(k) == EXPECT[c] else ' (!)'}"
                           for k, v in sorted(r[key]["statuses"].items()))
            w(f"  {c} {name:8s} {fmt_rps(lo):>6s}-{fmt_rps(hi):<6s} {r[key]['requests']:>7d} req; "
              f"{sts or 'no log lines'}; wrk errors: {errs or 'none'}; "
              f"settle {r[key]['settle']:.1f} s")
    w("")
    w("CPU seconds during the measured runs of each case (summed over the runs; from /proc):")
    shim = any(c in CFN_CASES for c in cases)
    w(f"  {'case':6s} {'server':>22s} {'keystone':>9s} {'heat-engine':>11s} {'wrk':>6s} "
      f"{'whole machine':>13s} {'wall':>6s} {'server ms/req':>14s} {'keystone ms/req':>16s}"
      + (f" {'ec2-shim':>8s} {'shim ms/req':>11s}" if shim else ""))
    for c in cases:
        r = res["cases"][c]
        for key, name in (("py", "Python"), ("mh", "mod_heat")):
            cp = r[key]["cpu"]
            n = r[key]["requests"]
            per = f"{1000 * cp['keystone'] / n:.2f}" if n else "-"
            sper = f"{1000 * cp['server'] / n:.3f}" if n else "-"
            hper = f"{1000 * cp.get('shim', 0) / n:.2f}" if n else "-"
            w(f"  {c:6s} {name + ' ' + format(cp['server'], '.1f'):>22s} {cp['keystone']:>9.1f} "
              f"{cp['engine']:>11.1f} {cp['wrk']:>6.1f} {cp['machine']:>13.1f} "
              f"{cp['wall']:>6.1f} {sper:>14s} {per:>16s}"
              + (f" {cp.get('shim', 0):>8.1f} {hper:>11s}" if shim else ""))
    w("  (ms/req: CPU per request wrk completed. The whole-machine figure includes everything"
      " else running, e.g. other test suites; 2 cores give 2 s per wall second. Keystone and"
      " engine figures include their work for anyone else too: case a, which needs neither,"
      " shows that background)")
    if shim:
        w("  (CFN cases f-h: the Python server is heat-api-cfn, mod_heat's the same Apache; ec2-shim"
          " is the stack's Python proxy that adds a service token to the Python heat-api-cfn's"
          " /v3/ec2tokens calls, needed with this Keystone: part of the Python side's cost, not"
          " counted in its server column)")
    if any(res["cases"][c]["py"].get("keystone_calls") is not None for c in cases):
        w("")
        w("Keystone requests during the measured runs (its uwsgi request log; anyone's, so other"
          " clients' calls count too), and per request wrk completed:")
        for c in cases:
            for key, name in (("py", "Python"), ("mh", "mod_heat")):
                kc = res["cases"][c][key].get("keystone_calls")
                if kc is None:
                    continue
                n = res["cases"][c][key]["requests"]
                parts = [f"{k} {kc[k]}" + (f" ({kc[k] / n:.2f}/req)" if n else "")
                         for k in ("POST /v3/ec2tokens", "GET /v3/auth/tokens",
                                   "POST /v3/auth/tokens", "other") if kc.get(k)]
                w(f"  {c} {name:8s} {'; '.join(parts) or 'none'}")
    w("")
    mem = res["memory"]
    w("Memory (MiB; RSS counts shared pages in every process, PSS divides them):")
    w(f"  Python heat-api ({mem['py_nprocs']} proc): RSS {mem['py_before'][0]:.1f} before the "
      f"load, {mem['py_after'][0]:.1f} after (PSS {mem['py_before'][1]:.1f} / "
      f"{mem['py_after'][1]:.1f})")
    if "py_cfn_after" in mem:
        w(f"  Python heat-api-cfn ({mem['py_cfn_nprocs']} proc): RSS {mem['py_cfn_before'][0]:.1f} "
          f"before the load, {mem['py_cfn_after'][0]:.1f} after (PSS {mem['py_cfn_before'][1]:.1f}"
          f" / {mem['py_cfn_after'][1]:.1f}); mod_heat serves both APIs from the one Apache")
    w(f"  mod_heat Apache ({mem['mh_nprocs']} proc): RSS {mem['mh_fresh'][0]:.1f} fresh, "
      f"{mem['mh_after'][0]:.1f} after (PSS {mem['mh_fresh'][1]:.1f} / {mem['mh_after'][1]:.1f})")
    if mem["mh_after"][0]:
        w(f"  ratio after the load: RSS {mem['py_after'][0] / mem['mh_after'][0]:.1f}x less for "
          f"mod_heat, PSS {mem['py_after'][1] / mem['mh_after'][1]:.1f}x less")
    w("")
    st = res["startup"]
    w("Startup until GET / answers (median of the tries):")
    w(f"  mod_heat (apache2 -k start, the rest of the stack warm): "
      f"{statistics.median(st['mh']):.3f} s  [{' / '.join(f'{x:.3f}' for x in st['mh'])}]")
    if st["py_private"]:
        w(f"  Python heat-api (a private instance started alone on its own port, "
          f"workers={st['py_private_workers']}; the stack's heat-api is not restarted): "
          f"{statistics.median(st['py_private']):.2f} s  "
          f"[{' / '.join(f'{x:.2f}' for x in st['py_private'])}]")
    w(f"  Python heat-api per NOTES.md (restarted alone, rest warm): {NOTES_PY_STARTUP}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
