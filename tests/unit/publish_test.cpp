// Publishing and unpublishing (src/lib/publish.cpp, teardown.cpp), the
// slot lock (slotlock.cpp), the s6-supervise lock and s6-svscan's control
// FIFO (src/lib/control.cpp), on a temporary directory
// with locks held by this process, by another fd, or by a child.
#include <hermes-s6/control.hpp>
#include <hermes-s6/fs.hpp>
#include <hermes-s6/publish.hpp>
#include <hermes-s6/slotlock.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <regex>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using hs6_test::exists;
using hs6_test::in_child;
using hs6_test::slurp;

namespace fsys = std::filesystem;

// e is an Error with code, whose message matches the regex re.
void expect_error(hs6::Error const &e, int code, char const *re)
{
    EXPECT_EQ(e.code, code) << e.message();
    EXPECT_TRUE(std::regex_search(e.message(), std::regex(re))) << e.message();
}

// A POSIX (per-process) write lock on the whole file, as s6-supervise takes.
bool posix_write_lock(int fd)
{
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    return ::fcntl(fd, F_SETLK, &fl) == 0;
}

class Publish : public hs6_test::TempDirTest {
protected:
    // A tiny slot: a marker file and a log/ dir.
    void make_tree(std::string const &name, std::string const &marker)
    {
        ASSERT_EQ(::mkdir(at(name).c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(at(name + "/log").c_str(), 0755), 0);
        std::ofstream(at(name + "/marker")) << marker;
        std::ofstream(at(name + "/run")) << "#!/bin/true\n";
    }
    // Opens (creating) name/supervise/lock for writing, as s6-supervise does.
    int open_lock(std::string const &svc)
    {
        ::mkdir(at(svc + "/supervise").c_str(), 0700);
        return ::open(at(svc + "/supervise/lock").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    }
    std::size_t entries() const
    {
        std::size_t n = 0;
        for (auto const &e : fsys::directory_iterator(dir))
            if (e.path().filename() != hs6::slot_lock_dir) n++;
        return n;
    }
};

TEST_F(Publish, NoReplaceIntoAbsentSlot)
{
    make_tree(".s", "new");
    EXPECT_FALSE(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), false));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "new");
    EXPECT_FALSE(exists(at(".s")));
}

TEST_F(Publish, ExistingSlotWithoutForceDies1AndRemovesStaging)
{
    make_tree("gateway-a", "old");
    make_tree(".s", "new");
    expect_error(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), false), 1, "already registered");
    EXPECT_EQ(slurp(at("gateway-a/marker")), "old");
    EXPECT_FALSE(exists(at(".s")));
}

TEST_F(Publish, ForceExchangesAndRemovesTheOldTree)
{
    make_tree("gateway-a", "old");
    make_tree(".s", "new");
    EXPECT_FALSE(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), true));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "new");
    EXPECT_FALSE(exists(at(".s")));
    EXPECT_FALSE(exists(at("gateway-a/supervise"))); // the lock taken was on the old tree
    EXPECT_EQ(entries(), 1u);
}

TEST_F(Publish, ForceRefusesWhenAnotherProcessHoldsTheLock)
{
    // The death test runs in a child: this process's POSIX lock is another
    // process's lock there, as s6-supervise's would be.
    make_tree("gateway-a", "old");
    int const lk = open_lock("gateway-a");
    ASSERT_GE(lk, 0);
    ASSERT_TRUE(posix_write_lock(lk));
    make_tree(".s", "new");
    expect_error(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), true), 1, "unregister it first");
    EXPECT_EQ(slurp(at("gateway-a/marker")), "old");
    EXPECT_FALSE(exists(at(".s")));
    ::close(lk);
}

TEST_F(Publish, ForceRefusesWhenTheLoggersLockIsHeld)
{
    make_tree("gateway-a", "old");
    int const lk = open_lock("gateway-a/log");
    ASSERT_GE(lk, 0);
    ASSERT_TRUE(posix_write_lock(lk));
    make_tree(".s", "new");
    expect_error(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), true), 1, "log is supervised");
    EXPECT_EQ(slurp(at("gateway-a/marker")), "old");
    EXPECT_FALSE(exists(at("gateway-a/supervise"))); // nothing made in the slot to look
    ::close(lk);
}

TEST_F(Publish, DifferentDirectoriesDie100)
{
    ASSERT_EQ(::mkdir(at("other").c_str(), 0755), 0);
    make_tree(".s", "new");
    expect_error(hs6::publish_slot(at(".s").c_str(), at("other/gateway-a").c_str(), false), 100, "not in the same directory");
    EXPECT_FALSE(exists(at("other/gateway-a")));
}

TEST_F(Publish, SameDirectorySpelledDifferently)
{
    make_tree(".s", "new");
    std::string const base = fsys::path(dir).filename();
    EXPECT_FALSE(hs6::publish_slot((dir + "/../" + base + "/./.s").c_str(), at("gateway-a").c_str(), false));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "new");
}

TEST_F(Publish, NamesAreChecked)
{
    make_tree("s", "x");
    expect_error(hs6::publish_slot(at("s").c_str(), at("gateway-a").c_str(), false), 100, "dot-prefixed");
    EXPECT_TRUE(exists(at("s"))); // a non-dot dir is never removed
    make_tree(".s", "x");
    expect_error(hs6::publish_slot(at(".s").c_str(), at(".gateway-a").c_str(), false), 100, "");
    // What unpublish would refuse, publish refuses.
    expect_error(hs6::publish_slot(at(".s").c_str(), at("Foo").c_str(), false), 100, "is not a slot");
    expect_error(hs6::publish_slot(at(".s").c_str(), at("gateway-").c_str(), false), 100, "is not a slot");
    EXPECT_FALSE(exists(at("Foo")));
}

// ---- the lock -----------------------------------------------------------

TEST_F(Publish, LockConflictsWithThisProcessesPosixLockAndAnotherFd)
{
    make_tree("svc", "x");
    int const lk = open_lock("svc");
    ASSERT_GE(lk, 0);
    hs6::Fd mine(::open(at("svc/supervise/lock").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(mine);
    EXPECT_TRUE(hs6::try_supervise_lock(mine.get())); // nobody holds it
    ::close(mine.release());
    ASSERT_TRUE(posix_write_lock(lk));
    hs6::Fd again(::open(at("svc/supervise/lock").c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(hs6::try_supervise_lock(again.get()));
    EXPECT_EQ(errno, EAGAIN);
    ::close(lk); // releases the POSIX lock
    EXPECT_TRUE(hs6::try_supervise_lock(again.get()));
    // And an OFD read lock keeps s6-supervise's write lock out.
    int const lk2 = open_lock("svc");
    EXPECT_FALSE(posix_write_lock(lk2));
    ::close(lk2);
}

TEST_F(Publish, WaitTimesOutAndGetsTheLockWhenReleased)
{
    make_tree("svc", "x");
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t const pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int const lk = open_lock("svc");
        if (lk < 0 || !posix_write_lock(lk)) ::_exit(1);
        ::write(ready[1], "x", 1);
        ::usleep(300000);
        ::_exit(0);
    }
    ::close(ready[1]);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::close(ready[0]);
    hs6::Fd lk(::open(at("svc/supervise/lock").c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(lk);
    auto const t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(hs6::wait_lock(lk.get(), F_RDLCK, hs6::deadline_in(100)));
    EXPECT_EQ(errno, ETIMEDOUT);
    auto const t1 = std::chrono::steady_clock::now();
    EXPECT_TRUE(hs6::wait_lock(lk.get(), F_RDLCK, hs6::deadline_in(5000)));
    auto const t2 = std::chrono::steady_clock::now();
    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    EXPECT_GE(ms(t1 - t0), 95);
    EXPECT_LT(ms(t2 - t0), 5000); // woken by the release, before the 5 s deadline
    int status;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// ---- s6-svscan's control FIFO -------------------------------------------

TEST_F(Publish, TellSvscanWritesAndWaitsUntilItIsRead)
{
    hs6::Fd d = hs6::open_dir(dir.c_str());
    EXPECT_FALSE(hs6::tell_svscan(d.get(), "an")); // no .s6-svscan
    ASSERT_EQ(::mkdir(at(".s6-svscan").c_str(), 0700), 0);
    ASSERT_EQ(::mkfifo(at(".s6-svscan/control").c_str(), 0600), 0);
    EXPECT_FALSE(hs6::tell_svscan(d.get(), "an")); // nobody reads: ENXIO
    int const r = ::open(at(".s6-svscan/control").c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(r, 0);
    EXPECT_TRUE(hs6::tell_svscan(d.get(), "a")); // no deadline: no wait
    // With one: back once the reader has read it all.
    pid_t const pid = ::fork();
    if (pid == 0) {
        ::usleep(100000);
        char buf[8];
        ::_exit(::read(r, buf, sizeof buf) == 3 && std::string(buf, 3) == "aan" ? 0 : 1);
    }
    struct timespec const d5 = hs6::deadline_in(5000);
    EXPECT_TRUE(hs6::tell_svscan(d.get(), "an", &d5));
    int queued = -1;
    EXPECT_EQ(::ioctl(r, FIONREAD, &queued), 0);
    EXPECT_EQ(queued, 0);
    int status;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ::close(r);
}

// ---- unpublish ------------------------------------------------------------

TEST_F(Publish, UnpublishRemovesAnUnsupervisedSlot)
{
    make_tree("gateway-a", "x");
    ASSERT_EQ(::symlink(dir.c_str(), at("gateway-a/up").c_str()), 0);
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 1000));
    EXPECT_EQ(entries(), 0u);
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 1000)); // absent: success
}

TEST_F(Publish, UnpublishTimesOutLeavingTheDotTree)
{
    make_tree("gateway-a", "x");
    int const lk = open_lock("gateway-a");
    ASSERT_GE(lk, 0);
    ASSERT_TRUE(posix_write_lock(lk));
    // The holder is this process, not an s6-supervise: the escalation
    // signals nothing, and gives up after its grace.
    expect_error(hs6::unpublish_slot(at("gateway-a").c_str(), 150), 99, "left in place as .*/\\.gateway-a \\(hidden");
    EXPECT_FALSE(exists(at("gateway-a")));
    EXPECT_TRUE(exists(at(".gateway-a/marker")));
    EXPECT_EQ(entries(), 1u);
    ::close(lk);
}

// ---- issue 10: the slot lock, restartable unpublish, refusals --------------

TEST_F(Publish, SlotLockIsRootOnlyExcludesOthersAndGoesWithTheSlot)
{
    hs6::Fd d = hs6::open_dir(dir.c_str());
    hs6::SlotLock a, b;
    ASSERT_FALSE(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), a));
    struct stat st;
    ASSERT_EQ(::lstat(at(".hermes-s6-locks").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_TRUE(S_ISREG(::lstat(at(".hermes-s6-locks/gateway-a").c_str(), &st) == 0 ? st.st_mode : 0));
    // Nothing nests: again in this process is another writer.
    expect_error(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), b), hs6::exit_busy, "busy");
    // Another process: s6-setlock -n (a POSIX lock, which conflicts with
    // ours) finds it taken.
    std::string const lockfile = at(".hermes-s6-locks/gateway-a");
    auto other = [&] {
        ::execlp("s6-setlock", "s6-setlock", "-n", lockfile.c_str(), "true", static_cast<char *>(nullptr));
        return 127;
    };
    EXPECT_EQ(in_child(other), 1);
    // No slot, no hidden tree: the lock file goes with the lock.
    a.release();
    EXPECT_FALSE(exists(lockfile));
    // With a slot (or its hidden tree), it stays.
    make_tree("gateway-a", "x");
    ASSERT_FALSE(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), b));
    b.release();
    EXPECT_TRUE(exists(lockfile));
    EXPECT_EQ(in_child(other), 0);
    ASSERT_EQ(::rename(at("gateway-a").c_str(), at(".gateway-a").c_str()), 0);
    ASSERT_FALSE(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), b));
    b.release();
    EXPECT_TRUE(exists(lockfile));
}

TEST_F(Publish, AWriterThatWaitedOnARemovedLockFileLocksTheNewOne)
{
    hs6::Fd d = hs6::open_dir(dir.c_str());
    hs6::SlotLock a;
    ASSERT_FALSE(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), a));
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t const pid = ::fork();
    if (pid == 0) {
        // Waits on the file a holds, which a removes as it lets go. (Not
        // through the fd inherited from a: that is a's lock.)
        for (int fd = 3; fd < 1024; ++fd)
            if (fd != ready[1]) ::close(fd);
        ::write(ready[1], "x", 1);
        hs6::Fd dd = hs6::open_dir(dir.c_str());
        hs6::SlotLock w;
        if (hs6::lock_slot(dd.get(), dir, "gateway-a", hs6::deadline_in(5000), w)) ::_exit(1);
        // It holds the lock on the file the name leads to.
        std::string const f = dir + "/.hermes-s6-locks/gateway-a";
        int const fd = ::open(f.c_str(), O_RDWR | O_CLOEXEC);
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        ::_exit(fd >= 0 && ::fcntl(fd, F_OFD_SETLK, &fl) < 0 ? 0 : 2);
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::usleep(100000); // the child is waiting (or about to: either way it must lock the live file)
    a.release();
    int status;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(Publish, RequestsForNothingMakeNoLockFile)
{
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-none").c_str(), 100));
    EXPECT_FALSE(exists(at(".hermes-s6-locks")));
    // 30 distinct names registered and unregistered: no lock file left.
    for (int i = 0; i < 30; ++i) {
        std::string const slot = "gateway-n" + std::to_string(i);
        make_tree(".s", "x");
        ASSERT_FALSE(hs6::publish_slot(at(".s").c_str(), at(slot).c_str(), false));
        ASSERT_FALSE(hs6::unpublish_slot(at(slot).c_str(), 1000));
    }
    EXPECT_EQ(entries(), 0u);
    EXPECT_TRUE(fsys::is_empty(at(".hermes-s6-locks")));
}

TEST_F(Publish, PublishTearsDownTheSlotsStagingLeftovers)
{
    make_tree(".gateway-a.tmp", "left by an older release");
    make_tree(".gateway-a.x7q", "left by a killed reconcile");
    make_tree(".gateway-ab.tmp", "another slot's");
    make_tree(".s", "new");
    std::ofstream(at(".gateway-a.tmp/supervise")); // even a stopped one
    EXPECT_FALSE(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), false));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "new");
    EXPECT_FALSE(exists(at(".gateway-a.tmp")));
    EXPECT_FALSE(exists(at(".gateway-a.x7q")));
    EXPECT_TRUE(exists(at(".gateway-ab.tmp/marker")));
}

TEST_F(Publish, AStagingDirALiveWriterHoldsIsNoLeftover)
{
    // Another writer's staging dir, flock held (as new_staging_dir does).
    make_tree(".gateway-a.liv", "being rendered");
    int const held = ::open(at(".gateway-a.liv").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    make_tree(".s", "new");
    EXPECT_FALSE(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), false));
    EXPECT_EQ(slurp(at(".gateway-a.liv/marker")), "being rendered");
    ::close(held);
}

TEST_F(Publish, SlotLockRefusesALockDirThatIsNotRootOnly)
{
    hs6::Fd d = hs6::open_dir(dir.c_str());
    hs6::SlotLock l;
    ASSERT_EQ(::mkdir(at(".hermes-s6-locks").c_str(), 0700), 0);
    ASSERT_EQ(::chmod(at(".hermes-s6-locks").c_str(), 0755), 0);
    expect_error(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), l), 111, "mode 755, not 0700");
    ASSERT_EQ(::rmdir(at(".hermes-s6-locks").c_str()), 0);
    ASSERT_EQ(::mkdir(at("elsewhere").c_str(), 0700), 0);
    ASSERT_EQ(::symlink(at("elsewhere").c_str(), at(".hermes-s6-locks").c_str()), 0);
    expect_error(hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(100), l), 111, "symbolic link");
    EXPECT_FALSE(exists(at("elsewhere/gateway-a")));
    EXPECT_FALSE(l.held());
}

TEST_F(Publish, PublishAndUnpublishWaitForTheSlotLockThenAnswerBusy)
{
    make_tree("gateway-a", "old");
    make_tree(".s", "new");
    int ready[2], done[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(done), 0);
    pid_t const pid = ::fork();
    if (pid == 0) {
        hs6::Fd d = hs6::open_dir(dir.c_str());
        hs6::SlotLock l;
        if (hs6::lock_slot(d.get(), dir, "gateway-a", hs6::deadline_in(1000), l)) ::_exit(1);
        ::write(ready[1], "x", 1);
        char c;
        ::read(done[0], &c, 1);
        ::_exit(0);
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    auto const t0 = std::chrono::steady_clock::now();
    expect_error(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), true, 150), hs6::exit_busy, "busy");
    auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(ms, 140);
    EXPECT_FALSE(exists(at(".s")));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "old");
    expect_error(hs6::unpublish_slot(at("gateway-a").c_str(), 100), hs6::exit_busy, "busy");
    EXPECT_EQ(slurp(at("gateway-a/marker")), "old");
    ::write(done[1], "x", 1);
    int status;
    ::waitpid(pid, &status, 0);
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 1000));
    EXPECT_EQ(entries(), 0u);
}

TEST_F(Publish, UnpublishRefusesWhatIsNotASlot)
{
    make_tree(".s6-svscan", "svscan");
    expect_error(hs6::unpublish_slot(at(".s6-svscan").c_str(), 100), 100, "is not a slot");
    EXPECT_TRUE(exists(at(".s6-svscan/marker")));
    make_tree("other", "x");
    expect_error(hs6::unpublish_slot(at("other").c_str(), 100), 100, "is not a slot");
    ASSERT_EQ(::mkdir(at("gateway-x").c_str(), 0755), 0);
    std::ofstream(at("gateway-x/data")) << "keep";
    expect_error(hs6::unpublish_slot(at("gateway-x").c_str(), 100), 100, "no run, type or supervise/");
    EXPECT_TRUE(exists(at("gateway-x/data")));
    expect_error(hs6::unpublish_slot(at("gateway-").c_str(), 100), 100, "is not a slot");
}

TEST_F(Publish, UnpublishFinishesATeardownLeftHalfDone)
{
    // A killed unpublish left the hidden tree, half removed.
    make_tree(".gateway-a", "left");
    ASSERT_EQ(::unlink(at(".gateway-a/run").c_str()), 0);
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 1000)); // slot absent: the hidden tree goes
    EXPECT_EQ(entries(), 0u);
    // Both there: the hidden one first, then the slot.
    make_tree(".gateway-a", "left");
    make_tree("gateway-a", "new");
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 1000));
    EXPECT_EQ(entries(), 0u);
}

TEST_F(Publish, PublishFinishesATeardownLeftHalfDone)
{
    make_tree(".gateway-a", "left");
    make_tree(".s", "new");
    EXPECT_FALSE(hs6::publish_slot(at(".s").c_str(), at("gateway-a").c_str(), false));
    EXPECT_EQ(slurp(at("gateway-a/marker")), "new");
    EXPECT_FALSE(exists(at(".gateway-a")));
    // The hidden name itself is never a staging dir.
    make_tree(".gateway-b", "x");
    expect_error(hs6::publish_slot(at(".gateway-b").c_str(), at("gateway-b").c_str(), false), 100,
                 "must not be named");
    EXPECT_TRUE(exists(at(".gateway-b/marker")));
}

TEST_F(Publish, UnpublishNeverFollowsASymlinkedSupervise)
{
    make_tree("gateway-a", "x");
    ASSERT_EQ(::mkdir(at("elsewhere").c_str(), 0755), 0);
    std::ofstream(at("elsewhere/lock")) << "keep";
    ASSERT_EQ(::symlink(at("elsewhere").c_str(), at("gateway-a/supervise").c_str()), 0);
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 100));
    EXPECT_FALSE(exists(at("gateway-a")));
    EXPECT_FALSE(exists(at(".gateway-a")));
    EXPECT_EQ(slurp(at("elsewhere/lock")), "keep");
}

TEST_F(Publish, UnpublishRemovesADisarmedTree)
{
    // supervise a regular file: a tree an earlier teardown could not remove
    // and disarmed; no s6-supervise can run on it.
    make_tree("gateway-a", "x");
    std::ofstream(at("gateway-a/supervise"));
    std::ofstream(at("gateway-a/log/supervise"));
    EXPECT_FALSE(hs6::unpublish_slot(at("gateway-a").c_str(), 100));
    EXPECT_FALSE(exists(at("gateway-a")));
    EXPECT_FALSE(exists(at(".gateway-a")));
}

} // namespace

TEST(Deadline, AfterCarriesNanosecondsIntoSeconds)
{
    struct timespec const t{10, 999'000'000};
    struct timespec const a = hs6::after(t, 1);
    EXPECT_EQ(a.tv_sec, 11);
    EXPECT_EQ(a.tv_nsec, 0);
    struct timespec const b = hs6::after(t, 2500);
    EXPECT_EQ(b.tv_sec, 13);
    EXPECT_EQ(b.tv_nsec, 499'000'000);
    EXPECT_EQ(hs6::earlier(a, b).tv_sec, 11);
}
