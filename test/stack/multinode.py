#!/usr/bin/python3
"""multinode.py: two mod_heat nodes on one machine, the way a cloud runs its API tier on
several controllers, built only from Debian's packages and the reference stack of stack.sh.

    test/stack/multinode.sh start          # everything below; idempotent
    test/stack/multinode.sh stop           # stops what it started, by PID, in reverse order
    test/stack/multinode.sh status
    test/stack/multinode.sh stop-service rabbit-a     # one piece (start brings it back)

What runs (all on 127.0.0.1, ports chosen by the kernel on the first start and then kept in
$HEAT_MULTINODE_DIR/multinode.json):

    epmd                 the Erlang port mapper of the two brokers (its own port)
    rabbit-a, rabbit-b   RabbitMQ nodes mhA@localhost and mhB@localhost, one cluster
                         (join_cluster), policy ha-all on vhost heat (mirrored queues)
    memcached            the token cache both Apache nodes share
    keystone-proxy       counts Keystone's token validations (test tooling), in front of the
                         stack's Keystone; it also points the catalog's orchestration URLs at
                         HAProxy, so that openstackclient goes through it
    engine-1, engine-2   heat-engine on database heat_multinode, both brokers in transport_url
    node-a, node-b       Apache httpd with mod_heat, the same heat.conf, their own server roots
    haproxy              in front of node-a and node-b, health-checked on /healthcheck

Needs root, the stack of test/stack/stack.sh (its MariaDB and Keystone) and build/mod_heat.so
(MOD_HEAT_SO to use another). Nothing outside $HEAT_MULTINODE_DIR is written, apart from the
database heat_multinode in the stack's MariaDB.
"""

import hashlib
import http.client
import http.server
import json
import os
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STATE = os.environ.get('HEAT_MULTINODE_DIR', '/var/tmp/mod_heat-multinode')
STACK_DIR = os.environ.get('HEAT_STACK_DIR', '/var/tmp/mod_heat-stack')
MODULE_SO = os.environ.get('MOD_HEAT_SO', os.path.join(REPO, 'build', 'mod_heat.so'))
PYTHON3 = '/usr/bin/python3'
RABBIT_BIN = '/usr/lib/rabbitmq/bin'
APACHE_MODULES = '/usr/lib/apache2/modules'
RABBIT_PASSWORD = 'rabbit-secret'          # the stack's, so the same heat.conf habits apply
NODES = {'a': 'mhA@localhost', 'b': 'mhB@localhost'}
# start order; stop goes the other way
SERVICES = ('epmd', 'rabbit-a', 'rabbit-b', 'memcached', 'keystone-proxy', 'engine-1', 'engine-2',
            'node-a', 'node-b', 'haproxy')
# the engines' database in the stack's MariaDB (the tests use one of their own)
DATABASE = os.environ.get('HEAT_MULTINODE_DB', 'heat_multinode')
CLEAN_ENV = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}


class MultinodeError(RuntimeError):
    pass


def say(msg):
    print('multinode: %s' % msg, flush=True)


def path(*parts):
    return os.path.join(STATE, *parts)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def port_answers(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(what, cond, timeout, pid=None, hint=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        if pid is not None and not pid_alive(pid):
            raise MultinodeError('%s: the process exited%s' % (what, ' (see %s)' % hint if hint else ''))
        time.sleep(0.2)
    raise MultinodeError('%s: not ready after %d s%s' % (what, timeout, ' (see %s)' % hint if hint else ''))


# -- state ------------------------------------------------------------------------------------

def load_facts():
    try:
        with open(path('multinode.json')) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def stack_facts():
    with open(os.path.join(STACK_DIR, 'stack.json')) as f:
        return json.load(f)


def new_facts():
    ports = {k: free_port() for k in ('epmd', 'rabbit_a', 'rabbit_a_dist', 'rabbit_b', 'rabbit_b_dist',
                                       'memcached', 'keystone_proxy', 'node_a', 'node_b', 'haproxy',
                                       'haproxy_stats')}
    if len(set(ports.values())) != len(ports):
        return new_facts()
    facts = {'state_dir': STATE, 'ports': ports, 'rabbit_nodes': NODES,
             'memcache_secret_key': secrets.token_hex(16), 'erlang_cookie': secrets.token_hex(16).upper(),
             'database': DATABASE}
    os.makedirs(STATE, exist_ok=True)
    with open(path('multinode.json'), 'w') as f:
        json.dump(facts, f, indent=2, sort_keys=True)
    os.chmod(path('multinode.json'), 0o600)
    return facts


# -- processes (ours only: by the PID in our PID file, checked against its command line) --------

def pid_file(name):
    return path('pids', name + '.pid')


def pid_alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def pid_of(name):
    """The PID of our service `name`, when it still runs and is ours (its command line or its
    environment names our state directory)."""
    try:
        with open(pid_file(name)) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    if not pid_alive(pid):
        return None
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            cmdline = f.read()
        with open('/proc/%d/environ' % pid, 'rb') as f:
            environ = f.read()
    except OSError:
        return None
    return pid if STATE.encode() in cmdline + environ else None


def spawn(name, args, user=None, env=None, cwd='/'):
    """Starts `args` in a session of its own, output to logs/<name>.log; records its PID."""
    os.makedirs(path('pids'), exist_ok=True)
    os.makedirs(path('logs'), exist_ok=True)
    full_env = dict(CLEAN_ENV, HEAT_MULTINODE_DIR=STATE)
    full_env.update(env or {})
    if user and os.geteuid() == 0:
        args = ['setpriv', '--reuid=' + user, '--regid=' + user, '--init-groups'] + list(args)
    with open(path('logs', name + '.log'), 'ab') as log:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=full_env, cwd=cwd, start_new_session=True)
    with open(pid_file(name), 'w') as f:
        f.write('%d\n' % proc.pid)
    return proc.pid


def stop_pid(name, timeout=60, sig=signal.SIGTERM):
    pid = pid_of(name)
    if pid is None:
        return False
    os.kill(pid, sig)
    deadline = time.time() + timeout
    while pid_alive(pid):
        try:
            os.waitpid(pid, os.WNOHANG)     # our own child when started by this process
        except ChildProcessError:
            pass
        if time.time() > deadline:
            raise MultinodeError('%s (PID %d) still runs %d s after signal %d' % (name, pid, timeout, sig))
        time.sleep(0.1)
    return True


# -- RabbitMQ -----------------------------------------------------------------------------------

def rabbit_env(facts, node):
    p = facts['ports']
    d = path('rabbit-' + node)
    return {
        'HOME': path('rabbit-home'),
        'ERL_EPMD_PORT': str(p['epmd']),
        'ERL_EPMD_ADDRESS': '127.0.0.1',
        'RABBITMQ_CONF_ENV_FILE': os.path.join(d, 'rabbitmq-env.conf'),
        'RABBITMQ_NODENAME': NODES[node],
        'RABBITMQ_NODE_IP_ADDRESS': '127.0.0.1',
        'RABBITMQ_NODE_PORT': str(p['rabbit_' + node]),
        'RABBITMQ_DIST_PORT': str(p['rabbit_%s_dist' % node]),
        'RABBITMQ_MNESIA_BASE': os.path.join(d, 'mnesia'),
        'RABBITMQ_LOG_BASE': os.path.join(d, 'log'),
        'RABBITMQ_CONFIG_FILE': os.path.join(d, 'rabbitmq.conf'),
        'RABBITMQ_ADVANCED_CONFIG_FILE': os.path.join(d, 'advanced.config'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(d, 'enabled_plugins'),
        'RABBITMQ_PID_FILE': os.path.join(d, 'rabbitmq.pid'),
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS': '-kernel inet_dist_use_interface {127,0,0,1}',
        'RABBITMQ_CTL_ERL_ARGS': '-kernel inet_dist_use_interface {127,0,0,1}',
    }


def write_rabbit_files(facts, node):
    d = path('rabbit-' + node)
    home = path('rabbit-home')
    for sub in (d, os.path.join(d, 'mnesia'), os.path.join(d, 'log'), home):
        os.makedirs(sub, exist_ok=True)
        chown(sub, 'rabbitmq')
    cookie = os.path.join(home, '.erlang.cookie')
    if not os.path.exists(cookie):
        with open(cookie, 'w') as f:
            f.write(facts['erlang_cookie'])
        chown(cookie, 'rabbitmq')
        os.chmod(cookie, 0o400)
    files = {
        'rabbitmq-env.conf': '',
        'advanced.config': '[].\n',
        'enabled_plugins': '[].\n',
        'rabbitmq.conf': '\n'.join([
            'listeners.tcp.1 = 127.0.0.1:%d' % facts['ports']['rabbit_' + node],
            'default_vhost = heat',
            'default_user = heat',
            'default_pass = ' + RABBIT_PASSWORD,
            'default_permissions.configure = .*',
            'default_permissions.read = .*',
            'default_permissions.write = .*',
            # two nodes: pause_minority would pause the survivor too
            'cluster_partition_handling = ignore',
            'log.file.level = info',
            '']),
    }
    for fname, text in files.items():
        with open(os.path.join(d, fname), 'w') as f:
            f.write(text)
        chown(os.path.join(d, fname), 'rabbitmq')


def rabbitmqctl(facts, node, *args, tool='rabbitmqctl', timeout=120, check=True):
    env = dict(CLEAN_ENV, **rabbit_env(facts, node))
    cmd = [os.path.join(RABBIT_BIN, tool), '-n', NODES[node]] + list(args)
    if os.geteuid() == 0:
        cmd = ['setpriv', '--reuid=rabbitmq', '--regid=rabbitmq', '--init-groups'] + cmd
    r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise MultinodeError('rabbitmqctl %s on %s: %s%s' % (' '.join(args), NODES[node], r.stdout, r.stderr))
    return r


def start_epmd(facts):
    if pid_of('epmd'):
        return
    port = facts['ports']['epmd']
    pid = spawn('epmd', ['epmd', '-address', '127.0.0.1', '-port', str(port)], user='rabbitmq')
    wait_until('epmd', lambda: port_answers(port), 30, pid)


def start_rabbit(facts, node):
    name = 'rabbit-' + node
    if pid_of(name):
        return
    write_rabbit_files(facts, node)
    env = rabbit_env(facts, node)
    pid = spawn(name, [os.path.join(RABBIT_BIN, 'rabbitmq-server')], user='rabbitmq', env=env,
                cwd=path('rabbit-' + node))
    port = facts['ports']['rabbit_' + node]
    hint = path('logs', name + '.log')
    wait_until(name, lambda: port_answers(port), 180, pid, hint)
    rabbitmqctl(facts, node, 'await_startup', '--timeout', '120', timeout=150)
    if node == 'b':
        status = rabbitmqctl(facts, 'b', 'cluster_status', '--formatter', 'json').stdout
        if NODES['a'] not in json.loads(status).get('disk_nodes', []):
            rabbitmqctl(facts, 'b', 'stop_app')
            rabbitmqctl(facts, 'b', 'join_cluster', NODES['a'])
            rabbitmqctl(facts, 'b', 'start_app')
            say('%s joined %s' % (NODES['b'], NODES['a']))
    # oslo's rabbit_ha_queues only adds x-ha-policy, which RabbitMQ >= 3.0 ignores: the policy
    # mirrors the queues (set once, it is a cluster-wide setting)
    rabbitmqctl(facts, node, 'set_policy', '-p', 'heat', '--apply-to', 'queues', 'ha-all', '.*',
                '{"ha-mode":"all","ha-sync-mode":"automatic"}')
    say('%s up on 127.0.0.1:%d' % (NODES[node], port))


# -- heat.conf, database, engines ---------------------------------------------------------------

def transport_url(facts):
    p = facts['ports']
    return 'rabbit://heat:%s@127.0.0.1:%d,heat:%s@127.0.0.1:%d/heat' % (
        RABBIT_PASSWORD, p['rabbit_a'], RABBIT_PASSWORD, p['rabbit_b'])


def db_url(facts, stack):
    return 'mysql+pymysql://heat:db-secret@127.0.0.1:%d/%s?charset=utf8mb4' % (
        stack['mariadb']['port'], facts['database'])


def heat_conf_text(facts, stack):
    """The one heat.conf of node-a, node-b and both engines (doc/multinode.md shows it)."""
    p = facts['ports']
    ks = 'http://127.0.0.1:%d' % p['keystone_proxy']
    return HEAT_CONF.format(
        transport_url=transport_url(facts), db=db_url(facts, stack), keystone=ks,
        memcached='127.0.0.1:%d' % p['memcached'], secret=facts['memcache_secret_key'],
        node_a=p['node_a'], node_b=p['node_b'], disabled_a=path('node-a.disabled'),
        disabled_b=path('node-b.disabled'), lock=path('heat-lock'),
        domain_password='domain-secret', heat_password='heat-secret')


HEAT_CONF = """\
# written by test/stack/multinode.py: the same file for node-a, node-b, engine-1 and engine-2
[DEFAULT]
# both brokers of the cluster: clients fail over from one to the next
transport_url = {transport_url}
rpc_response_timeout = 30
num_engine_workers = 1
region_name_for_services = RegionOne
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = {domain_password}
stack_user_domain_name = heat
debug = false
use_stderr = false

[oslo_messaging_rabbit]
# mirrored queues (the broker's ha-all policy does the mirroring); quorum queues need three
# nodes to survive the loss of one
rabbit_ha_queues = true

[database]
connection = {db}

[keystone_authtoken]
www_authenticate_uri = {keystone}/v3
auth_url = {keystone}
auth_type = password
project_name = service
project_domain_name = Default
username = heat
password = {heat_password}
user_domain_name = Default
region_name = RegionOne
service_type = orchestration
service_token_roles_required = true
# the token cache the nodes share
memcached_servers = {memcached}
memcache_security_strategy = ENCRYPT
memcache_secret_key = {secret}

[trustee]
auth_type = password
auth_url = {keystone}
username = heat
password = {heat_password}
user_domain_name = Default

[clients_keystone]
auth_uri = {keystone}

[healthcheck]
# one file per node, told apart by the node's port: touch it to drain the node
backends = disable_by_files_ports
disable_by_file_paths = {node_a}:{disabled_a},{node_b}:{disabled_b}

[oslo_concurrency]
lock_path = {lock}
"""


def write_heat_conf(facts, stack):
    os.makedirs(path('heat-lock'), exist_ok=True)
    chown(path('heat-lock'), 'heat')
    conf = path('heat.conf')
    with open(conf, 'w') as f:
        f.write(heat_conf_text(facts, stack))
    # read by heat (engines) and www-data (Apache children read it as root in the parent)
    os.chmod(conf, 0o640)
    chown(conf, 'root', 'heat')
    for i in (1, 2):
        with open(path('engine-%d.conf' % i), 'w') as f:
            f.write('[DEFAULT]\nhost = multinode-engine-%d\n' % i)
        os.chmod(path('engine-%d.conf' % i), 0o644)
    return conf


def sync_db(facts, stack):
    """Creates and migrates the engines' database; idempotent (a few seconds), so it also
    follows a stack whose MariaDB was made anew."""
    sql = ("CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8mb4; "
           "GRANT ALL PRIVILEGES ON {db}.* TO 'heat'@'127.0.0.1';").format(db=facts['database'])
    subprocess.run(['mariadb', '--no-defaults', '--socket=' + stack['mariadb']['socket'], '-uroot', '-e', sql],
                   check=True, env=CLEAN_ENV)
    t0 = time.time()
    r = subprocess.run(['setpriv', '--reuid=heat', '--regid=heat', '--init-groups', 'heat-manage',
                        '--config-file', path('heat.conf'), 'db_sync'], env=CLEAN_ENV, cwd='/',
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise MultinodeError('heat-manage db_sync: %s' % r.stderr[-2000:])
    say('database %s synced (%.1f s)' % (facts['database'], time.time() - t0))


def engine_consumers(facts):
    """Consumers of the engine topic queue, asked on whichever broker runs."""
    for node in ('a', 'b'):
        if not pid_of('rabbit-' + node):
            continue
        r = rabbitmqctl(facts, node, 'list_queues', '-p', 'heat', '-q', '--formatter', 'json', 'name',
                        'consumers', check=False, timeout=60)
        if r.returncode == 0:
            for q in json.loads(r.stdout or '[]'):
                if q['name'] == 'engine':
                    return q['consumers']
            return 0
    return 0


def start_engine(facts, i):
    name = 'engine-%d' % i
    if pid_of(name):
        return
    before = engine_consumers(facts)
    os.makedirs(path('logs', 'heat'), exist_ok=True)
    chown(path('logs', 'heat'), 'heat')
    log = path('logs', 'heat', name + '.log')
    pid = spawn(name, ['heat-engine', '--config-file', path('heat.conf'), '--config-file',
                       path('engine-%d.conf' % i), '--log-file', log], user='heat')
    wait_until(name + ' consuming', lambda: engine_consumers(facts) > before, 180, pid, log)
    say('%s up (PID %d)' % (name, pid))


# -- memcached, the Keystone proxy --------------------------------------------------------------

def start_memcached(facts):
    if pid_of('memcached'):
        return
    port = facts['ports']['memcached']
    args = ['memcached', '-l', '127.0.0.1', '-p', str(port), '-U', '0', '-m', '32']
    pid = spawn('memcached', args, user='memcache' if os.geteuid() == 0 else None)
    wait_until('memcached', lambda: port_answers(port), 30, pid)


def start_keystone_proxy(facts, stack):
    if pid_of('keystone-proxy'):
        return
    port = facts['ports']['keystone_proxy']
    pid = spawn('keystone-proxy', [PYTHON3, os.path.abspath(__file__), 'keystone-proxy',
                                   str(port), stack['keystone']['url'],
                                   path('logs', 'keystone-validations.log'),
                                   'http://127.0.0.1:%d/' % stack['mod_heat']['api_port'],
                                   'http://127.0.0.1:%d/' % facts['ports']['haproxy'],
                                   stack['keystone']['url'].rstrip('/'),
                                   'http://127.0.0.1:%d' % port])
    wait_until('keystone-proxy', lambda: port_answers(port), 30, pid)


class KeystoneProxy(http.server.BaseHTTPRequestHandler):
    """Forwards every request to Keystone; logs each token validation (GET /v3/auth/tokens) as a
    line "validate <sha256 of the token, 16 hex>" (never the token). In answers it replaces the
    catalog's orchestration base URL by HAProxy's, and Keystone's own URL by the proxy's (mod_heat,
    like keystonemiddleware, validates at the catalog's identity endpoint)."""
    protocol_version = 'HTTP/1.1'
    upstream = None
    rewrite = ()
    log_path = None

    def log_message(self, fmt, *args):
        pass

    def _forward(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ('host', 'connection', 'keep-alive', 'accept-encoding')}
        if self.command == 'GET' and self.path.split('?')[0].rstrip('/') == '/v3/auth/tokens':
            subject = self.headers.get('X-Subject-Token', '')
            with open(self.log_path, 'a') as f:
                f.write('validate %s\n' % hashlib.sha256(subject.encode()).hexdigest()[:16])
        host, port = self.upstream
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        for a, b in self.rewrite:
            data = data.replace(a, b)
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in ('content-length', 'connection', 'transfer-encoding', 'keep-alive'):
                self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = do_PATCH = _forward


def run_keystone_proxy(port, upstream, log_path, *rewrites):
    u = upstream.split('//', 1)[1].rstrip('/')
    host, uport = u.split(':')
    KeystoneProxy.upstream = (host, int(uport))
    KeystoneProxy.rewrite = tuple((rewrites[i].encode(), rewrites[i + 1].encode())
                                  for i in range(0, len(rewrites) - 1, 2))
    KeystoneProxy.log_path = log_path

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    Server(('127.0.0.1', int(port)), KeystoneProxy).serve_forever()


# -- Apache nodes, HAProxy ----------------------------------------------------------------------

HTTPD_CONF = """\
# written by test/stack/multinode.py: mod_heat node {node}
ServerRoot "{root}"
ServerName 127.0.0.1
DefaultRuntimeDir "{root}/run"
PidFile "{root}/logs/httpd.pid"
ErrorLog "{root}/logs/error_log"
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %b %D %{{heat-request-id}}n" heatnode
CustomLog "{root}/logs/access_log" heatnode
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule socache_shmcb_module {modules}/mod_socache_shmcb.so
LoadModule socache_memcache_module {modules}/mod_socache_memcache.so
LoadModule heat_module "{module_so}"
{user_group}
Timeout 60
KeepAlive On
<IfModule mpm_event_module>
    StartServers 1
    ServerLimit 2
    ThreadsPerChild 16
    MaxRequestWorkers 32
    MinSpareThreads 8
    MaxSpareThreads 32
</IfModule>
HeatConfigFile "{heat_conf}"
Listen 127.0.0.1:{port}
<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
    LimitRequestFieldSize 16384
    AllowEncodedSlashes On
    MergeSlashes Off
    TraceEnable off
    KeepAliveTimeout 60
    SetHandler heat-api
</VirtualHost>
"""

HAPROXY_CFG = """\
# written by test/stack/multinode.py: HAProxy in front of the mod_heat nodes
global
    maxconn 512
    stats socket {state}/haproxy.sock mode 600 level admin

defaults
    mode http
    option httplog
    timeout connect 2s
    timeout client 90s
    timeout server 90s
    # a request refused by a stopping node, or whose connection the node closed before it
    # answered, is sent again to the other node (idempotent requests only for the latter)
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option http-server-close

frontend heat_api
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend heat_api_nodes

backend heat_api_nodes
    balance roundrobin
    option httpchk GET /healthcheck
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
    server node-a 127.0.0.1:{node_a} check
    server node-b 127.0.0.1:{node_b} check
"""


def node_root(node):
    return path('node-' + node)


def write_node(facts, node):
    root = node_root(node)
    for sub in ('conf', 'logs', 'run'):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    user_group = 'User www-data\nGroup www-data' if os.geteuid() == 0 else ''
    with open(os.path.join(root, 'conf', 'httpd.conf'), 'w') as f:
        f.write(HTTPD_CONF.format(node=node, root=root, modules=APACHE_MODULES, module_so=MODULE_SO,
                                  user_group=user_group, heat_conf=path('heat.conf'),
                                  port=facts['ports']['node_' + node]))


def start_node(facts, node):
    name = 'node-' + node
    if pid_of(name):
        return
    if not os.path.exists(MODULE_SO):
        raise MultinodeError('%s missing: build mod_heat first (make)' % MODULE_SO)
    write_node(facts, node)
    root = node_root(node)
    port = facts['ports']['node_' + node]
    pid = spawn(name, ['/usr/sbin/apache2', '-d', root, '-f', os.path.join(root, 'conf', 'httpd.conf'),
                       '-DFOREGROUND'], env={'APACHE_RUN_DIR': os.path.join(root, 'run')})
    wait_until(name, lambda: port_answers(port), 60, pid, os.path.join(root, 'logs', 'error_log'))
    say('%s up on 127.0.0.1:%d (PID %d)' % (name, port, pid))


def start_haproxy(facts):
    if pid_of('haproxy'):
        return
    p = facts['ports']
    cfg = path('haproxy.cfg')
    with open(cfg, 'w') as f:
        f.write(HAPROXY_CFG.format(state=STATE, port=p['haproxy'], node_a=p['node_a'], node_b=p['node_b']))
    pid = spawn('haproxy', ['haproxy', '-db', '-f', cfg])
    wait_until('haproxy', lambda: port_answers(p['haproxy']), 30, pid)
    say('haproxy up on 127.0.0.1:%d' % p['haproxy'])


def haproxy_servers():
    """{server name: status} as HAProxy's stats socket reports it (UP, DOWN, MAINT, ...)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path('haproxy.sock'))
        s.sendall(b'show stat\n')
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    lines = data.decode().splitlines()
    fields = lines[0].lstrip('# ').split(',')
    out = {}
    for line in lines[1:]:
        row = dict(zip(fields, line.split(',')))
        if row.get('pxname') == 'heat_api_nodes' and row.get('svname') not in ('BACKEND', None):
            out[row['svname']] = row['status']
    return out


# -- the whole --------------------------------------------------------------------------------

def chown(p, user, group=None):
    if os.geteuid() != 0:
        return
    import grp
    import pwd
    os.chown(p, pwd.getpwnam(user).pw_uid, grp.getgrnam(group or user).gr_gid)


def start(services=None):
    if os.geteuid() != 0:
        raise MultinodeError('run as root (the brokers, engines and memcached run as their package users)')
    t0 = time.time()
    os.makedirs(STATE, exist_ok=True)
    os.chmod(STATE, 0o755)
    facts = load_facts() or new_facts()
    facts['database'] = DATABASE
    stack = stack_facts()
    write_heat_conf(facts, stack)
    want = set(services or SERVICES)
    steps = {
        'epmd': lambda: start_epmd(facts),
        'rabbit-a': lambda: start_rabbit(facts, 'a'),
        'rabbit-b': lambda: start_rabbit(facts, 'b'),
        'memcached': lambda: start_memcached(facts),
        'keystone-proxy': lambda: start_keystone_proxy(facts, stack),
        'engine-1': lambda: start_engine(facts, 1),
        'engine-2': lambda: start_engine(facts, 2),
        'node-a': lambda: start_node(facts, 'a'),
        'node-b': lambda: start_node(facts, 'b'),
        'haproxy': lambda: start_haproxy(facts),
    }
    if want & {'engine-1', 'engine-2'} and not (pid_of('engine-1') and pid_of('engine-2')):
        sync_db(facts, stack)
    for name in SERVICES:
        if name in want:
            steps[name]()
    say('ready in %.1f s: HAProxy on http://127.0.0.1:%d, facts in %s'
        % (time.time() - t0, facts['ports']['haproxy'], path('multinode.json')))
    return facts


def stop(services=None):
    for name in reversed(SERVICES):
        if services and name not in services:
            continue
        # heat-engine and RabbitMQ stop cleanly on TERM but take their time
        if stop_pid(name, timeout=120):
            say('%s stopped' % name)


def status():
    facts = load_facts()
    if not facts:
        print('not started (%s)' % STATE)
        return 1
    for name in SERVICES:
        pid = pid_of(name)
        print('%-15s %s' % (name, 'PID %d' % pid if pid else 'stopped'))
    print(json.dumps(facts['ports'], indent=2, sort_keys=True))
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == 'keystone-proxy':
        run_keystone_proxy(*argv[2:])
        return 0
    cmd = argv[1] if len(argv) > 1 else 'status'
    try:
        if cmd == 'start':
            start(argv[2:] or None)
        elif cmd == 'stop':
            stop()
        elif cmd == 'stop-service':
            stop(argv[2:])
        elif cmd == 'status':
            return status()
        else:
            print(__doc__)
            return 2
    except MultinodeError as e:
        print('multinode: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
