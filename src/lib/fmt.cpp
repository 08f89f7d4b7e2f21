// {fmt}'s implementation, compiled once for the whole library.
//
// Debian's libfmt-dev ships the headers and a shared library only; the
// tools link statically. Every other translation unit includes
// <fmt/core.h> (through hermes-s6/error.hpp), which declares fmt::vformat
// and the few other non-template functions; this file defines them, the
// way fmt's own src/format.cc does. Header-only {fmt} (FMT_HEADER_ONLY)
// compiled format.h and format-inl.h into every object: about 30,000
// more lines and four seconds of g++ each.
//
// The FMT_* flags of the Makefile (no locale, no floating point) apply
// here as everywhere: they are what keeps the formatters small.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(char const *, char const *);
template FMT_API void vformat_to(buffer<char> &, string_view,
                                 basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

} // namespace detail
FMT_END_NAMESPACE
