# What gets built and installed.
# One binary per src/tools/NAME.cpp (listed, so that a stray file is not shipped).
BIN_TARGETS := \
  $(patsubst src/tools/%.cpp,%,$(wildcard src/tools/hermes-*.cpp))

LIB_TARGET := libhermes-s6.a

# execline scripts: src/etc/PATH is rendered to build/etc/PATH, with
# @SHEBANGDIR@ and @BINDIR@ substituted, and installed as
# $(sysconfdir)/PATH (cont-init.d/ and s6-overlay/s6-rc.d/dashboard/).
ETC_TARGETS := $(patsubst src/etc/%,%,$(shell find src/etc -type f 2>/dev/null | LC_ALL=C sort))
