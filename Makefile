# mod_heat top-level Makefile.
#   make              build build/mod_heat.so (installs missing Debian packages and runs
#                     ./configure first if needed; CONFIGURE_ARGS passes options to it)
#   make run          start Apache with mod_heat on 127.0.0.1:8004 (native) and :8000 (CFN)
#   make stop         stop it
#   make check        source checks, unit tests (ASan/UBSan with --enable-sanitizers), fuzz corpus replay,
#                     integration tests
#   make check-unit / make check-fuzz-corpus / make check-integration [PYTEST_ARGS=...]
#   make check-integration-24   only the differential and life-cycle suites against heat 24.0.0
#   make check-integration-repeat [RUNS=3]   the integration suite several times in a row
#   make fuzz         run every libFuzzer target (clang) for FUZZ_SECONDS each (test/fuzz/README.md)
#   make tools        build/heat-rpc-call, a CLI over the RPC client; build/heat-rpc-bench
#   make install      install the module, the conf snippets and the sample vhosts (DESTDIR honoured)
#   make clean
# The core (mod_heat/<folder>/heat_*.c, no httpd headers) becomes build/module/libheat.a, linked into the
# module; the unit tests compile the same core again under build/unit/ with the sanitizer flags.

.DEFAULT_GOAL := all
include config.mk

config.mk: configure config.mk.in mod_heat/common/heat_version.h.in | deps
	./configure $(CONFIGURE_ARGS)

configure: configure.ac | deps
	./autogen.sh

# Installs what is missing (as root), else says what is; quick when nothing is.
deps:
	@test/stack/install-deps.sh

# The glue (httpd's side) at the top of mod_heat/, the core in folders by concern
# (doc/architecture.md); every folder is on the include path, headers are named by basename.
CORE_SRCS := $(sort $(wildcard mod_heat/*/*.c))
GLUE_SRCS := $(sort $(wildcard mod_heat/mod_heat*.c))
HEADERS := $(wildcard mod_heat/*.h mod_heat/*/*.h) mod_heat/common/heat_version.h
INCLUDES := -Imod_heat $(patsubst %/,-I%,$(sort $(dir $(CORE_SRCS))))
UNIT_SRCS := $(sort $(wildcard test/unit/*.c))

BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O2 $(WARN_CFLAGS) $(DEP_CFLAGS)
MODULE_CFLAGS = $(BASE_CFLAGS) $(APXS_CFLAGS) $(APXS_CPPFLAGS) -I$(APXS_INCLUDEDIR) -fPIC $(INCLUDES)
UNIT_CFLAGS = $(BASE_CFLAGS) -O1 $(SAN_CFLAGS) $(CHECK_CFLAGS) $(INCLUDES)
# apxs installs the .so into its LIBEXECDIR; the test harness loads it from here.
MODULE_SO = build/mod_heat.so

all: $(MODULE_SO)

build/module/%.o: mod_heat/%.c $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(MODULE_CFLAGS) -c -o $@ $<

build/module/libheat.a: $(CORE_SRCS:mod_heat/%.c=build/module/%.o)
	rm -f $@
	ar rcs $@ $^

$(MODULE_SO): $(GLUE_SRCS:mod_heat/%.c=build/module/%.o) build/module/libheat.a
	$(CC) -shared -o $@ $(GLUE_SRCS:mod_heat/%.c=build/module/%.o) build/module/libheat.a $(DEP_LIBS)

build/unit/core/%.o: mod_heat/%.c $(HEADERS) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -c -o $@ $<

build/unit/test/%.o: test/unit/%.c $(HEADERS) $(wildcard test/unit/*.h) config.mk
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -c -o $@ $<

build/unit/libheat.a: $(CORE_SRCS:mod_heat/%.c=build/unit/core/%.o)
	rm -f $@
	ar rcs $@ $^

build/unit/test_heat: $(UNIT_SRCS:test/unit/%.c=build/unit/test/%.o) build/unit/libheat.a
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS:test/unit/%.c=build/unit/test/%.o) build/unit/libheat.a $(CHECK_LIBS) $(DEP_LIBS)

# heat-rpc-call: a CLI over the core's RPC client (test/tools/heat-rpc-call.c).
build/heat-rpc-call: test/tools/heat-rpc-call.c build/module/libheat.a
	$(CC) $(BASE_CFLAGS) $(INCLUDES) -o $@ $< build/module/libheat.a $(DEP_LIBS)

# heat-rpc-bench: heat-engine's own ceiling for bench/run.sh (test/tools/heat-rpc-bench.c).
build/heat-rpc-bench: test/tools/heat-rpc-bench.c build/module/libheat.a
	$(CC) $(BASE_CFLAGS) $(INCLUDES) -o $@ $< build/module/libheat.a $(DEP_LIBS)

tools: build/heat-rpc-call build/heat-rpc-bench

check-unit: build/unit/test_heat
	@if [ "$(HAVE_CHECK)" != yes ]; then echo "Check not found: install the 'check' package and re-run ./configure"; exit 1; fi
	HEAT_TEST_GOLDEN=test/golden build/unit/test_heat

# No httpd header in the core, no include cycle between the core's folders, one HEATnnnn id per
# warning-or-worse log call (test/tools/check_sources.py).
check-sources:
	python3 test/tools/check_sources.py

# Then the differential and life-cycle suites again against heat 24.0.0 (test/stack/trixie.sh's
# stack, built on first use; mod_heat with HeatRelease 24 on kernel ports): native under 24's
# policy defaults, CFN with enforce_new_defaults off (24.0.0's deprecated rules), where heat-api-cfn 24 lets
# project users act (under the defaults it refuses them all; test_stack_release24.py and
# test_release.py check that refusal in the first run).
INTEGRATION_24_NATIVE = test_stack_differential.py test_stack_differential_misc.py \
	test_stack_differential_resources.py test_stack_lifecycle.py
INTEGRATION_24_CFN = test_cfn_differential.py test_cfn_lifecycle.py
HEAT24_CFN_POLICY = enforce_new_defaults=false
check-integration: $(MODULE_SO) | deps
	$(PYTEST) -v $(PYTEST_ARGS) test/integration
	$(MAKE) --no-print-directory check-integration-24

check-integration-24: $(MODULE_SO) | deps
	HEAT_RELEASE=24 $(PYTEST) -v $(PYTEST_ARGS) $(INTEGRATION_24_NATIVE:%=test/integration/%)
	HEAT_RELEASE=24 HEAT24_TEST_OSLO_POLICY='$(HEAT24_CFN_POLICY)' $(PYTEST) -v $(PYTEST_ARGS) \
	  $(INTEGRATION_24_CFN:%=test/integration/%)

# The whole integration suite RUNS times in a row (default 3), each a fresh pytest session; stops
# at the first run that fails, and says which. No rerun of a failed test: a chance failure shows.
RUNS ?= 3
check-integration-repeat: $(MODULE_SO) | deps
	@for i in $$(seq 1 $(RUNS)); do \
	  echo "== integration run $$i of $(RUNS)"; \
	  $(PYTEST) -v $(PYTEST_ARGS) test/integration || { echo "== integration run $$i of $(RUNS) failed"; exit 1; }; \
	done; echo "== $(RUNS) integration runs in a row passed"

# ---- libFuzzer (test/fuzz/README.md) ----
# The core again, built by clang with libFuzzer's coverage and ASan/UBSan, into build/fuzz/;
# one binary per test/fuzz/fuzz_<name>.c. UBSan does not recover, so undefined behaviour is a
# crash. The limits make a memory blow-up a crash too.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(sort $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c)))
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(WARN_CFLAGS) $(DEP_CFLAGS) $(FUZZ_SAN) $(INCLUDES)
FUZZ_LIMITS = -rss_limit_mb=512 -malloc_limit_mb=256 -timeout=10
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

fuzz-clang:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "fuzz: $(FUZZ_CC) not found: the fuzz targets need clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev, or run test/stack/install-deps.sh)" >&2; exit 1; }

build/fuzz/core/%.o: mod_heat/%.c $(HEADERS) config.mk | fuzz-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libheat.a: $(CORE_SRCS:mod_heat/%.c=build/fuzz/core/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz_common.h build/fuzz/libheat.a $(HEADERS) | fuzz-clang
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libheat.a $(DEP_LIBS)

fuzz-build: $(FUZZ_BINS)

# Every seed and regression input once; any crash, leak, UB or limit breach fails. Inputs listed
# in test/fuzz/regressions/open.txt (bugs whose fix is not merged yet) are skipped, loudly;
# FUZZ_STRICT=1 replays them too.
FUZZ_OPEN = $(if $(FUZZ_STRICT),,$(shell sed -n 's/^\([^#[:space:]][^[:space:]]*\).*/test\/fuzz\/regressions\/\1/p' test/fuzz/regressions/open.txt 2>/dev/null))
check-fuzz-corpus: fuzz-build
	@for f in $(FUZZ_OPEN); do echo "check-fuzz-corpus: SKIPPED $$f (open bug, see test/fuzz/regressions/open.txt)"; done
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  files=$$(find test/fuzz/corpus/$$t test/fuzz/regressions/$$t -type f 2>/dev/null | sort | grep -vxF -e /dev/null $(FUZZ_OPEN:%=-e %)); \
	  if [ -z "$$files" ]; then echo "check-fuzz-corpus: $$t: no seeds in test/fuzz/corpus/$$t" >&2; fail=1; continue; fi; \
	  if build/fuzz/fuzz_$$t $(FUZZ_LIMITS) $$files >build/fuzz/replay-$$t.log 2>&1; then \
	    echo "check-fuzz-corpus: $$t: $$(echo "$$files" | wc -l) inputs OK"; \
	  else echo "check-fuzz-corpus: $$t: FAILED (build/fuzz/replay-$$t.log)" >&2; tail -n 30 build/fuzz/replay-$$t.log >&2; fail=1; fi; \
	done; exit $$fail

# Each target for FUZZ_SECONDS, new inputs in build/fuzz/corpus/<t> (seeds stay as committed),
# crashes in build/fuzz/artifacts/<t>/. Runs every target, then fails if any found something.
fuzz: fuzz-build
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t build/fuzz/artifacts/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  if build/fuzz/fuzz_$$t $(FUZZ_LIMITS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=build/fuzz/artifacts/$$t/ build/fuzz/corpus/$$t test/fuzz/corpus/$$t \
	      >build/fuzz/fuzz-$$t.log 2>&1; then grep -h '^stat::number_of_executed_units' build/fuzz/fuzz-$$t.log; \
	  else echo "fuzz: $$t: FOUND A CRASH: $$(ls build/fuzz/artifacts/$$t) (build/fuzz/fuzz-$$t.log)" >&2; fail=1; fi; \
	done; exit $$fail

check: check-sources check-unit check-fuzz-corpus check-integration

run: $(MODULE_SO)
	test/run-server.sh start

stop:
	test/run-server.sh stop

# Red Hat's apxs answers SYSCONFDIR=/etc/httpd/conf; conf.modules.d and conf.d are beside it. The
# directories may be given (the RPM spec passes httpd-devel's %{_httpd_*} macros).
MODULE_DIR ?= $(APXS_LIBEXECDIR)
HTTPD_CONFROOT ?= $(patsubst %/conf,%,$(APXS_SYSCONFDIR))
HTTPD_MODCONFDIR ?= $(HTTPD_CONFROOT)/conf.modules.d
HTTPD_CONFDIR ?= $(HTTPD_CONFROOT)/conf.d
HTTPD_LOGDIR ?= /var/log/httpd

install: $(MODULE_SO)
	install -d $(DESTDIR)$(MODULE_DIR)
	$(APXS) -i -S LIBEXECDIR=$(DESTDIR)$(MODULE_DIR) -n heat $(MODULE_SO)
ifeq ($(CONF_LAYOUT),debian)
	install -d $(DESTDIR)$(APXS_SYSCONFDIR)/mods-available $(DESTDIR)$(APXS_SYSCONFDIR)/sites-available
	install -m 644 conf/heat.load conf/heat.conf $(DESTDIR)$(APXS_SYSCONFDIR)/mods-available/
	install -m 644 httpd/files/heat-api-mod_heat.conf httpd/files/heat-api-cfn-mod_heat.conf $(DESTDIR)$(APXS_SYSCONFDIR)/sites-available/
else
	install -d $(DESTDIR)$(HTTPD_MODCONFDIR) $(DESTDIR)$(HTTPD_CONFDIR)
	install -m 644 conf/10-heat.conf $(DESTDIR)$(HTTPD_MODCONFDIR)/
	for f in heat-api-mod_heat.conf heat-api-cfn-mod_heat.conf; do \
	  sed 's|$${APACHE_LOG_DIR}|$(HTTPD_LOGDIR)|g' httpd/files/$$f > $(DESTDIR)$(HTTPD_CONFDIR)/$$f; \
	  chmod 644 $(DESTDIR)$(HTTPD_CONFDIR)/$$f; done
endif

clean:
	rm -rf build test/integration/gen

distclean: clean
	rm -f config.mk config.log config.status configure aclocal.m4 mod_heat/common/heat_version.h

.PHONY: all tools deps check check-unit check-integration check-integration-24 check-integration-repeat check-sources run stop install \
	clean distclean fuzz fuzz-build fuzz-clang check-fuzz-corpus
