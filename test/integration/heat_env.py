"""heat_env.py: paths and small process/port helpers shared by the integration harness.

Everything the tests generate goes under test/integration/gen/ (gitignored) and is kept after the
run for debugging. Only loopback addresses are used; ports are chosen by the kernel (bind to port 0)
and checked to be held by exactly one listening socket once a server is up, because heat-api's
eventlet server binds with SO_REUSEPORT and would otherwise silently share a port with another
instance (seen on the development machine: a stray heat-api on the same port got half the requests).
"""

import os
import re
import shutil
import socket
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(TOP, 'test', 'integration')
GEN = os.path.join(HERE, 'gen')
# MOD_HEAT_SO=<path> tests another build of the module (default: the one `make` builds)
MODULE_SO = os.environ.get('MOD_HEAT_SO') or os.path.join(TOP, 'build', 'mod_heat.so')

APACHE2 = '/usr/sbin/apache2'
APACHE2CTL = '/usr/sbin/apache2ctl'
APACHE_MODULES = '/usr/lib/apache2/modules'
PYTHON3 = '/usr/bin/python3'       # Debian's, with the heat libraries (not a pyenv shim)
HEAT_API = '/usr/bin/heat-api'
HEAT_API_CFN = '/usr/bin/heat-api-cfn'
API_PASTE = '/etc/heat/api-paste.ini'

IS_ROOT = os.geteuid() == 0
RUN_USER = 'www-data'

# Secrets planted in every generated heat.conf; no log line may ever contain them.
SECRETS = ('SECRET-rabbit-pw-7f3a', 'SECRET-keystone-pw-91c2', 'SECRET-domain-pw-44d0')
# A token the tests send; it must not show up in any log either.
SECRET_TOKEN = 'gAAAAABsecret-token-value-do-not-log-5e9b'

REQUEST_ID_RE = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')


def gen_dir(name, clean=True):
    """A fresh directory gen/<name> (world-traversable: Apache children run as www-data)."""
    path = os.path.join(GEN, name)
    if clean and os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path, exist_ok=True)
    for d in (GEN, path):
        os.chmod(d, 0o755)
    return path


_handed_out = set()


def free_port():
    """A loopback port nobody listens on right now (kernel's choice, so parallel runs rarely
    collide), never one this process handed out before: the kernel readily gives the same port
    to two bind(0) calls in a row once the first socket is closed."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError('no fresh loopback port')


def listeners(port):
    """Number of listening TCP sockets on 127.0.0.1:port or 0.0.0.0:port (from /proc/net/tcp)."""
    count = 0
    want = {'0100007F:%04X' % port, '00000000:%04X' % port}
    with open('/proc/net/tcp') as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] in want and fields[3] == '0A':
                count += 1
    return count


def port_answers(port, timeout=0.5):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is as good as gone
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except OSError:
        return False


def children_of(pid):
    """PIDs whose parent is pid."""
    kids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(')', 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry))
    return kids


def wait_gone(pids, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return not any(pid_alive(p) for p in pids)


def write_ini(path, sections):
    """Writes an oslo-style INI file from {section: [(key, value), ...]} (lists keep order and
    allow repeated keys); returns {(section, key): line number} for error-message checks."""
    lines = []
    where = {}
    for section, items in sections.items():
        lines.append('[%s]' % section)
        for key, value in items:
            lines.append('%s = %s' % (key, value))
            where[(section, key)] = len(lines)
        lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    return where


def tail(path, n=40):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError as e:
        return '(cannot read %s: %s)' % (path, e)
