# Every binary links the library and skalibs; static linking keeps only the
# objects a binary uses, so there is nothing per-binary to list.
BIN_LIBS = $(B)/libhermes-s6.a
