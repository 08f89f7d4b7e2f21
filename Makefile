# hermes-s6: generic rules; what is specific to the package is in package/.
# ./configure writes config.mak; a missing one is made with the defaults.

-include config.mak
include package/targets.mak
B ?= build
include package/deps.mak


# {fmt} without the locale and the floating-point formatters that no
# message needs: they are a quarter of a static binary. Its implementation
# is compiled once, in src/lib/fmt.cpp; every other file sees <fmt/core.h>.
FMT_FLAGS := -DFMT_STATIC_THOUSANDS_SEPARATOR=0x2c -DFMT_USE_FLOAT=0 -DFMT_USE_DOUBLE=0 -DFMT_USE_LONG_DOUBLE=0
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
# The library, the unit tests and the fuzz targets' instrumented library
# are each compiled as one translation unit: $(B)/gen/NAME.cpp includes
# their sources, so the headers they share and the templates they
# instantiate are compiled once, not once per file (a clean build of the
# library and the unit tests: about 71 CPU seconds as 32 files and a
# precompiled header, 24 as two units). A file's anonymous namespace is
# then shared with the others of its unit: a second helper of the same
# name and parameters is a compile error (move it into a header), and one
# of the same name and other parameters would be an overload that could
# take the first one's calls, so a helper's name is unique in its unit.
# {fmt}'s implementation stays a unit of its own (src/lib/fmt.cpp).
LIB_SRCS := $(filter-out src/lib/fmt.cpp,$(wildcard src/lib/*.cpp))
LIB_OBJS := $(B)/obj/lib.o $(B)/obj/src/lib/fmt.o
TOOL_OBJS := $(BIN_TARGETS:%=$(B)/obj/src/tools/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.cpp)
UNIT_OBJS := $(B)/obj/unit.o
BINS := $(addprefix $(B)/bin/,$(BIN_TARGETS))
ETC := $(addprefix $(B)/etc/,$(ETC_TARGETS))
ETC_TEST := $(addprefix $(B)/test/etc/,$(ETC_TARGETS))
FUZZ_SRCS := $(wildcard tests/fuzz/*.cpp)

# A tool is built only when package/targets.mak lists it: say so when a
# source in src/tools is not listed, rather than leave it silently unbuilt.
UNLISTED := $(filter-out $(BIN_TARGETS),$(patsubst src/tools/%.cpp,%,$(wildcard src/tools/*.cpp)))
$(if $(UNLISTED),$(warning not built, not listed in package/targets.mak: $(UNLISTED)))

# Quiet by default: one short line per file ("  CXX src/lib/fs.cpp");
# make V=1 prints the commands themselves.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-6s %s\n' '$(1)' '$(2)';
endif

.PHONY: all clean distclean install check demo bench fuzz dist etc test-build test-etc multicall
.DELETE_ON_ERROR:

all: $(BINS) $(ETC)

config.mak:
	@sh package/ensure-deps build
	./configure

# The one compile rule: the tools and fmt.cpp.
$(B)/obj/%.o: %.cpp config.mak
	@mkdir -p $(@D)
	$(call say,CXX,$<)
	$(Q)$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

# $(call unity,SOURCES): $@ includes each of SOURCES, rewritten only when
# the list changes (the rule runs at every make: a source added or removed
# changes the list, not a file the object depends on).
unity = @mkdir -p $(@D); printf '\#include "%s"\n' $(1) > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(B)/gen/lib.cpp: FORCE
	$(call unity,$(LIB_SRCS))
$(B)/gen/unit.cpp: FORCE
	$(call unity,$(UNIT_SRCS))
$(B)/gen/fuzz-lib.cpp: FORCE
	$(call unity,$(FUZZ_LIB:%=src/lib/%.cpp))

$(B)/obj/lib.o: $(B)/gen/lib.cpp config.mak
	@mkdir -p $(@D)
	$(call say,CXX,src/lib/*.cpp)
	$(Q)$(CXX) $(CXXFLAGS_ALL) -iquote . -c $< -o $@

# The unit tests: not optimized (GoogleTest's assertions are most of the
# code, and -O2 doubles their compile time for nothing a test checks).
CXXFLAGS_UNIT := $(CXXFLAGS_ALL) -O0
$(B)/obj/unit.o: $(B)/gen/unit.cpp config.mak
	@mkdir -p $(@D)
	$(call say,CXX,tests/unit/*.cpp)
	$(Q)$(CXX) $(CXXFLAGS_UNIT) -iquote . -c $< -o $@

$(B)/$(LIB_TARGET): $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

# (The library first: its one unit is the longest compile, so make -j starts it first.)
$(B)/bin/%: $(BIN_LIBS) $(B)/obj/src/tools/%.o $(B)/obj/main/%.o
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CXX) $(LDFLAGS_CONF) $(filter %.o,$^) -o $@ $(BIN_LIBS) $(LDLIBS_CONF)

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
	$(call say,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS_ALL) $(MAIN_FLAGS) -DHS6_TOOL_NAME=\"$*\" -DHS6_TOOL_MAIN=$(subst -,_,$*)_main -c $< -o $@
$(B)/gen/multicall-tools.h: package/targets.mak
	@mkdir -p $(@D)
	@rm -f $@.tmp
	@$(foreach t,$(BIN_TARGETS),printf 'HS6_TOOL("%s", %s_main)\n' $(t) $(subst -,_,$(t)) >> $@.tmp;)
	@mv $@.tmp $@
$(B)/obj/src/multicall/hermes-s6.o: CXXFLAGS_ALL += -I$(B)/gen $(MAIN_FLAGS)
$(B)/obj/src/multicall/hermes-s6.o: $(B)/gen/multicall-tools.h package/info
$(MC)/hermes-s6: $(B)/obj/src/multicall/hermes-s6.o $(TOOL_OBJS) $(BIN_LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CXX) $(LDFLAGS_CONF) $(filter %.o,$^) -o $@ $(BIN_LIBS) $(LDLIBS_CONF)
$(addprefix $(MC)/,$(BIN_TARGETS)): | $(MC)/hermes-s6
	$(Q)ln -sf hermes-s6 $@
multicall: $(MC_BINS) $(addprefix $(B)/multicall/test/etc/,$(ETC_TARGETS))
# The test copy of the scripts for the multicall binaries (tests/integration/multicall.sh),
# rendered again when the tree has moved (tests/run's world-searchable copy).
$(B)/multicall/test/etc/%: src/etc/% config.mak $(B)/multicall/test/tree
	@mkdir -p $(@D)
	$(call say,SED,$@)
	$(Q)$(call render,$(SHEBANGDIR_TEST),$(CURDIR)/$(MC),,-E)
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
# $(call render,SHEBANGDIR,BINDIR,WITHCONTENV,RENDER-FLAGS,CONTENV)
render = sed -e 's|@SHEBANGDIR@|$(1)|g' -e 's|@BINDIR@|$(2)|g' -e 's|@WITHCONTENV@|$(3)|g' -e 's|@NOCONTENV@|$(4)|g' \
	-e 's|@CONTENV@|$(5)|g' $< > $@ \
	&& if head -c2 $< | grep -q '\#!'; then chmod 0755 $@; else chmod 0644 $@; fi

# As installed: configure's paths, with-contenv.
$(B)/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call say,SED,$@)
	$(Q)$(call render,$(shebangdir),$(bindir),$(WITHCONTENV),,$(CONTENV))

# The test copy: Debian's execlineb wrapper and this tree's binaries.
$(B)/test/etc/%: src/etc/% config.mak
	@mkdir -p $(@D)
	$(call say,SED,$@)
	$(Q)$(call render,$(SHEBANGDIR_TEST),$(CURDIR)/$(B)/bin,,-E)

# The bench copy ($(B)/bench/etc) is rendered by tests/bench/bench.py
# itself, for s6-overlay's /command as the harness's build has it.

# Unit tests: GoogleTest on the library, linked dynamically. configure
# does not look for GoogleTest: only the tests need it, and make check
# installs libgtest-dev (package/ensure-deps) after configure has run.
$(B)/unit-tests: $(UNIT_OBJS) $(B)/$(LIB_TARGET)
	$(call say,LD,$@)
	$(Q)$(CXX) $^ -o $@ -lgtest_main -lgtest -pthread $(LDLIBS_CONF)

# Fuzz targets: clang++ with libFuzzer and sanitizers, at -O1 with
# debugging information. The library sources the targets use (FUZZ_LIB in
# package/deps.mak) are compiled once more, instrumented, as one unit
# ($(B)/gen/fuzz-lib.cpp), into $(B)/fuzz/libhermes-s6.a, which every
# target links, with the library's own fmt.o: {fmt} is not what we fuzz,
# and instrumented it costs more than all the rest.
FUZZ_CXX ?= clang++
FUZZ_CXXFLAGS := -std=c++20 -Isrc/include -MMD -MP $(FMT_FLAGS) $(CXXFLAGS_CONF) -O1 -g
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_OBJS := $(B)/fuzz/obj/lib.o
FUZZ_OBJS := $(FUZZ_SRCS:%.cpp=$(B)/fuzz/obj/%.o)
# Objects made on the way to a binary are kept: make then rebuilds only what changed.
.SECONDARY: $(TOOL_OBJS) $(FUZZ_OBJS) $(FUZZ_LIB_OBJS) $(BIN_TARGETS:%=$(B)/obj/main/%.o)

$(B)/fuzz/obj/lib.o: $(B)/gen/fuzz-lib.cpp config.mak
	@mkdir -p $(@D)
	$(call say,FUZZCXX,$(FUZZ_LIB:%=src/lib/%.cpp))
	$(Q)$(FUZZ_CXX) $(FUZZ_CXXFLAGS) $(FUZZ_SAN) -iquote . -c $< -o $@
$(B)/fuzz/obj/%.o: %.cpp config.mak
	@mkdir -p $(@D)
	$(call say,FUZZCXX,$<)
	$(Q)$(FUZZ_CXX) $(FUZZ_CXXFLAGS) $(FUZZ_SAN) -c $< -o $@

$(B)/fuzz/$(LIB_TARGET): $(FUZZ_LIB_OBJS) $(B)/obj/src/lib/fmt.o
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(B)/fuzz/%: $(B)/fuzz/obj/tests/fuzz/%.o $(B)/fuzz/$(LIB_TARGET)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined $^ -o $@ $(LDLIBS_CONF)

test-build: $(B)/unit-tests all $(ETC_TEST) $(if $(filter yes,$(HAVE_FUZZ)),$(patsubst tests/fuzz/%.cpp,$(B)/fuzz/%,$(FUZZ_SRCS)))

# The test copy of the scripts alone (tests/run renders it again in the
# world-searchable copy it tests from when uid 65534 cannot reach this tree).
test-etc: $(ETC_TEST)

# make check T="X Y": only those tests (tests/run X Y: an integration
# script, a fuzz target or a GoogleTest filter), and only what they need
# is built.
check:
	@sh package/ensure-deps check
ifeq ($(strip $(T)),)
	@$(MAKE) --no-print-directory test-build
	@HS6_BUILT=1 B=$(B) sh tests/run
else
	+@B=$(B) MAKE="$(MAKE)" sh tests/run $(T)
endif

fuzz: test-build
	@B=$(B) FUZZ_SECONDS=$${FUZZ_SECONDS:-300} sh tests/run-fuzz

demo:
	@sh package/ensure-deps demo
	@B=$(B) MAKE="$(MAKE)" sh example/demo

bench:
	@sh package/ensure-deps bench
	@$(MAKE) --no-print-directory all
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
