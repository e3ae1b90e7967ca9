# MajorOps — one C11 binary.  `make run` sets up and serves; `make test` runs the suite.
CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libsodium libpq
# libcurl: the optional LLM rewriter of drafts (src/llm.c)
PKGS    += libcurl
# libcrypto (OpenSSL 3): RSA and ECDSA signatures of single sign-on ID tokens (src/jwt.c);
# libsodium, which does the rest of our cryptography, has no RSA
PKGS    += libcrypto
# libcmark: the After Action's Markdown rendered to HTML (src/afteraction.c)
PKGS    += libcmark
# zlib: the public status page's documents compressed once per change (src/gzip.c)
PKGS    += zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wno-unused-parameter -Wvla
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DMAJOROPS_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm

# The source list is the architecture map; layers point one way: http → service → store/domain.
# core types and helpers
CORE_SRCS   := src/buf.c src/parse.c src/json.c src/codec.c src/gzip.c
# domain: the doctrine, pure, clock injected
DOMAIN_SRCS := src/incident.c src/doctrine.c src/can.c src/tracks.c src/guardrails.c src/firstten.c src/assist.c src/posture.c
# store: the event log and projections behind store.h; shared core, then one file per backend
STORE_SRCS  := src/store.c src/store_sqlite.c src/store_pg.c
# service: commands = validate + one transaction + publish
SVC_SRCS    := src/service.c src/sse.c src/worker.c src/secret.c
# the command doctrine's commands, views and guardrail sweep (issue 4)
SVC_SRCS    += src/command.c
# alert intake and run cards (issue 8): payload parsing and run cards (pure), their commands
DOMAIN_SRCS += src/signals.c src/runcards.c
SVC_SRCS    += src/intake.c
# the status page's configured components and scheduled maintenance (issue 6)
SVC_SRCS    += src/components.c
# After Action reviews, action items and KPIs (issue 10): generation and arithmetic
# (pure), their commands, their handlers
DOMAIN_SRCS += src/afteraction.c
SVC_SRCS    += src/actions.c
# on-call and paging (issue 9): time zones and rotation arithmetic (pure), teams and
# rotations, pages and their escalation (handlers: oncall_api.c under http)
DOMAIN_SRCS += src/tz.c src/oncall.c
SVC_SRCS    += src/teams.c src/pages.c
# notifications (issue 9): message formatting per channel kind (pure), the outbox with its
# channels and subscribers, the libcurl sender, their handlers
DOMAIN_SRCS += src/notify.c
SVC_SRCS    += src/outbox.c src/deliver.c
# public: what the public may see (statuspage, pure) and its routes and cache (public)
PUBLIC_SRCS := src/statuspage.c src/public.c
# http: server, routes, handlers
HTTP_SRCS   := src/http.c src/api.c
# accounts, sessions, tokens, audit and the per-request check (issue 7): the module, its
# handlers and pages, its command-line verbs
SVC_SRCS    += src/auth.c
HTTP_SRCS   += src/auth_api.c src/auth_cli.c
HTTP_SRCS   += src/afteraction_api.c
HTTP_SRCS   += src/oncall_api.c
HTTP_SRCS   += src/outbox_api.c
# web: the browser UI under web/, embedded by tools/embed.c into build/web_assets.c
WEB_SRCS    := src/web.c
LIB_SRCS    := $(CORE_SRCS) $(DOMAIN_SRCS) $(STORE_SRCS) $(SVC_SRCS) $(HTTP_SRCS) $(WEB_SRCS) $(PUBLIC_SRCS)
# integrations: the optional OpenAI-compatible rewriter of drafts (llm.h)
INTEG_SRCS  := src/llm.c
# single sign-on with OpenID Connect (issue 7, oidc.h): ID token checks (pure), the flow
INTEG_SRCS  += src/jwt.c src/oidc.c
LIB_SRCS    += $(INTEG_SRCS)
MAIN_SRCS   := src/main.c
UNIT_SRCS   := $(wildcard tests/unit/*.c) tests/fuzz/targets.c

BUILD   := build
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
WEB_FILES := $(shell find web -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)
GEN_SRCS  := $(BUILD)/web_assets.c

REL_OBJS  := $(patsubst %.c,$(BUILD)/rel/%.o,$(LIB_SRCS) $(MAIN_SRCS) $(GEN_SRCS))
SAN_OBJS  := $(patsubst %.c,$(BUILD)/san/%.o,$(LIB_SRCS) $(GEN_SRCS))
SAN_MAIN  := $(patsubst %.c,$(BUILD)/san/%.o,$(MAIN_SRCS))
UNIT_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(UNIT_SRCS))

.PHONY: all run test unit deps deps-test lint bench fuzz clean FORCE
all: majorops

majorops: $(REL_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/rel/%.o: %.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c $(wildcard src/*.h) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -DUNITTEST -Isrc -c -o $@ $<

# The embedded UI: regenerated when any file under web/ changes, appears or goes.
$(BUILD)/embed: tools/embed.c src/gzip.c src/gzip.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o $@ tools/embed.c src/gzip.c \
		$(shell pkg-config --cflags --libs zlib)

$(BUILD)/web_files.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(WEB_FILES)' | cmp -s - $@ || echo '$(WEB_FILES)' > $@

$(BUILD)/web_assets.c: $(BUILD)/embed $(WEB_FILES) $(BUILD)/web_files.list
	$(BUILD)/embed web $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/majorops-san: $(SAN_OBJS) $(SAN_MAIN)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit: $(SAN_OBJS) $(UNIT_OBJS)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh scripts/deps.sh

deps-test:
	@sh scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory majorops
	./majorops serve --listen 127.0.0.1:8080 --db ./majorops.db

# The whole suite under ASan+UBSan; the last line is "N passed, N failed".
test: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/majorops-san $(BUILD)/unit
	@[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
	@sh tests/run.sh

unit: $(BUILD)/unit
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/unit

lint:
	@sh scripts/lint.sh

# Every benchmark, each against its reference in the same run (docs/benchmarks.md and the
# feature docs record the figures); one that cannot run fails the target after the rest ran.
bench: deps majorops
	@status=0; \
	sh bench/run.sh || status=1; \
	sh bench/public_bench.sh || status=1; \
	sh bench/signals_bench.sh || status=1; \
	sh bench/pg_bench.sh || status=1; \
	exit $$status

# libFuzzer over each parser (clang); `make test` replays the corpus under tests/fuzz/corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p $(BUILD)/fuzz
	@for t in json parse; do \
		clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PKG_CFLAGS) \
			-o $(BUILD)/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c tests/fuzz/targets.c \
			$(CORE_SRCS) $(DOMAIN_SRCS) $(LDLIBS) || exit 1; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) tests/fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf $(BUILD) majorops
