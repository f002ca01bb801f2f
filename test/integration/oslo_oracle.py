"""oslo_oracle.py: what oslo.config (as heat-api 19.0.0 registers the options) makes of one option
in a config file. Run by the tests with Debian's /usr/bin/python3 in a subprocess, so the options
registered here never leak into pytest's process.

    oslo_oracle.py <config file> [--config-dir DIR] <section> <option>
prints `OK <repr of the value>` (exit 0) or `ERROR <message>` (exit 1).
"""

import sys

from oslo_config import cfg, generator

# The option namespaces of heat-api (see heat's config-generator.conf) that have no required
# options of their own (keystoneauth's plugin options do, and are not needed here).
NAMESPACES = ['heat.common.config', 'heat.common.wsgi', 'heat.api.aws.ec2token', 'oslo.messaging',
              'oslo.middleware', 'oslo.log', 'oslo.policy', 'keystonemiddleware.auth_token']


def main(argv):
    args = list(argv)
    files = ['--config-file', args.pop(0)]
    if args and args[0] == '--config-dir':
        args.pop(0)
        files += ['--config-dir', args.pop(0)]
    section, name = args
    conf = cfg.ConfigOpts()
    for _, lister in generator._get_raw_opts_loaders(NAMESPACES):
        for group, opts in lister():
            g = group if isinstance(group, str) or group is None else group.name
            for opt in opts:
                try:
                    conf.register_opt(opt, group=None if g in (None, 'DEFAULT') else g)
                except cfg.DuplicateOptError:
                    pass
    try:
        conf(files, project='heat', default_config_files=[])
        value = getattr(conf if section == 'DEFAULT' else getattr(conf, section), name)
    except Exception as e:  # the point is to report oslo's verdict, whatever the exception
        print('ERROR %s: %s' % (type(e).__name__, e))
        return 1
    print('OK %r' % (value,))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
