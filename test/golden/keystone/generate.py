#!/usr/bin/python3
"""Regenerates the expectations in this folder from the Debian 12 Python code
(keystoneclient 5.0.1 / keystoneauth1 5.0.0 / keystonemiddleware 10.1.0):
  <name>.token_info.json  json.dumps(keystone.token_info) as auth_token builds it
  <name>.headers.txt      the HTTP_* environ auth_token leaves for a valid user token
  path_matches.tsv        keystonemiddleware.auth_token._path_matches(path, pattern)
Inputs: token_project.json, token_system.json (Keystone validation bodies).
Run from this folder with /usr/bin/python3 (not a pyenv shim)."""
import json

from keystoneauth1 import access as ka_access
from keystoneclient import access as kc_access
from keystonemiddleware.auth_token import _path_matches, _request

TOKEN = 'gAAAAABm-test-token'

for name in ['token_project', 'token_system']:
    body = json.load(open(name + '.json'))
    data = {'token': kc_access.AccessInfo.factory(auth_token=TOKEN, body=body)}
    open(name + '.token_info.json', 'w').write(json.dumps(data) + '\n')
    req = _request._AuthTokenRequest.blank(
        '/v1/x', headers={'X-Domain-Id': 'spoof', 'OpenStack-System-Scope': 'spoof'})
    req.remove_auth_headers()
    ref = ka_access.create(body=json.loads(json.dumps(data)), auth_token=TOKEN)
    req.user_token_valid = True
    req.set_user_headers(ref)
    req.set_service_catalog_headers(ref)
    lines = ['%s: %s' % (k, v) for k, v in sorted(req.environ.items())
             if k.startswith('HTTP_') and v is not None]
    open(name + '.headers.txt', 'w').write('\n'.join(lines) + '\n')

CASES = [
    ('/v1/p/stacks', '/v1/*/stacks'), ('/v1/p/stacks', '/v1/{project_id}/stacks'),
    ('/v1/p/q/stacks', '/v1/*/stacks'), ('/v1/p/q/stacks', '/v1/**/stacks'),
    ('/v1/p/stacks/s1/id', '/v1/*/stacks/**'), ('/v1/p/stacks', '/v1/*/stacks/**'),
    ('/v1/p/stacks/', '/v1/*/stacks/**'), ('/v1/p/stacksX', '/v1/*/stacks'),
    ('/v1/p/stacks', '/v1/*/stack.'), ('/v1/p/stacks', '/v1/*'), ('/v1/p/stacks', '/v1/**'),
    ('/v1//stacks', '/v1/*/stacks'), ('/v1/p/stacks', '/v1/{x/stacks'),
    ('/v1/p/stacks', '/v1/p}/stacks'), ('/v1/p/stacks', '/v1/***'), ('/v1/p/stacks', '**'),
    ('', '**'), ('', '*'), ('/a', '/a/**'), ('/v1/p/stacks\n', '/v1/p/stacks'),
    ('/v1/p/stacks', ''),
]
out = ['%d\t%s\t%s' % (1 if _path_matches(path, pat) else 0, path.replace('\n', '\\n'), pat)
       for path, pat in CASES]
open('path_matches.tsv', 'w').write('\n'.join(out) + '\n')
