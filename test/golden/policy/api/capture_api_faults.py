#!/usr/bin/python3
"""How heat-api 19.0.0 answers policy refusals and policy errors, from its own code:
util.registered_policy_enforce inside heat's wsgi.Resource behind FaultWrapper (native),
and the cfn StackController._enforce (AWS errors). policy.yaml here makes some rules raise.

    /usr/bin/python3 test/golden/policy/api/capture_api_faults.py > test/golden/policy/api/expected.json
"""
import json
import os
import sys
import warnings

warnings.simplefilter('ignore')
import logging  # noqa: E402
logging.disable(logging.CRITICAL)

import webob  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log  # noqa: E402

from heat.common import policy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
log.register_options(cfg.CONF)
cfg.CONF([], project='heat', default_config_files=[])
cfg.CONF.set_override('policy_dirs', [], 'oslo_policy')
cfg.CONF.set_override('policy_file', os.path.join(HERE, 'policy.yaml'), 'oslo_policy')

from heat.api.aws import exception as aws_exception  # noqa: E402
from heat.api.cfn.v1 import stacks as cfn_stacks  # noqa: E402
from heat.api.middleware import fault  # noqa: E402
from heat.api.openstack.v1 import util  # noqa: E402
from heat.common import context  # noqa: E402
from heat.common import wsgi  # noqa: E402


class Controller(object):
    REQUEST_SCOPE = 'stacks'

    def __init__(self):
        self.policy = policy.Enforcer(scope='stacks')


for _name in ('create', 'index', 'show', 'detail', 'template', 'nope', 'global_index'):
    def _h(self, req, _n=_name):
        return {'ok': _n}
    _h.__name__ = _name
    setattr(Controller, _name, util.registered_policy_enforce(_h))

APP = fault.FaultWrapper(wsgi.Resource(Controller(), wsgi.JSONRequestDeserializer()))


def ctx(roles, project='P1', system_scope=None):
    return context.RequestContext(roles=roles, project_id=project, user_id='u',
                                  system_scope=system_scope)


def native(action, c, tenant):
    req = webob.Request.blank('/')
    req.environ['wsgiorg.routing_args'] = (None, {'action': action, 'tenant_id': tenant})
    req.context = c
    r = req.get_response(APP)
    if r.status_int == 200:
        return {'status': 200}
    body = json.loads(r.body)
    return {'status': r.status_int, 'type': body['error']['type'],
            'message': body['error'].get('message')}


def cfn(action, c):
    ctl = cfn_stacks.StackController.__new__(cfn_stacks.StackController)
    ctl.policy = policy.Enforcer(scope='cloudformation')
    req = webob.Request.blank('/')
    req.context = c
    try:
        ctl._enforce(req, action)
        return {'status': 200}
    except aws_exception.HeatAPIException as e:
        return {'status': e.code, 'type': e.title, 'message': e.detail}


CASES = {
    'member_create': lambda: native('create', ctx(['member']), 'P1'),
    'stack_user_create': lambda: native('create', ctx(['heat_stack_user']), 'P1'),
    'member_other_tenant': lambda: native('create', ctx(['member']), 'P2'),
    'admin_other_tenant': lambda: native('create', ctx(['admin']), 'P2'),
    'system_reader_global_index': lambda: native('global_index', ctx(['reader'], None, 'all'), 'P1'),
    'system_admin_global_index': lambda: native('global_index', ctx(['admin'], None, 'all'), 'P1'),
    'type_error': lambda: native('index', ctx(['member']), 'P1'),
    'attribute_error': lambda: native('show', ctx(['member']), 'P1'),
    'syntax_error': lambda: native('detail', ctx(['member']), 'P1'),
    'value_error': lambda: native('template', ctx(['member']), 'P1'),
    'not_registered': lambda: native('nope', ctx(['member']), 'P1'),
    'cfn_member_create': lambda: cfn('CreateStack', ctx(['member'])),
    'cfn_stack_user_create': lambda: cfn('CreateStack', ctx(['heat_stack_user'])),
    'cfn_error': lambda: cfn('ListStacks', ctx(['member'])),
    'cfn_not_registered': lambda: cfn('Bogus', ctx(['member'])),
}


def main():
    json.dump({k: f() for k, f in CASES.items()}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
