# LangFlix Publisher — build, run, test.
#
#   make            build everything (release flags)
#   make run        start the local stack (PostgreSQL, nginx, app, worker, emulator)
#   make stop       stop it
#   make test       sanitizer build + unit and integration tests
#   make coverage   gcc --coverage build, the same tests, gcovr's figures per folder
#   make install    install binaries, templates and static files (PREFIX, DESTDIR)

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
SANITIZE  ?= 0
COVERAGE  ?= 0

PKGS      := fcgi libcurl json-c openssl libpq libavformat libavcodec libswscale libavutil
CC        ?= cc
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
             -Wmissing-prototypes -Wstrict-prototypes \
             -pthread -Ilib $(shell pkg-config --cflags $(PKGS))
LDLIBS    += $(shell pkg-config --libs $(PKGS)) -pthread -lm
DEPFLAGS   = -MMD -MP

ifeq ($(SANITIZE),1)
CFLAGS    += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif

# make coverage: gcc's counters, updated atomically (the app and the worker
# count from several threads at once), no optimisation so lines map to code.
ifeq ($(COVERAGE),1)
CFLAGS    += -O0 --coverage -fprofile-update=atomic
LDFLAGS   += --coverage
endif

LIB_SRC   := $(wildcard lib/*.c)
APP_SRC   := $(wildcard cgi-bin/*.c)
WORKER_SRC:= $(wildcard worker/*.c)
CLI_SRC   := $(wildcard cli/*.c)
EMU_SRC   := $(wildcard emulator/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
ITEST_SRC := $(wildcard tests/integration/test_*.c)
TSUP_SRC  := $(wildcard tests/support/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBA      := $(BUILD)/liblangflix.a
APP       := $(BUILD)/langflix.fcgi
WORKER    := $(BUILD)/langflix-worker
CLI       := $(BUILD)/langflix
EMU       := $(BUILD)/tiktok-emulator.fcgi
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
ITEST_BIN := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(ITEST_SRC))
PROGRAMS  := $(APP) $(WORKER) $(CLI) $(if $(EMU_SRC),$(EMU))

.PHONY: all run stop test unit-tests test-bins install clean bench soak fuzz coverage
all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIBA): $(call obj,$(LIB_SRC))
	@rm -f $@
	$(AR) rcs $@ $^

$(APP): $(call obj,$(APP_SRC)) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(WORKER): $(call obj,$(WORKER_SRC)) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(CLI): $(call obj,$(CLI_SRC)) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(EMU): $(call obj,$(EMU_SRC)) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
# Integration tests and their support library include tests/support/testlib.h.
$(BUILD)/tests/integration/%.o $(BUILD)/tests/support/%.o: CFLAGS += -Itests/support
$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(call obj,$(TSUP_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The emulator's own TikTok rules (emulator/rules.c) are unit-tested apart
# from the emulator program.
$(BUILD)/tests/test_emulator_rules: $(BUILD)/emulator/rules.o

test-bins: $(PROGRAMS) $(UNIT_BIN) $(ITEST_BIN)

# The test build lives in its own folder with the sanitizers on.
test:
	$(MAKE) BUILD=build/test SANITIZE=1 test-bins
	BUILD=build/test tests/run.sh

unit-tests:
	$(MAKE) BUILD=build/test SANITIZE=1 test-bins
	BUILD=build/test tests/run.sh unit

# Coverage: its own build folder, no sanitizers; scripts/coverage.sh runs the
# tests against it and prints the report (build/coverage/report/).
coverage:
	$(MAKE) BUILD=build/coverage COVERAGE=1 test-bins
	scripts/coverage.sh

run:
	scripts/stack.sh run

stop:
	@scripts/stack.sh stop

# ---- bench and soak (scripts/bench.sh, scripts/soak.sh) --------------------
# bench: figures, never pass/fail (dashboard vs nginx static, worker upload
# vs curl -T, queue throughput and claim latency) on a release-build stack.
# soak: the long reliability runs (release build; minutes, not CI).
BENCH_WORKER := $(BUILD)/bench/bench_worker
$(BUILD)/scripts/bench/%.o: CFLAGS += -Itests/support
$(BENCH_WORKER): $(BUILD)/scripts/bench/bench_worker.o $(call obj,$(TSUP_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
bench: all $(BENCH_WORKER)
	BENCH_WORKER=$(abspath $(BENCH_WORKER)) scripts/bench.sh
soak: all $(BUILD)/tests/test_reliability
	LF_BIN=$(abspath $(BUILD)) scripts/soak.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
	    $(DESTDIR)$(PREFIX)/share/langflix/templates/partials \
	    $(DESTDIR)$(PREFIX)/share/langflix/static $(DESTDIR)$(PREFIX)/share/langflix/sql
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/langflix
	install -m 755 $(APP) $(WORKER) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 templates/*.mustache $(DESTDIR)$(PREFIX)/share/langflix/templates/
	install -m 644 templates/partials/*.mustache $(DESTDIR)$(PREFIX)/share/langflix/templates/partials/
	install -m 644 static/* $(DESTDIR)$(PREFIX)/share/langflix/static/
	install -m 644 sql/*.sql $(DESTDIR)$(PREFIX)/share/langflix/sql/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- fuzzing (tests/fuzz, clang libFuzzer) ---------------------------------
#   make fuzz              build every tests/fuzz/fuzz_*.c, run each FUZZ_SECONDS (60)
#   make fuzz-ci           the same, 10 s each
#   make fuzz-bins         build only
# lib/*.c is compiled again by clang with the fuzzer's coverage and ASan+UBSan
# into build/fuzz/ (its own archive, never mixed with the gcc objects). Seeds
# come from tests/fuzz/corpus/NAME/; crashes land in build/fuzz/artifacts/.
FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -pthread -Ilib \
                -Wmissing-prototypes -Wstrict-prototypes \
                $(shell pkg-config --cflags $(PKGS)) \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_LIBA    := $(FUZZ_DIR)/liblangflix.a

$(FUZZ_DIR)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_LIBA): $(patsubst lib/%.c,$(FUZZ_DIR)/lib/%.o,$(LIB_SRC))
	@rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBA)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBA) $(LDLIBS)

.PHONY: fuzz-bins fuzz-ci
fuzz-bins: $(FUZZ_BIN)
fuzz: fuzz-bins
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh
fuzz-ci: fuzz-bins
	FUZZ_SECONDS=10 tests/fuzz/run.sh
-include $(wildcard $(FUZZ_DIR)/lib/*.d)
