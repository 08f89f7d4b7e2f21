// libFuzzer target: everything that turns a name from the volume into a
// decision or into text root writes: the profile-name validator (against a
// plain reference), loggable_name (nothing but [A-Za-z0-9._-\\] and a
// bounded length, so no log line can be forged; and it unescapes back to
// the name's first 64 bytes: escaped, never altered), bootlog_word_problem (no
// control character passes), and execline_quote (one word, that unquotes
// back to the input).
#include <hermes-s6/bootlog.hpp>
#include <hermes-s6/profile.hpp>
#include <hermes-s6/reconcile.hpp>
#include <hermes-s6/slot.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool reference_name(std::string_view s)
{
    if (s.empty() || s.size() > 242) return false;
    auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_digit(s[0])) return false;
    for (char c : s)
        if (!lower_digit(c) && c != '_' && c != '-') return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const *data, std::size_t size)
{
    std::string_view const in(reinterpret_cast<char const *>(data), size);

    if (hs6::valid_profile_name(in) != reference_name(in)) __builtin_trap();

    std::string const logged = hs6::loggable_name(in);
    if (logged.size() > 64 * 4 + 3) __builtin_trap();
    for (char c : logged) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-' || c == '\\';
        if (!ok) __builtin_trap();
    }
    {
        std::string_view l(logged);
        if (in.size() > 64) {
            if (!l.ends_with("...")) __builtin_trap();
            l.remove_suffix(3);
        }
        auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
        std::string back;
        for (std::size_t i = 0; i < l.size(); ++i) {
            if (l[i] != '\\') { back.push_back(l[i]); continue; }
            if (i + 3 >= l.size()) __builtin_trap();
            if (l[i + 1] != 'x' || hex(l[i + 2]) < 0 || hex(l[i + 3]) < 0) __builtin_trap();
            back.push_back(static_cast<char>(hex(l[i + 2]) * 16 + hex(l[i + 3])));
            i += 3;
        }
        if (back != in.substr(0, 64)) __builtin_trap();
    }

    if (!hs6::bootlog_word_problem(in))
        for (unsigned char c : in)
            if (c < 0x20 || c == 0x7f) __builtin_trap();

    std::string const q = hs6::execline_quote(in);
    if (q.size() < 2 || q.front() != '"' || q.back() != '"') __builtin_trap();
    std::string back;
    for (std::size_t i = 1; i + 1 < q.size(); ++i) {
        if (q[i] == '"') __builtin_trap();  // an unescaped quote would end the word
        if (q[i] == '\\') ++i;
        back.push_back(q[i]);
    }
    if (back != in) __builtin_trap();
    return 0;
}
