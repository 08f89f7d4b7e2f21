# hermes-s6: generic rules; what is specific to the package is in package/.
# ./configure writes config.mak; a missing one is made with the defaults.

-include config.mak
include package/targets.mak
B ?= build
include package/deps.mak


# {fmt} header-only, without the locale and the floating-point formatters
# that no message needs: they are a quarter of a static binary.
FMT_FLAGS := -DFMT_HEADER_ONLY -DFMT_STATIC_THOUSANDS_SEPARATOR=0x2c -DFMT_USE_FLOAT=0 -DFMT_USE_DOUBLE=0 -DFMT_USE_LONG_DOUBLE=0
CXXFLAGS_ALL := -std=c++20 -Wall -Wextra -Isrc/include -MMD -MP $(FMT_FLAGS) $(CXXFLAGS_CONF) -DHS6_SHEBANGDIR=\"$(shebangdir)\"
SHEBANGDIR_TEST := /usr/bin
# @WITHCONTENV@ in a script: s6-overlay's with-contenv when installed;
# nothing in the test copy (Debian has no with-contenv). @NOCONTENV@: nothing
# when installed, -E in the test copy (slots rendered without with-contenv).
WITHCONTENV ?= with-contenv
# @CONTENV@ (02 alone): with-contenv's effect in one exec, s6-envdir on
# s6-overlay's saved environment when installed; nothing in the test copy;
# the bench's own environment dir in the bench copy.
CONTENV ?= s6-envdir -I -Lf -- /run/s6/container_environment

# The object of DIR/NAME.cpp is $(B)/obj/DIR/NAME.o, whatever DIR.
LIB_SRCS := $(wildcard src/lib/*.cpp)
LIB_OBJS := $(LIB_SRCS:%.cpp=$(B)/obj/%.o)
TOOL_OBJS := $(BIN_TARGETS:%=$(B)/obj/src/tools/%.o)
UNIT_OBJS := $(patsubst %.cpp,$(B)/obj/%.o,$(wildcard tests/unit/*.cpp))
BINS := $(addprefix $(B)/bin/,$(BIN_TARGETS))
ETC := $(addprefix $(B)/etc/,$(ETC_TARGETS))
ETC_TEST := $(addprefix $(B)/test/etc/,$(ETC_TARGETS))
FUZZ_SRCS := $(wildcard tests/fuzz/*.cpp)

# A tool is built only when package/targets.mak lists it: say so when a
# source in src/tools is not listed, rather than leave it silently unbuilt.
UNLISTED := $(filter-out $(BIN_TARGETS),$(patsubst src/tools/%.cpp,%,$(wildcard src/tools/*.cpp)))
$(if $(UNLISTED),$(warning not built, not listed in package/targets.mak: $(UNLISTED)))

.PHONY: all clean distclean install check demo bench fuzz dist etc test-build test-etc
.DELETE_ON_ERROR:

all: $(BINS) $(ETC)

config.mak:
	@sh package/ensure-deps build
	./configure

# The one compile rule: the library, the tools and the unit tests.
$(B)/obj/%.o: %.cpp config.mak
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

$(B)/$(LIB_TARGET): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/%: $(B)/obj/src/tools/%.o $(BIN_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS_CONF) $< -o $@ $(BIN_LIBS) $(LDLIBS_CONF)

# Scripts: substitute where execlineb and our binaries live.
# $(call render,SHEBANGDIR,BINDIR,WITHCONTENV,RENDER-FLAGS,CONTENV)
render = sed -e 's|@SHEBANGDIR@|$(1)|g' -e 's|@BINDIR@|$(2)|g' -e 's|@WITHCONTENV@|$(3)|g' -e 's|@NOCONTENV@|$(4)|g' \
	-e 's|@CONTENV@|$(5)|g' $< > $@ \
	&& if head -c2 $< | grep -q '\#!'; then chmod 0755 $@; else chmod 0644 $@; fi

# As installed: configure's paths, with-contenv.
$(B)/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call render,$(shebangdir),$(bindir),$(WITHCONTENV),,$(CONTENV))

# The test copy: Debian's execlineb wrapper and this tree's binaries.
$(B)/test/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call render,$(SHEBANGDIR_TEST),$(CURDIR)/$(B)/bin,,-E)

# The bench copy ($(B)/bench/etc) is rendered by tests/bench/bench.py
# itself, for s6-overlay's /command as the harness's build has it.

# Unit tests: GoogleTest on the library, linked dynamically. configure
# does not look for GoogleTest: only the tests need it, and make check
# installs libgtest-dev (package/ensure-deps) after configure has run.
$(B)/unit-tests: $(UNIT_OBJS) $(B)/$(LIB_TARGET)
	$(CXX) $^ -o $@ -lgtest_main -lgtest -pthread $(LDLIBS_CONF)

# Fuzz targets: clang++ with libFuzzer and sanitizers. The library is
# compiled once more, instrumented, into $(B)/fuzz/obj, and linked into
# every target.
FUZZ_CXXFLAGS := -std=c++20 -g -O1 -Isrc/include -MMD -MP $(CXXFLAGS_CONF)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.cpp=$(B)/fuzz/obj/%.o)
FUZZ_OBJS := $(FUZZ_SRCS:%.cpp=$(B)/fuzz/obj/%.o)
# Objects made on the way to a binary are kept: make then rebuilds only what changed.
.SECONDARY: $(TOOL_OBJS) $(FUZZ_OBJS) $(FUZZ_LIB_OBJS)

$(B)/fuzz/obj/%.o: %.cpp config.mak
	@mkdir -p $(@D)
	clang++ $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(B)/fuzz/%: $(B)/fuzz/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	clang++ -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS_CONF)

test-build: all $(B)/unit-tests $(ETC_TEST) $(if $(filter yes,$(HAVE_FUZZ)),$(patsubst tests/fuzz/%.cpp,$(B)/fuzz/%,$(FUZZ_SRCS)))

# The test copy of the scripts alone (tests/run renders it again in the
# world-searchable copy it tests from when uid 65534 cannot reach this tree).
test-etc: $(ETC_TEST)

check:
	@sh package/ensure-deps check
	@$(MAKE) --no-print-directory test-build
	@B=$(B) sh tests/run

fuzz: test-build
	@B=$(B) FUZZ_SECONDS=$${FUZZ_SECONDS:-300} sh tests/run-fuzz

demo:
	@sh package/ensure-deps demo
	@$(MAKE) --no-print-directory all $(ETC_TEST)
	@B=$(B) sh example/demo

bench:
	@sh package/ensure-deps bench
	@$(MAKE) --no-print-directory all
	@B=$(B) sh tests/bench/run

# Every file with its mode from package/modes (package/install).
install: all
	@BIN_TARGETS="$(BIN_TARGETS)" ETC_TARGETS="$(ETC_TARGETS)" sh package/install \
	  "$(DESTDIR)" $(B)/bin $(B)/etc "$(bindir)" "$(sysconfdir)" "$(docdir)"

# The scripts alone, as installed (package/dist renders them again for the
# image's paths with B=$(B)/image and the paths on the command line).
etc: $(ETC)

# The release tarball $(B)/hermes-s6-VERSION-ARCH.tar.gz (+ .sha256), for
# tar -C / or a Dockerfile ADD, always in the image's layout whatever the
# configured paths: see package/dist.
dist: all
	@B=$(B) MAKE="$(MAKE)" CXX="$(CXX)" STATIC=$(STATIC) shebangdir="$(shebangdir)" \
	  BIN_TARGETS="$(BIN_TARGETS)" ETC_TARGETS="$(ETC_TARGETS)" sh package/dist

clean:
	rm -rf $(B)

distclean: clean
	rm -f config.mak

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
