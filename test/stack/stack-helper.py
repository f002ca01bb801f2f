#!/usr/bin/python3
"""stack-helper.py: the parts of test/stack/stack.sh that are easier in Python.

Run with Debian's /usr/bin/python3 (the OpenStack libraries live there). Every setting comes from
the HS_* environment variables stack.sh exports; see stack.sh for their meaning.

    register            Keystone objects for Heat (REST, idempotent); prints the ids as JSON
    amqp-ping           exit 0 when RabbitMQ accepts the heat user on vhost heat
    engine-consumers    print the number of consumers of queue `engine` (0 if none/unreachable)
    wait-engine N SECS  wait until queue `engine` has >= N consumers
    check               token issue for admin and demo, catalog, engine queue (+ Python API)
    write-env IDS.json  write stack.json, stack.env, openrc-admin, openrc-demo, clouds.yaml
    ec2-shim CONF PORT KEYSTONE_PORT
                        loopback proxy to Keystone that adds the service token to /v3/ec2tokens
                        (only for the Python heat-api-cfn reference, see README.md)
"""

import configparser
import datetime
import http.client
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

E = os.environ


def env(name):
    try:
        return E['HS_' + name]
    except KeyError:
        sys.exit('stack-helper: HS_%s is not set (run me through stack.sh)' % name)


def keystone_url():
    return 'http://127.0.0.1:%s' % env('KEYSTONE_PORT')


# --------------------------------------------------------------------------------------------
# Keystone REST


class Keystone:
    def __init__(self, base, timeout=30):
        import requests
        self.requests = requests
        self.base = base.rstrip('/') + '/v3'
        self.http = requests.Session()
        self.timeout = timeout
        self.token = None

    def auth(self, user, password, project, user_domain='Default', project_domain='Default'):
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'name': user_domain}, 'password': password}}},
            'scope': {'project': {'name': project, 'domain': {'name': project_domain}}}}}
        r = self.http.post(self.base + '/auth/tokens', json=body, timeout=self.timeout)
        if r.status_code != 201:
            raise RuntimeError('keystone: token for %s in project %s: HTTP %d %s'
                               % (user, project, r.status_code, r.text[:300]))
        return r.headers['X-Subject-Token'], r.json()['token']

    def login(self, user, password, project):
        self.token, body = self.auth(user, password, project)
        return body

    def call(self, method, path, expect=(200,), **kw):
        r = self.http.request(method, self.base + path, headers={'X-Auth-Token': self.token},
                              timeout=self.timeout, **kw)
        if r.status_code not in expect:
            raise RuntimeError('keystone: %s %s: HTTP %d %s' % (method, path, r.status_code, r.text[:300]))
        return r.json() if r.content else None

    def find(self, collection, **params):
        items = self.call('GET', '/' + collection, params=params)[collection]
        return items[0] if items else None

    def ensure(self, collection, key, find, create):
        item = self.find(collection, **find)
        if item is None:
            item = self.call('POST', '/' + collection, expect=(201,), json={key: create})[key]
        return item


def register():
    ks = Keystone(keystone_url())
    ks.login('admin', env('ADMIN_PASSWORD'), 'admin')
    region = env('REGION')
    ids = {'projects': {}, 'users': {}, 'roles': {}, 'domains': {'default': 'default'}, 'ec2': {}}

    def project(name, domain='default'):
        p = ks.ensure('projects', 'project', {'name': name, 'domain_id': domain},
                      {'name': name, 'domain_id': domain, 'enabled': True,
                       'description': 'mod_heat test stack'})
        ids['projects'][name] = p['id']
        return p['id']

    def user(name, password, domain='default', default_project=None):
        body = {'name': name, 'domain_id': domain, 'password': password, 'enabled': True}
        if default_project:
            body['default_project_id'] = default_project
        u = ks.ensure('users', 'user', {'name': name, 'domain_id': domain}, body)
        ids['users'][name] = u['id']
        return u['id']

    def role(name):
        r = ks.ensure('roles', 'role', {'name': name}, {'name': name})
        ids['roles'][name] = r['id']
        return r['id']

    def grant(uid, rid, project_id=None, domain_id=None):
        target = '/projects/%s' % project_id if project_id else '/domains/%s' % domain_id
        ks.call('PUT', '%s/users/%s/roles/%s' % (target, uid, rid), expect=(204,))

    def service(stype, name, description):
        return ks.ensure('services', 'service', {'type': stype, 'name': name},
                         {'type': stype, 'name': name, 'description': description, 'enabled': True})['id']

    def endpoints(service_id, url):
        for interface in ('public', 'internal', 'admin'):
            ep = ks.find('endpoints', service_id=service_id, interface=interface, region_id=region)
            if ep is None:
                ks.call('POST', '/endpoints', expect=(201,), json={'endpoint': {
                    'service_id': service_id, 'interface': interface, 'url': url,
                    'region_id': region, 'enabled': True}})
            elif ep['url'] != url:
                ks.call('PATCH', '/endpoints/%s' % ep['id'], json={'endpoint': {'url': url}})

    # identity endpoints follow the keystone port (bootstrap wrote them on the first start)
    identity = ks.find('services', type='identity')
    if identity:
        endpoints(identity['id'], keystone_url() + '/v3')

    admin_project = project('admin')
    service_project = project('service')
    demo_project = project('demo')
    admin_role = role('admin')
    owner = role('heat_stack_owner')
    role('heat_stack_user')
    member = role('member')
    ids['users']['admin'] = ks.find('users', name='admin', domain_id='default')['id']

    heat_user = user('heat', env('HEAT_PASSWORD'), default_project=service_project)
    grant(heat_user, admin_role, project_id=service_project)
    grant(ids['users']['admin'], owner, project_id=admin_project)
    demo = user('demo', env('DEMO_PASSWORD'), default_project=demo_project)
    grant(demo, member, project_id=demo_project)
    grant(demo, owner, project_id=demo_project)

    domain = ks.ensure('domains', 'domain', {'name': 'heat'},
                       {'name': 'heat', 'enabled': True,
                        'description': 'Owns users and projects created by heat'})
    ids['domains']['heat'] = domain['id']
    dadmin = user('heat_domain_admin', env('DOMAIN_ADMIN_PASSWORD'), domain=domain['id'])
    grant(dadmin, admin_role, domain_id=domain['id'])

    endpoints(service('orchestration', 'heat', 'Orchestration'),
              'http://127.0.0.1:%s/v1/%%(tenant_id)s' % env('HEAT_API_PORT'))
    endpoints(service('cloudformation', 'heat-cfn', 'Orchestration CloudFormation'),
              'http://127.0.0.1:%s/v1' % env('HEAT_CFN_PORT'))

    # EC2 credentials (for signed CFN requests), each made with the owner's own token
    for name, password, pid in (('admin', env('ADMIN_PASSWORD'), admin_project),
                                ('demo', env('DEMO_PASSWORD'), demo_project)):
        own = Keystone(keystone_url())
        own.login(name, password, name)
        uid = ids['users'][name]
        creds = [c for c in own.call('GET', '/users/%s/credentials/OS-EC2' % uid)['credentials']
                 if c['tenant_id'] == pid]
        if not creds:
            creds = [own.call('POST', '/users/%s/credentials/OS-EC2' % uid, expect=(201,),
                              json={'tenant_id': pid})['credential']]
        ids['ec2'][name] = {'access': creds[0]['access'], 'secret': creds[0]['secret']}
    json.dump(ids, sys.stdout, indent=1, sort_keys=True)
    print()


# --------------------------------------------------------------------------------------------
# RabbitMQ


def amqp_connect():
    import amqp
    conn = amqp.Connection(host='127.0.0.1:%s' % env('RABBIT_PORT'), userid='heat',
                           password=env('RABBIT_PASSWORD'), virtual_host=E.get('HS_RABBIT_VHOST', 'heat'),
                           connect_timeout=3)
    conn.connect()
    return conn


def engine_consumers(conn=None):
    import amqp
    own = conn is None
    try:
        if own:
            conn = amqp_connect()
        ch = conn.channel()
        try:
            return ch.queue_declare('engine', passive=True).consumer_count
        except amqp.exceptions.NotFound:
            return 0
        finally:
            try:
                ch.close()
            except Exception:
                pass
    finally:
        if own and conn is not None:
            conn.close()


def amqp_ping():
    try:
        amqp_connect().close()
        return 0
    except Exception as e:
        print('amqp: %s' % e, file=sys.stderr)
        return 1


def wait_engine(want, timeout):
    deadline = time.time() + timeout
    seen = 0
    while time.time() < deadline:
        try:
            seen = engine_consumers()
        except Exception:
            seen = 0
        if seen >= want:
            return 0
        time.sleep(0.5)
    print('queue engine has %d consumer(s) after %ds, want %d' % (seen, timeout, want), file=sys.stderr)
    return 1


# --------------------------------------------------------------------------------------------
# final check


def check():
    import requests
    ks = Keystone(keystone_url())
    problems = []
    for user, password in (('admin', env('ADMIN_PASSWORD')), ('demo', env('DEMO_PASSWORD'))):
        token, body = ks.auth(user, password, user)
        catalog = {s['type']: s for s in body.get('catalog', [])}
        roles = sorted(r['name'] for r in body['roles'])
        print('token issue %s/%s: ok (roles %s)' % (user, user, ','.join(roles)))
        for stype, url in (('orchestration', 'http://127.0.0.1:%s/v1/%s' % (env('HEAT_API_PORT'),
                                                                           body['project']['id'])),
                           ('cloudformation', 'http://127.0.0.1:%s/v1' % env('HEAT_CFN_PORT'))):
            urls = {e['url'] for e in catalog.get(stype, {}).get('endpoints', [])
                    if e['region'] == env('REGION')}
            if urls != {url}:
                problems.append('catalog of %s: %s endpoints %s, want %s' % (user, stype, sorted(urls), url))
        if user == 'admin':
            admin_token, admin_project = token, body['project']['id']
    n = engine_consumers()
    print('queue engine: %d consumer(s)' % n)
    if n < 1:
        problems.append('queue engine has no consumer')
    if env('PYTHON_API') == '1':
        r = requests.get('http://127.0.0.1:%s/v1/%s/stacks' % (env('PY_HEAT_API_PORT'), admin_project),
                         headers={'X-Auth-Token': admin_token}, timeout=60)
        print('Python heat-api GET /v1/<admin>/stacks: HTTP %d' % r.status_code)
        if r.status_code != 200:
            problems.append('Python heat-api stack list: HTTP %d %s' % (r.status_code, r.text[:300]))
        r = cfn_request(env('PY_HEAT_CFN_PORT'), {'Action': 'DescribeStacks'})
        print('Python heat-api-cfn signed DescribeStacks: HTTP %d' % r.status_code)
        # HS_CFN_DENIED=1: the policy refuses it (heat 24 under enforce_new_defaults), but only
        # after the signature was accepted
        if E.get('HS_CFN_DENIED') == '1':
            if r.status_code != 403 or '<Code>AccessDenied</Code>' not in r.text:
                problems.append('Python heat-api-cfn DescribeStacks: HTTP %d %s, want 403 AccessDenied'
                                % (r.status_code, r.text[:300]))
        elif r.status_code != 200:
            problems.append('Python heat-api-cfn DescribeStacks: HTTP %d %s' % (r.status_code, r.text[:300]))
    for p in problems:
        print('PROBLEM: ' + p, file=sys.stderr)
    return 1 if problems else 0


def cfn_request(port, params, user='admin'):
    """A SignatureVersion 2 signed GET to a CFN API (the EC2 credential made by `register`)."""
    import requests
    from keystoneclient.contrib.ec2.utils import Ec2Signer
    with open(os.path.join(env('STATE'), 'keystone-ids.json')) as f:
        cred = json.load(f)['ec2'][user]
    params = dict(params, AWSAccessKeyId=cred['access'], SignatureMethod='HmacSHA256',
                  SignatureVersion='2', Version='2010-05-15',
                  Timestamp=datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'))
    host = '127.0.0.1:%s' % port
    params['Signature'] = Ec2Signer(cred['secret']).generate(
        {'host': host, 'verb': 'GET', 'path': '/v1/', 'params': params})
    return requests.get('http://%s/v1/' % host, params=params, timeout=60)


# --------------------------------------------------------------------------------------------
# stack.json, stack.env, openrc-*, clouds.yaml


def write_env(ids_path):
    state = env('STATE')
    with open(ids_path) as f:
        ids = json.load(f)
    ks = keystone_url()
    region = env('REGION')
    users = {
        'admin': {'username': 'admin', 'password': env('ADMIN_PASSWORD'), 'project_name': 'admin',
                  'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'demo': {'username': 'demo', 'password': env('DEMO_PASSWORD'), 'project_name': 'demo',
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'heat': {'username': 'heat', 'password': env('HEAT_PASSWORD'), 'project_name': 'service',
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
        'heat_domain_admin': {'username': 'heat_domain_admin', 'password': env('DOMAIN_ADMIN_PASSWORD'),
                              'user_domain_name': 'heat', 'domain_name': 'heat'},
    }
    for name, u in users.items():
        u['user_id'] = ids['users'][name]
        if 'project_name' in u:
            u['project_id'] = ids['projects'][u['project_name']]
        if name in ids['ec2']:
            u['ec2_access'] = ids['ec2'][name]['access']
            u['ec2_secret'] = ids['ec2'][name]['secret']
    facts = {
        'state_dir': state,
        'heat_conf': os.path.join(state, 'heat', 'heat.conf'),
        'region': region,
        'keystone': {'port': int(env('KEYSTONE_PORT')), 'url': ks, 'auth_url': ks + '/v3',
                     'conf': os.path.join(state, 'keystone', 'keystone.conf')},
        'mariadb': {'port': int(env('DB_PORT')), 'socket': env('DB_SOCKET'),
                    'heat_url': env('HEAT_DB_URL'), 'keystone_url': env('KEYSTONE_DB_URL')},
        'rabbitmq': {'port': int(env('RABBIT_PORT')), 'dist_port': int(env('RABBIT_DIST_PORT')),
                     'epmd_port': int(env('EPMD_PORT')), 'node': env('RABBIT_NODE'), 'vhost': 'heat',
                     'user': 'heat', 'password': env('RABBIT_PASSWORD'), 'transport_url': env('TRANSPORT_URL'),
                     'rabbitmqctl': os.path.join(state, 'bin', 'rabbitmqctl')},
        'heat_engine': {'workers': int(env('ENGINE_WORKERS')), 'topic': 'engine', 'exchange': 'heat'},
        'mod_heat': {'api_port': int(env('HEAT_API_PORT')), 'cfn_port': int(env('HEAT_CFN_PORT')),
                     'api_url': 'http://127.0.0.1:%s/v1/%%(tenant_id)s' % env('HEAT_API_PORT'),
                     'cfn_url': 'http://127.0.0.1:%s/v1' % env('HEAT_CFN_PORT')},
        'python_api': {'running': env('PYTHON_API') == '1',
                       'api_port': int(env('PY_HEAT_API_PORT')), 'cfn_port': int(env('PY_HEAT_CFN_PORT')),
                       'api_url': 'http://127.0.0.1:%s/v1/%%(tenant_id)s' % env('PY_HEAT_API_PORT'),
                       'cfn_url': 'http://127.0.0.1:%s/v1' % env('PY_HEAT_CFN_PORT'),
                       'ec2_shim_port': int(env('PY_EC2_SHIM_PORT'))},
        'users': users,
        'projects': ids['projects'],
        'roles': ids['roles'],
        'domains': ids['domains'],
        'stack_domain': {'name': 'heat', 'id': ids['domains']['heat'], 'admin': 'heat_domain_admin'},
        'logs': os.path.join(state, 'log'),
    }

    def write(name, text, mode=0o600):
        path = os.path.join(state, name)
        tmp = path + '.tmp'
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), 'w') as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)

    write('stack.json', json.dumps(facts, indent=2, sort_keys=True) + '\n', 0o644)

    def q(v):
        return "'" + str(v).replace("'", "'\\''") + "'"

    def openrc(u):
        return ''.join('export %s=%s\n' % (k, q(v)) for k, v in (
            ('OS_AUTH_URL', ks + '/v3'), ('OS_IDENTITY_API_VERSION', '3'), ('OS_AUTH_TYPE', 'password'),
            ('OS_USERNAME', u['username']), ('OS_PASSWORD', u['password']),
            ('OS_PROJECT_NAME', u['project_name']), ('OS_USER_DOMAIN_NAME', u['user_domain_name']),
            ('OS_PROJECT_DOMAIN_NAME', u['project_domain_name']), ('OS_REGION_NAME', region),
            ('OS_INTERFACE', 'public')))

    write('openrc-admin', openrc(users['admin']), 0o644)
    write('openrc-demo', openrc(users['demo']), 0o644)
    lines = [
        ('HEAT_STACK_DIR', state), ('HEAT_CONF', facts['heat_conf']),
        ('HEAT_API_PORT', env('HEAT_API_PORT')), ('HEAT_CFN_PORT', env('HEAT_CFN_PORT')),
        ('PY_HEAT_API_PORT', env('PY_HEAT_API_PORT')), ('PY_HEAT_CFN_PORT', env('PY_HEAT_CFN_PORT')),
        ('PY_EC2_SHIM_PORT', env('PY_EC2_SHIM_PORT')),
        ('HEAT_STACK_PYTHON_API', env('PYTHON_API')),
        ('HEAT_STACK_KEYSTONE_PORT', env('KEYSTONE_PORT')), ('HEAT_STACK_KEYSTONE_URL', ks + '/v3'),
        ('HEAT_STACK_DB_PORT', env('DB_PORT')), ('HEAT_STACK_DB_SOCKET', env('DB_SOCKET')),
        ('HEAT_STACK_RABBIT_PORT', env('RABBIT_PORT')), ('HEAT_STACK_RABBIT_DIST_PORT', env('RABBIT_DIST_PORT')),
        ('HEAT_STACK_EPMD_PORT', env('EPMD_PORT')), ('HEAT_STACK_RABBIT_NODE', env('RABBIT_NODE')),
        ('HEAT_STACK_TRANSPORT_URL', env('TRANSPORT_URL')),
        ('HEAT_STACK_ENGINE_WORKERS', env('ENGINE_WORKERS')),
        ('HEAT_STACK_REGION', region),
        ('HEAT_STACK_ADMIN_PROJECT_ID', ids['projects']['admin']),
        ('HEAT_STACK_DEMO_USER', 'demo'), ('HEAT_STACK_DEMO_PASSWORD', env('DEMO_PASSWORD')),
        ('HEAT_STACK_DEMO_PROJECT_ID', ids['projects']['demo']),
        ('HEAT_STACK_SERVICE_USER', 'heat'), ('HEAT_STACK_SERVICE_PASSWORD', env('HEAT_PASSWORD')),
        ('HEAT_STACK_JSON', os.path.join(state, 'stack.json')),
    ]
    text = '# written by test/stack/stack.sh start; OS_* are for admin (openrc-demo has demo)\n'
    text += ''.join('export %s=%s\n' % (k, q(v)) for k, v in lines) + openrc(users['admin'])
    write('stack.env', text, 0o644)

    clouds = ['clouds:']
    for name in ('admin', 'demo'):
        u = users[name]
        clouds += ['  modheat-%s:' % name, '    region_name: %s' % region, '    identity_api_version: 3',
                   '    auth:', '      auth_url: %s/v3' % ks, '      username: %s' % u['username'],
                   '      password: %s' % u['password'], '      project_name: %s' % u['project_name'],
                   '      user_domain_name: Default', '      project_domain_name: Default']
    write('clouds.yaml', '\n'.join(clouds) + '\n', 0o644)


# --------------------------------------------------------------------------------------------
# ec2tokens shim for the Python heat-api-cfn (keystone 22.0.2-0+deb12u6 requires an authenticated
# caller on /v3/ec2tokens; heat 19.0.0 sends none). mod_heat itself talks to keystone directly.


class ServiceToken:
    def __init__(self, conf_path):
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(conf_path)
        s = cp['keystone_authtoken']
        self.user, self.password = s['username'], s['password']
        self.project = s.get('project_name', 'service')
        self.lock = threading.Lock()
        self.token, self.expires = None, 0

    def get(self):
        with self.lock:
            if self.token is None or time.time() > self.expires - 120:
                ks = Keystone(keystone_url())
                self.token, body = ks.auth(self.user, self.password, self.project)
                exp = body['expires_at'].replace('Z', '+00:00')
                self.expires = datetime.datetime.fromisoformat(exp).timestamp()
            return self.token


HOP = {'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'}


def ec2_shim(conf_path, port):
    token = ServiceToken(conf_path)
    target = ('127.0.0.1', int(env('KEYSTONE_PORT')))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def relay(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != 'host'}
            added = False
            if urllib.parse.urlsplit(self.path).path.rstrip('/').endswith('/ec2tokens') \
                    and not any(k.lower() == 'x-auth-token' for k in headers):
                headers['X-Auth-Token'] = token.get()
                added = True
            conn = http.client.HTTPConnection(*target, timeout=60)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
            finally:
                conn.close()
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != 'content-length':
                    self.send_header(k, v)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)
            self.log_message('"%s %s" %d%s', self.command, self.path.split('?')[0], r.status,
                             ' (service token added)' if added else '')

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = relay

        def log_message(self, fmt, *args):
            sys.stdout.write('%s %s\n' % (time.strftime('%Y-%m-%d %H:%M:%S'), fmt % args))
            sys.stdout.flush()

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(('127.0.0.1', port), Handler)
    print('ec2 shim on 127.0.0.1:%d -> keystone 127.0.0.1:%d' % (port, target[1]), flush=True)
    server.serve_forever()


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd = argv[0]
    if cmd == 'register':
        register()
        return 0
    if cmd == 'amqp-ping':
        return amqp_ping()
    if cmd == 'engine-consumers':
        try:
            print(engine_consumers())
        except Exception:
            print(0)
        return 0
    if cmd == 'wait-engine':
        return wait_engine(int(argv[1]), float(argv[2]))
    if cmd == 'check':
        return check()
    if cmd == 'write-env':
        write_env(argv[1])
        return 0
    if cmd == 'ec2-shim':   # CONF PORT KEYSTONE_PORT (runs with a clean environment)
        E['HS_KEYSTONE_PORT'] = argv[3]
        ec2_shim(argv[1], int(argv[2]))
        return 0
    sys.exit(__doc__)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as e:
        sys.exit('stack-helper: %s' % e)
