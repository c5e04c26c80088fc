# raresynth: PGXS build.  `make`, `make install`, `make installcheck`
# (pg_regress, needs a running server), `make unit` (core unit tests, no
# server), `make fuzz` (libFuzzer on the state format), `make bench`.

EXTENSION  = raresynth
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

# The numeric core: plain C, no PostgreSQL headers.
CORE_SRCS = src/core/rs_common.c src/core/rng.c src/core/table.c src/core/format.c src/core/smote.c src/core/design.c src/core/classifier.c src/core/boosted.c src/core/protocol.c src/core/evaluate.c src/core/team.c src/core/nn.c src/core/gan.c src/core/gan_cond.c src/core/gan_train.c src/core/gan_sample.c src/core/gan_io.c src/core/dp_account.c src/core/hparams.c src/core/encoder.c src/core/encoder_io.c src/core/mixture.c src/core/columns.c src/core/quality.c src/core/quality_pairs.c src/core/quality_privacy.c src/core/quality_detect.c src/core/depend.c src/core/rules.c src/core/model.c src/core/given.c src/core/sampler.c src/core/sampler_rules.c src/core/gemm16.c src/core/fastmath.c src/core/blas.c src/core/sgemm.c

# PostgreSQL glue: one file per SQL concern.
GLUE_SRCS = src/raresynth.c src/progress.c src/options.c src/datum.c src/source.c src/dependencies.c src/read.c src/memory.c src/rowmaker.c src/write.c src/keys.c src/citus.c src/catalog.c src/model_json.c src/profile.c src/train.c src/sample.c src/given.c src/synthesize.c src/quality.c src/smote.c src/score.c src/evaluate.c src/help.c src/balance.c src/dp.c

MODULE_big = raresynth
OBJS = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

DATA = $(wildcard sql/$(EXTENSION)--*.sql)

# pg_regress scripts are sql/<name>.sql with expected/<name>.out; the
# install scripts (sql/raresynth--*.sql) share the folder but are not tests.
REGRESS = $(filter-out $(EXTENSION)--%,$(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# OpenBLAS's headers only: the library is dlopen()ed at load time, so that
# raresynth chooses its kernels from cpuid first (src/core/blas.h)
BLAS_CFLAGS = -I/usr/include/x86_64-linux-gnu/openblas-pthread
BLAS_LIBS   = -ldl
WARN = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
       -Wno-missing-field-initializers -Wno-cast-function-type
PG_CPPFLAGS = -Isrc -Isrc/core $(BLAS_CFLAGS) -DRS_EXTVERSION='"$(EXTVERSION)"'
# Calls between the core's functions stay direct (and inlinable) in the
# shared library: nothing outside it interposes them.
PG_CFLAGS = $(WARN) -fno-semantic-interposition
# XGBoost (libxgboost-dev) for the boosted classifier; libgomp directly for
# omp_pause_resource_all (boosted.c ends XGBoost's OpenMP pool after a fit).
XGB_LIBS = -lxgboost -lgomp
SHLIB_LINK += $(BLAS_LIBS) $(XGB_LIBS) -lm

EXTRA_CLEAN = results regression.diffs regression.out \
              test/unit/build test/fuzz/build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object depends on the core headers.
$(OBJS): $(wildcard src/core/*.h) $(wildcard src/*.h)

# ---------------------------------------------------------------- unit tests
UNIT_CC     ?= gcc
UNIT_CFLAGS ?= -std=c11 -O2 -g -Wall -Wextra -Werror -Isrc/core -Itest/unit $(BLAS_CFLAGS)
UNIT_LIBS    = $(BLAS_LIBS) $(XGB_LIBS) -lm
UNIT_SRCS    = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS    = $(patsubst test/unit/%.c,test/unit/build/%,$(UNIT_SRCS))
UNIT_RUNNER ?=

# the core is compiled once for all the unit tests (an archive they link)
UNIT_CORE_OBJS = $(patsubst src/core/%.c,test/unit/build/core/%.o,$(CORE_SRCS))
UNIT_CORE_LIB  = test/unit/build/libcore.a

test/unit/build/core/%.o: src/core/%.c $(wildcard src/core/*.h)
	@mkdir -p test/unit/build/core
	$(UNIT_CC) $(UNIT_CFLAGS) -c -o $@ $<

$(UNIT_CORE_LIB): $(UNIT_CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

test/unit/build/%: test/unit/%.c $(UNIT_CORE_LIB) $(wildcard src/core/*.h) $(wildcard test/unit/*.h)
	@mkdir -p test/unit/build
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_CORE_LIB) $(UNIT_LIBS)

.PHONY: unit unit-valgrind fuzz fuzz-state bench utility
unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $(UNIT_RUNNER) ./$$t || rc=1; done; exit $$rc

unit-valgrind: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do \
	  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
	    ./$$t || rc=1; done; exit $$rc

# ---------------------------------------------------------------- fuzzing
FUZZ_SECONDS ?= 60
test/fuzz/build/fuzz_format: test/fuzz/fuzz_format.c $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p test/fuzz/build
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core $(BLAS_CFLAGS) -o $@ $< $(CORE_SRCS) $(BLAS_LIBS) $(XGB_LIBS) -lm

fuzz: test/fuzz/build/fuzz_format
	@mkdir -p test/fuzz/build/corpus
	./test/fuzz/build/fuzz_format -max_total_time=$(FUZZ_SECONDS) -seed=1 test/fuzz/build/corpus

# The whole model state, structure-aware (semantic mutations, CRC
# recomputed; every state that loads is sampled): see fuzz_state.c.
FUZZ_STATE_SECONDS ?= 60
test/fuzz/build/fuzz_state: test/fuzz/fuzz_state.c test/unit/model_fixture.h $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p test/fuzz/build
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc/core -Itest/unit $(BLAS_CFLAGS) -o $@ $< $(CORE_SRCS) $(BLAS_LIBS) $(XGB_LIBS) -lm

fuzz-state: test/fuzz/build/fuzz_state
	@mkdir -p test/fuzz/build/corpus_state
	./test/fuzz/build/fuzz_state -max_total_time=$(FUZZ_STATE_SECONDS) -seed=1 -max_len=65536 \
	  -malloc_limit_mb=64 -timeout=10 -print_final_stats=1 -artifact_prefix=test/fuzz/build/ \
	  test/fuzz/build/corpus_state

# ---------------------------------------------------------------- benchmarks
bench:
	bash test/bench/run.sh

# the utility table of docs/evaluation.md: every method, both classifiers,
# the GAN variants, on the real data sets of test/data/datasets
utility:
	bash test/bench/utility.sh
