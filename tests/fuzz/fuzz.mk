# fuzz.mk: libFuzzer targets, one per parser of a stranger's bytes.
# Each tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput; its corpus
# is tests/fuzz/corpus/NAME/.
#   fuzz-short   build with clang and run each target FUZZ_SECONDS (15)
#                from its corpus; without clang, replay the corpora under gcc
#   fuzz-replay  replay every corpus file once through a gcc-built driver
#   fuzz         run each target FUZZ_LONG seconds (300)
# UBSan stops a run at its first report, as ASan does: a report is then
# a crash with its input saved, never a line lost in the log.

PKGS	= json-c libcurl libcrypto inih fcgi
FCFLAGS	= -Iinclude -D_GNU_SOURCE -DHOOKLINE_VERSION='"fuzz"' -g -O1 \
	  $(shell pkg-config --cflags $(PKGS)) \
	  $(shell pkg-config --cflags libpq)
# libpq: only its headers (db.c loads the library on first use).
FLIBS	= $(shell pkg-config --libs $(PKGS))
SRC	= $(filter-out src/main.c,$(wildcard src/*.c))
TARGETS	= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
OUT	= build/fuzz
FUZZ_SECONDS ?= 15
FUZZ_LONG ?= 300
HAVE_CLANG := $(shell command -v clang >/dev/null 2>&1 && \
	echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' | \
	clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null && echo yes)

$(OUT) $(OUT)/replay:
	mkdir -p $@

$(OUT)/%: tests/fuzz/fuzz_%.c $(SRC) $(wildcard include/*.h src/*.h tests/fuzz/*.h) | $(OUT)
	clang $(FCFLAGS) -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< $(SRC) $(FLIBS)

$(OUT)/replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(SRC) \
	    $(wildcard include/*.h src/*.h tests/fuzz/*.h) | $(OUT)/replay
	$(CC) $(FCFLAGS) -o $@ $< tests/fuzz/replay.c $(SRC) $(FLIBS)

fuzz-replay: $(TARGETS:%=$(OUT)/replay/%)
	@for t in $(TARGETS); do \
	    $(OUT)/replay/$$t tests/fuzz/corpus/$$t || exit 1; done

ifeq ($(HAVE_CLANG),yes)
fuzz-short: $(TARGETS:%=$(OUT)/%) fuzz-replay
	@for t in $(TARGETS); do \
	    mkdir -p $(OUT)/corpus/$$t tests/fuzz/corpus/$$t; \
	    echo "== fuzz $$t ($(FUZZ_SECONDS)s)"; \
	    $(OUT)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -print_final_stats=1 -artifact_prefix=tests/fuzz/ \
	        $(OUT)/corpus/$$t tests/fuzz/corpus/$$t 2>$(OUT)/$$t.log || \
	        { tail -n 40 $(OUT)/$$t.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units' $(OUT)/$$t.log; \
	done
fuzz: $(TARGETS:%=$(OUT)/%)
	@for t in $(TARGETS); do \
	    $(OUT)/$$t -max_total_time=$(FUZZ_LONG) -artifact_prefix=tests/fuzz/ \
	        tests/fuzz/corpus/$$t || exit 1; done
else
fuzz-short: fuzz-replay
	@echo "clang with libFuzzer not found: replayed the corpora only"
fuzz:
	@echo "make fuzz needs clang with libFuzzer (apt-get install clang libclang-rt-14-dev)"; exit 1
endif

.PHONY: fuzz fuzz-short fuzz-replay
