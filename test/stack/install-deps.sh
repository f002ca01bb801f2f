#!/bin/sh
# Installs, from Debian's archive, every package mod_heat's build, tests and `make run` need,
# but only those that are missing (a no-op on a machine that has them all). Services that the
# packages' postinst scripts would start are held back with a temporary policy-rc.d: the test
# harness starts what it needs itself, on loopback.
set -eu

BUILD="autoconf automake pkg-config make gcc apache2 apache2-dev libapr1-dev libaprutil1-dev
libjansson-dev libcurl4-openssl-dev libyaml-dev librabbitmq-dev libssl-dev check"
# clang and its runtimes (libFuzzer, ASan, UBSan): the fuzz targets of test/fuzz, replayed by make check.
FUZZ="clang libclang-rt-14-dev"
# awscli and python3-botocore: the real AWS clients the CFN tests sign requests with;
# memcached: the shared token cache's integration test; openssl makes the CAs and certificates
# of test_tls.py, stunnel4 its TLS terminators in front of the stack's Keystone and RabbitMQ;
# python3-prometheus-client: its parser reads the heat-metrics handler's output (test_metrics.py);
# haproxy: the load balancer in front of the two mod_heat nodes of test/stack/multinode.py.
TEST="python3-pytest python3-requests curl awscli python3-botocore memcached openssl stunnel4
python3-prometheus-client haproxy"
# The Python heat-api and heat-api-cfn are the reference the integration tests compare with.
REFERENCE="heat-api heat-api-cfn"
# The "before" deployments of the migration tests: heat-api under mod_wsgi and under uwsgi.
MIGRATION="libapache2-mod-wsgi-py3 uwsgi uwsgi-plugin-python3"
# bench/run.sh all: wrk loads the servers, gnuplot draws bench/results/*.png (bench/charts.sh).
BENCH="wrk gnuplot-nox"
# The real backing stack test/stack/stack.sh brings up on loopback: MariaDB, RabbitMQ, Keystone
# (served by uwsgi), heat-engine, and the clients used to check it. util-linux gives setpriv,
# setsid and flock, procps ps; python3-amqp and python3-requests are what stack-helper.py uses.
STACK="mariadb-server python3-pymysql rabbitmq-server keystone heat-engine heat-api heat-api-cfn
python3-openstackclient python3-heatclient uwsgi uwsgi-plugin-python3 python3-amqp python3-requests
util-linux procps mariadb-client curl"
# The packages test_packaging_deb.py and test_packaging_rpm.py build: dpkg-buildpackage with dh and
# dh_apache2 (debhelper, apache2-dev), lintian to check the .deb, rpmbuild (Debian's rpm) for the spec
# and cpio to unpack the RPM.
PACKAGING="dpkg-dev debhelper fakeroot lintian rpm cpio"
# test/stack/trixie.sh's heat 24.0.0 stack: debootstrap makes its Debian 13 root, with trixie's
# archive keys from debian-archive-keyring; findmnt (util-linux) guards its removal.
TRIXIE="debootstrap debian-archive-keyring"
PACKAGES="$BUILD $FUZZ $TEST $REFERENCE $MIGRATION $BENCH $STACK $PACKAGING $TRIXIE"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "mod_heat: missing Debian packages:$missing" >&2
    echo "mod_heat: run as root (or: sudo apt-get install$missing)" >&2
    exit 0 # configure or the tests will then say precisely what is missing
fi

echo "mod_heat: installing$missing"
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
    saved=$(mktemp)
    cp -p "$policy" "$saved"
fi
restore() {
    if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
# keystone's and heat's postinst must not try to configure a database, RabbitMQ, Keystone users
# or endpoints (false is also the default, so noninteractive installs ask nothing; this makes it
# explicit). stack.sh does all of that itself, on its own state directory.
debconf-set-selections <<'SEED'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
heat-common heat/configure_db boolean false
heat-common heat/configure_rabbit boolean false
heat-common heat/configure_ksat boolean false
heat-common heat/configure_with_debconf boolean false
heat-api heat/configure_api-endpoint boolean false
SEED
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
