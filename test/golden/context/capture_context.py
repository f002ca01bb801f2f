#!/usr/bin/python3
"""Golden request contexts from the real Debian code (heat 19.0.0, keystonemiddleware 10.1.0,
oslo.context 5.0.0, oslo.policy 4.0.0 with heat's defaults).

For each case in cases.json (a Keystone v3 token body plus the request facts), this runs the
same steps as heat-api: keystonemiddleware's _AuthTokenRequest strips the identity headers,
sets the user (and service) headers from keystoneauth1's AccessInfo and stores token_info as
{"token": keystoneclient AccessInfoV3} (which adds "version" and "auth_token"); the request_id
filter's environ keys are set; then heat's ContextMiddleware builds the RequestContext (which
evaluates context_is_admin with heat's Enforcer on the default rules). Recorded per case:
to_dict() and dict(to_policy_values()).

    /usr/bin/python3 test/golden/context/capture_context.py \
        test/golden/context/cases.json > test/golden/context/expected.json

The admin context (get_admin_context()) is recorded under "admin_context" with its random
request_id replaced by "<generated>".
"""
import json
import sys
import warnings

warnings.simplefilter('ignore')

from keystoneauth1 import access as ksa_access  # noqa: E402
from keystoneclient import access as ksc_access  # noqa: E402
from keystonemiddleware.auth_token import _request  # noqa: E402
from oslo_config import cfg  # noqa: E402

from heat.common import context as heat_context  # noqa: E402
from heat.common import policy as heat_policy  # noqa: E402,F401


def setup_conf():
    cfg.CONF([], project='heat', default_config_files=[])
    # Hermetic: no policy file or policy.d from /etc/heat.
    cfg.CONF.set_override('policy_dirs', [], 'oslo_policy')
    cfg.CONF.set_override('policy_file', '/nonexistent/policy.yaml', 'oslo_policy')


def build(case):
    headers = dict(case.get('client_headers', {}))
    tok = case.get('auth_token')
    if tok is not None:
        headers['X-Auth-Token'] = tok
    if case.get('service_token') is not None:
        headers['X-Service-Token'] = case['service_token']
    req = _request._AuthTokenRequest.blank('/v1/x/stacks', headers=headers)
    req.remove_auth_headers()
    body = case['token']
    data = {'token': ksc_access.AccessInfo.factory(body=json.loads(json.dumps(body)),
                                                    auth_token=tok.strip())}
    user_ref = ksa_access.create(body=body, auth_token=tok.strip())
    req.user_token_valid = True
    req.token_info = data
    req.set_user_headers(user_ref)
    if case.get('service_token_body') is not None:
        serv_ref = ksa_access.create(body=case['service_token_body'],
                                     auth_token=case['service_token'])
        req.service_token_valid = True
        req.set_service_headers(serv_ref)
    if case.get('request_id') is not None:
        req.environ['openstack.request_id'] = case['request_id']
    if case.get('global_request_id') is not None:
        req.environ['openstack.global_request_id'] = case['global_request_id']
    mw = heat_context.ContextMiddleware(None, {})
    mw.process_request(req)
    return req.context


def main():
    setup_conf()
    cases = json.load(open(sys.argv[1]))
    out = {}
    for name, case in cases.items():
        ctx = build(case)
        out[name] = {
            'to_dict': json.loads(json.dumps(ctx.to_dict())),
            'policy_values': json.loads(json.dumps(dict(ctx.to_policy_values()))),
        }
    admin = heat_context.get_admin_context().to_dict()
    assert admin['request_id'].startswith('req-')
    admin['request_id'] = '<generated>'
    out['admin_context'] = {'to_dict': admin}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
