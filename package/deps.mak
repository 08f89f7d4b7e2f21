# Every binary links the library and skalibs; static linking keeps only the
# objects a binary uses, so there is nothing per-binary to list.
BIN_LIBS = $(B)/libhermes-s6.a

# The library objects the fuzz targets (tests/fuzz) link, compiled again
# instrumented: only these, not the whole library ({fmt}'s implementation,
# not ours to fuzz, is the library's own fmt.o). A link error of a fuzz
# target names the one to add.
FUZZ_LIB = bootlog control die fs profile publish slot slotlock state teardown
