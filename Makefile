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

.PHONY: all clean distclean install check demo bench fuzz dist etc test-build test-etc multicall
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

$(B)/bin/%: $(B)/obj/src/tools/%.o $(B)/obj/main/%.o $(BIN_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS_CONF) $(filter %.o,$^) -o $@ $(BIN_LIBS) $(LDLIBS_CONF)

# ---- multicall: one binary per tool, or one binary for all ----
# src/tools/NAME.cpp defines NAME_main (hyphens as underscores), not main.
# A tool's own binary is its object and src/multicall/one.cpp compiled for
# it; the multicall binary hermes-s6 is every tool's object and
# src/multicall/hermes-s6.cpp, which picks the tool by the name it was run
# as, and each tool is a symlink to it. Both link the same objects, so
# `make multicall` (into $(B)/multicall/bin, for make check and make dist)
# costs one link. ./configure --enable-multicall makes the multicall
# layout what make all and make install build, in $(B)/bin.
VERSION := $(shell sed -n 's/^version=//p' package/info)
MAIN_FLAGS := -DHS6_VERSION=\"$(VERSION)\"
MC := $(if $(filter yes,$(MULTICALL)),$(B)/bin,$(B)/multicall/bin)
MC_BINS := $(MC)/hermes-s6 $(addprefix $(MC)/,$(BIN_TARGETS))
ifeq ($(MULTICALL),yes)
BINS := $(MC_BINS)
endif
$(BIN_TARGETS:%=$(B)/obj/main/%.o): $(B)/obj/main/%.o: src/multicall/one.cpp package/info config.mak
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) $(MAIN_FLAGS) -DHS6_TOOL_NAME=\"$*\" -DHS6_TOOL_MAIN=$(subst -,_,$*)_main -c $< -o $@
$(B)/gen/multicall-tools.h: package/targets.mak
	@mkdir -p $(@D)
	@rm -f $@.tmp
	@$(foreach t,$(BIN_TARGETS),printf 'HS6_TOOL("%s", %s_main)\n' $(t) $(subst -,_,$(t)) >> $@.tmp;)
	@mv $@.tmp $@
$(B)/obj/src/multicall/hermes-s6.o: CXXFLAGS_ALL += -I$(B)/gen $(MAIN_FLAGS)
$(B)/obj/src/multicall/hermes-s6.o: $(B)/gen/multicall-tools.h package/info
$(MC)/hermes-s6: $(B)/obj/src/multicall/hermes-s6.o $(TOOL_OBJS) $(BIN_LIBS)
	@mkdir -p $(@D)
	$(CXX) $(LDFLAGS_CONF) $(filter %.o,$^) -o $@ $(BIN_LIBS) $(LDLIBS_CONF)
$(addprefix $(MC)/,$(BIN_TARGETS)): | $(MC)/hermes-s6
	ln -sf hermes-s6 $@
multicall: $(MC_BINS) $(addprefix $(B)/multicall/test/etc/,$(ETC_TARGETS))
# The test copy of the scripts for the multicall binaries (tests/integration/multicall.sh),
# rendered again when the tree has moved (tests/run's world-searchable copy).
$(B)/multicall/test/etc/%: src/etc/% config.mak $(B)/multicall/test/tree
	@mkdir -p $(@D)
	$(call render,$(SHEBANGDIR_TEST),$(CURDIR)/$(MC),,-E)
$(B)/multicall/test/tree: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(CURDIR)" ] || echo "$(CURDIR)" > $@
FORCE:
.PHONY: FORCE
test-build: multicall
test-etc: $(addprefix $(B)/multicall/test/etc/,$(ETC_TARGETS))
# (The rule above is a static pattern rule: as a plain pattern rule, whose
# source exists for any stem, make would "remake" each .d it includes
# through its built-in rule "%: %.o".)
-include $(BIN_TARGETS:%=$(B)/obj/main/%.d) $(B)/obj/src/multicall/hermes-s6.d
# ---- end of multicall ----

# Scripts: substitute where execlineb and our binaries live.
# $(call render,SHEBANGDIR,BINDIR,WITHCONTENV,RENDER-FLAGS)
render = sed -e 's|@SHEBANGDIR@|$(1)|g' -e 's|@BINDIR@|$(2)|g' -e 's|@WITHCONTENV@|$(3)|g' -e 's|@NOCONTENV@|$(4)|g' $< > $@ \
	&& if head -c2 $< | grep -q '\#!'; then chmod 0755 $@; else chmod 0644 $@; fi

# As installed: configure's paths, with-contenv.
$(B)/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call render,$(shebangdir),$(bindir),$(WITHCONTENV),)

# The test copy: Debian's execlineb wrapper and this tree's binaries.
$(B)/test/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call render,$(SHEBANGDIR_TEST),$(CURDIR)/$(B)/bin,,-E)

# The bench copy: the real execlineb binary (as s6-overlay's /command has
# it; Debian's /usr/bin/execlineb is a script that execs it) and this
# tree's binaries.
$(B)/bench/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call render,/usr/lib/execline/bin,$(CURDIR)/$(B)/bin,,-E)

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
.SECONDARY: $(TOOL_OBJS) $(FUZZ_OBJS) $(FUZZ_LIB_OBJS) $(BIN_TARGETS:%=$(B)/obj/main/%.o)

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
	@B=$(B) MAKE="$(MAKE)" sh example/demo

bench:
	@sh package/ensure-deps bench
	@$(MAKE) --no-print-directory all $(addprefix $(B)/bench/etc/,$(ETC_TARGETS))
	@B=$(B) sh tests/bench/run

# Every file with its mode from package/modes (package/install).
install: all
	@BIN_TARGETS="$(notdir $(BINS))" ETC_TARGETS="$(ETC_TARGETS)" sh package/install \
	  "$(DESTDIR)" $(B)/bin $(B)/etc "$(bindir)" "$(sysconfdir)" "$(docdir)"

# The scripts alone, as installed (package/dist renders them again for the
# image's paths with B=$(B)/image and the paths on the command line).
etc: $(ETC)

# The release tarball $(B)/hermes-s6-VERSION-ARCH.tar.gz (+ .sha256), for
# tar -C / or a Dockerfile ADD, always in the image's layout whatever the
# configured paths: see package/dist. The multicall build; ARCH=aarch64
# cross-compiles it (package/ensure-deps cross-aarch64 installs what that needs).
dist: all
	@B=$(B) MAKE="$(MAKE)" CXX="$(CXX)" STATIC=$(STATIC) shebangdir="$(shebangdir)" ARCH="$(ARCH)" \
	  BIN_TARGETS="$(BIN_TARGETS)" ETC_TARGETS="$(ETC_TARGETS)" sh package/dist

clean:
	rm -rf $(B)

distclean: clean
	rm -f config.mak

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
