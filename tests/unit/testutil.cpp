// The out-of-line helpers of testutil.hpp and error_check.hpp: the
// templates behind them (std::regex, iostreams, std::filesystem) are
// compiled here once instead of in every test file.
#include "error_check.hpp"
#include "testutil.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>

namespace hs6_test {

testing::AssertionResult succeeded(hs6::Error const &e)
{
    if (!e) return testing::AssertionSuccess();
    return testing::AssertionFailure() << "Error " << e.code << ": " << e.message();
}

testing::AssertionResult failed_with(hs6::Error const &e, int code, std::string const &re)
{
    if (!e) return testing::AssertionFailure() << "succeeded, wanted Error " << code;
    if (e.code != code) return testing::AssertionFailure() << "Error " << e.code << " (wanted " << code << "): " << e.message();
    if (!std::regex_search(e.message(), std::regex(re)))
        return testing::AssertionFailure() << "message \"" << e.message() << "\" does not match " << re;
    return testing::AssertionSuccess();
}

std::string slurp(std::string const &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(std::string const &path, std::string const &content, mode_t mode)
{
    {
        std::ofstream out(path, std::ios::binary);
        out << content;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

void TempDir::remove()
{
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    path_.clear();
}

} // namespace hs6_test
