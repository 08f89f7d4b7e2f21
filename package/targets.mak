# What gets built and installed.
# The binaries, one per src/tools/NAME.cpp, listed so that a stray file is
# neither built nor shipped. A new tool is listed here (make warns about a
# source in src/tools that is not).
BIN_TARGETS := \
  hermes-bootlog \
  hermes-dashboard-finish \
  hermes-list-slots \
  hermes-publish-slot \
  hermes-readstate \
  hermes-register-slots \
  hermes-render-slot \
  hermes-seed-supervise \
  hermes-slot \
  hermes-slot-server \
  hermes-unpublish-slot

LIB_TARGET := libhermes-s6.a

# execline scripts: src/etc/PATH is rendered to build/etc/PATH, with
# @SHEBANGDIR@ and @BINDIR@ substituted, and installed as
# $(sysconfdir)/PATH (cont-init.d/ and s6-overlay/s6-rc.d/dashboard/).
ETC_TARGETS := $(patsubst src/etc/%,%,$(shell find src/etc -type f 2>/dev/null | LC_ALL=C sort))
