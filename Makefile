# mod_heat top-level Makefile.
#   make              build build/mod_heat.so (installs missing Debian packages and runs
#                     ./configure first if needed; CONFIGURE_ARGS passes options to it)
#   make run          start Apache with mod_heat on 127.0.0.1:8004 (native) and :8000 (CFN)
#   make stop         stop it
#   make check        unit tests (ASan/UBSan with --enable-sanitizers) + integration tests
#   make check-unit / make check-integration [PYTEST_ARGS=...]
#   make check-integration-repeat [RUNS=3]   the integration suite several times in a row
#   make tools        build/heat-rpc-call, a CLI over the RPC client
#   make install      install the module, the conf snippets and the sample vhosts (DESTDIR honoured)
#   make clean
# The core (mod_heat/heat_*.c, no httpd headers) becomes build/module/libheat.a, linked into the
# module; the unit tests compile the same core again under build/unit/ with the sanitizer flags.

.DEFAULT_GOAL := all
include config.mk

config.mk: configure config.mk.in mod_heat/heat_version.h.in | deps
	./configure $(CONFIGURE_ARGS)

configure: configure.ac | deps
	./autogen.sh

# Installs what is missing (as root), else says what is; quick when nothing is.
deps:
	@test/stack/install-deps.sh

CORE_SRCS := $(sort $(wildcard mod_heat/heat_*.c))
GLUE_SRCS := $(sort $(wildcard mod_heat/mod_heat*.c))
HEADERS := $(wildcard mod_heat/*.h) mod_heat/heat_version.h
UNIT_SRCS := $(sort $(wildcard test/unit/*.c))

BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O2 $(WARN_CFLAGS) $(DEP_CFLAGS)
MODULE_CFLAGS = $(BASE_CFLAGS) $(APXS_CFLAGS) $(APXS_CPPFLAGS) -I$(APXS_INCLUDEDIR) -fPIC -Imod_heat
UNIT_CFLAGS = $(BASE_CFLAGS) -O1 $(SAN_CFLAGS) $(CHECK_CFLAGS) -Imod_heat
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
	$(CC) $(BASE_CFLAGS) -Imod_heat -o $@ $< build/module/libheat.a $(DEP_LIBS)

tools: build/heat-rpc-call

check-unit: build/unit/test_heat
	@if [ "$(HAVE_CHECK)" != yes ]; then echo "Check not found: install the 'check' package and re-run ./configure"; exit 1; fi
	HEAT_TEST_GOLDEN=test/golden build/unit/test_heat

check-integration: $(MODULE_SO) | deps
	$(PYTEST) -v $(PYTEST_ARGS) test/integration

# The whole integration suite RUNS times in a row (default 3), each a fresh pytest session; stops
# at the first run that fails, and says which. No rerun of a failed test: a chance failure shows.
RUNS ?= 3
check-integration-repeat: $(MODULE_SO) | deps
	@for i in $$(seq 1 $(RUNS)); do \
	  echo "== integration run $$i of $(RUNS)"; \
	  $(PYTEST) -v $(PYTEST_ARGS) test/integration || { echo "== integration run $$i of $(RUNS) failed"; exit 1; }; \
	done; echo "== $(RUNS) integration runs in a row passed"

check: check-unit check-integration

run: $(MODULE_SO)
	test/run-server.sh start

stop:
	test/run-server.sh stop

install: $(MODULE_SO)
	install -d $(DESTDIR)$(APXS_LIBEXECDIR)
	$(APXS) -i -S LIBEXECDIR=$(DESTDIR)$(APXS_LIBEXECDIR) -n heat $(MODULE_SO)
ifeq ($(CONF_LAYOUT),debian)
	install -d $(DESTDIR)$(APXS_SYSCONFDIR)/mods-available $(DESTDIR)$(APXS_SYSCONFDIR)/sites-available
	install -m 644 conf/heat.load conf/heat.conf $(DESTDIR)$(APXS_SYSCONFDIR)/mods-available/
	install -m 644 httpd/files/heat-api.conf httpd/files/heat-api-cfn.conf $(DESTDIR)$(APXS_SYSCONFDIR)/sites-available/
else
	install -d $(DESTDIR)$(APXS_SYSCONFDIR)/conf.modules.d $(DESTDIR)$(APXS_SYSCONFDIR)/conf.d
	install -m 644 conf/10-heat.conf $(DESTDIR)$(APXS_SYSCONFDIR)/conf.modules.d/
	for f in heat-api.conf heat-api-cfn.conf; do \
	  sed 's|$${APACHE_LOG_DIR}|/var/log/httpd|g' httpd/files/$$f > $(DESTDIR)$(APXS_SYSCONFDIR)/conf.d/$$f; done
endif

clean:
	rm -rf build test/integration/gen

distclean: clean
	rm -f config.mk config.log config.status configure aclocal.m4 mod_heat/heat_version.h

.PHONY: all tools deps check check-unit check-integration check-integration-repeat run stop install clean distclean
