#!/bin/sh
# The assertion helpers of lib.sh: each holds when it should and, above
# all, fails when it should (a helper that cannot fail hides every test
# written with it).
. "$HS6_TOP/tests/integration/lib.sh"

mkdir "$T/d" "$T/empty"
printf 'one\ntwo\n' >"$T/d/f"
ln -s "$T/nowhere" "$T/d/dangling"
chmod 0640 "$T/d/f"

check "helpers: all, every command true" all test -d "$T/d" \; test -f "$T/d/f" \; true
check_not "helpers: all, the last command false" all true \; test -d "$T/d" \; false
check_not "helpers: all, the first command false" all false \; true
check_not "helpers: all, an empty command" all true \; \; true
check "helpers: all passes words as they are" all test "a b" = "a b" \; test '$x' = '$x' \; test "it's" = "it's"
check_not "helpers: all does not split a word" all test "a b" = a

check "helpers: absent" absent "$T/d/none" "$T/none"
check_not "helpers: absent, a file" absent "$T/d/none" "$T/d/f"
check_not "helpers: absent, a dangling symlink" absent "$T/d/dangling"
check "helpers: absent, a glob that matches nothing" absent "$T/d"/.gateway-*
check_not "helpers: absent, a glob that matches" absent "$T/d"/f*

check "helpers: empty_dir" empty_dir "$T/empty"
check_not "helpers: empty_dir, a dir with entries" empty_dir "$T/d"
check_not "helpers: empty_dir, a file" empty_dir "$T/d/f"

check "helpers: output_is" output_is "a b" echo a b
check_not "helpers: output_is, other output" output_is "a b" echo a c
check_not "helpers: output_is, a failing command" output_is "" false
check "helpers: content_is" content_is "one
two" "$T/d/f"
check_not "helpers: content_is, other content" content_is one "$T/d/f"
check_not "helpers: content_is, no file" content_is "" "$T/d/none"

check "helpers: lines_is" lines_is 4 "$T/d/f" "$T/d/f"
check_not "helpers: lines_is, another count" lines_is 3 "$T/d/f"

check "helpers: stat_is" stat_is %a:%F "640:regular file" "$T/d/f"
check_not "helpers: stat_is, one path of two differs" stat_is %a 640 "$T/d/f" "$T/d"
check_not "helpers: stat_is, no such path" stat_is %a 640 "$T/d/none"
check_not "helpers: stat_is, no path" stat_is %a 640
check "helpers: stat_is does not follow a symlink" stat_is %F "symbolic link" "$T/d/dangling"

# The FAIL line says what was seen.
o=$(check "x" output_is want echo got)
check "helpers: a failure says what it saw" output_is "FAIL - x: exit 1 from output_is want echo got: echo got printed 'got', wanted 'want'" echo "$o"

printf 'one\ntwo\n' >"$T/expected"
check "helpers: same_output" same_output "$T/expected" cat "$T/d/f"
check_not "helpers: same_output, one byte more" same_output "$T/expected" printf 'one\ntwo\n\n'
check_not "helpers: same_output, a failing command" same_output "$T/expected" sh -c 'cat "$1"; exit 1' sh "$T/d/f"
check "helpers: every_line" every_line '^(one|two)$' "$T/d/f"
check_not "helpers: every_line, one line differs" every_line '^one$' "$T/d/f"
check_not "helpers: every_line, no file" every_line . "$T/d/none"
check "helpers: not" all true \; not false
check_not "helpers: not, a command that succeeds" not true
check "helpers: prints_line" prints_line two cat "$T/d/f"
check_not "helpers: prints_line, only part of a line" prints_line tw cat "$T/d/f"
check_not "helpers: prints_line, a regex is not a line" prints_line 't.o' cat "$T/d/f"
