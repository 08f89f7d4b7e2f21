// The supervise skeleton (src/lib/skeleton.cpp): the layout table of SPEC.md,
// entry by entry, in both models, idempotent, fixable, and never through a
// symlink.
#include <hermes-s6/skeleton.hpp>

#include <hermes-s6/fs.hpp>

#include <gtest/gtest.h>

#include "error_check.hpp"
#include "testutil.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace {

using hs6_test::am_root;
using hs6_test::slurp;
using hs6_test::spit;

namespace fsys = std::filesystem;

// What an entry is: type, owner, group, mode, inode.
struct Entry {
    char type = '?'; // d directory, p FIFO, f regular file, l symlink
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0;
    ino_t ino = 0;
    bool operator==(Entry const &) const = default;
};

std::ostream &operator<<(std::ostream &o, Entry const &e)
{
    return o << e.type << ' ' << e.uid << ':' << e.gid << " 0" << std::oct << e.mode << std::dec;
}

bool present(std::string const &path)
{
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

Entry entry(std::string const &path)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        ADD_FAILURE() << path << ": " << std::strerror(errno);
        return {};
    }
    Entry e;
    e.type = S_ISDIR(st.st_mode) ? 'd' : S_ISFIFO(st.st_mode) ? 'p' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : '?';
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mode = st.st_mode & 07777;
    e.ino = st.st_ino;
    return e;
}

// Type, owner and mode only (what the layout decides).
Entry shape(char type, uid_t uid, gid_t gid, mode_t mode) { return {type, uid, gid, mode, 0}; }
Entry shape_of(std::string const &path)
{
    Entry e = entry(path);
    e.ino = 0;
    return e;
}

// Every entry under root (not following symlinks), by relative path.
std::map<std::string, Entry> snapshot(std::string const &root)
{
    std::map<std::string, Entry> m;
    for (auto const &d : fsys::recursive_directory_iterator(root))
        m[fsys::relative(d.path(), root).string()] = entry(d.path().string());
    return m;
}

// A service directory svc/ with run and log/run, in a fresh temporary dir.
// G is the group granted access: nogroup when root, else our own group (a
// non-root process can only chown to its own groups).
class Skeleton : public hs6_test::TempDirTest {
protected:
    void SetUp() override
    {
        TempDirTest::SetUp();
        svc = top + "/svc";
        log = svc + "/log";
        ASSERT_EQ(::mkdir(svc.c_str(), 0755), 0);
        ASSERT_EQ(::mkdir(log.c_str(), 0755), 0);
        spit(svc + "/run", "#!/bin/sh\nexec sleep 1000\n", 0755);
        spit(log + "/run", "#!/bin/sh\nexec cat\n", 0755);
        me = ::geteuid();
        my_gid = ::getegid();
        G = am_root() ? 65534 : my_gid;
        U = am_root() ? 65534 : me;
    }

    hs6::Layout group_layout(bool event_group = false, bool fix = false) const
    {
        hs6::Layout l;
        l.gid = G;
        l.event_group = event_group;
        l.fix = fix;
        return l;
    }
    hs6::Layout owner_layout(bool fix = false) const
    {
        hs6::Layout l;
        l.model = hs6::Layout::Model::owner;
        l.uid = U;
        l.gid = G;
        l.fix = fix;
        return l;
    }

    // The group layout of SPEC.md, under dir (svc or svc/log).
    void expect_group_layout(std::string const &dir, bool event_group = false)
    {
        EXPECT_EQ(shape_of(dir + "/supervise"), shape('d', me, G, 0710)) << dir;
        EXPECT_EQ(shape_of(dir + "/supervise/control"), shape('p', me, G, 0620)) << dir;
        EXPECT_EQ(shape_of(dir + "/event"), shape('d', me, event_group ? G : my_gid, 03730)) << dir;
        expect_nothing_else(dir);
    }
    void expect_owner_layout(std::string const &dir)
    {
        EXPECT_EQ(shape_of(dir + "/supervise"), shape('d', U, G, 0755)) << dir;
        EXPECT_EQ(shape_of(dir + "/supervise/control"), shape('p', U, G, 0660)) << dir;
        EXPECT_EQ(shape_of(dir + "/event"), shape('d', U, G, 03730)) << dir;
        expect_nothing_else(dir);
    }
    // Only control in supervise/ (no lock, status, death_tally, event/), and
    // event/ empty.
    void expect_nothing_else(std::string const &dir)
    {
        auto const s = snapshot(dir + "/supervise");
        EXPECT_EQ(s.size(), 1u) << dir << "/supervise holds more than control";
        EXPECT_TRUE(s.count("control"));
        EXPECT_TRUE(snapshot(dir + "/event").empty()) << dir << "/event is not empty";
    }
    // Takes away what seeding made in svc and svc/log.
    void remove_skeletons()
    {
        std::error_code ec;
        for (std::string const &d : {svc, log})
            for (char const *e : {"/supervise", "/event"}) fsys::remove_all(d + e, ec);
    }
    // Neither svc nor svc/log got a supervise/ or event/.
    void expect_nothing_created()
    {
        for (std::string const &d : {svc, log}) {
            EXPECT_FALSE(present(d + "/supervise") && entry(d + "/supervise").type == 'd') << d;
            EXPECT_FALSE(present(d + "/event") && entry(d + "/event").type == 'd') << d;
        }
    }

    std::string const &top = dir;  // the fixture's dir, as this file names it
    std::string svc, log;
    uid_t me = 0, U = 0;
    gid_t my_gid = 0, G = 0;
};

// ---- the layouts --------------------------------------------------------------

TEST_F(Skeleton, GroupLayout)
{
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    expect_group_layout(svc);
    expect_group_layout(log);
    EXPECT_FALSE(present(svc + "/supervise/event")) << "supervise/event is never used by s6";
    // The rest of the service directory is untouched.
    EXPECT_EQ(shape_of(svc), shape('d', me, my_gid, 0755));
    EXPECT_EQ(shape_of(log), shape('d', me, my_gid, 0755));
    EXPECT_EQ(slurp(svc + "/run"), "#!/bin/sh\nexec sleep 1000\n");
}

TEST_F(Skeleton, GroupLayoutIsRootOwned)
{
    if (!am_root()) GTEST_SKIP() << "needs root (entries owned by root, group nogroup)";
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    EXPECT_EQ(shape_of(svc + "/supervise"), shape('d', 0, 65534, 0710));
    EXPECT_EQ(shape_of(svc + "/supervise/control"), shape('p', 0, 65534, 0620));
    EXPECT_EQ(shape_of(svc + "/event"), shape('d', 0, 0, 03730));
    EXPECT_EQ(shape_of(log + "/event"), shape('d', 0, 0, 03730));
}

TEST_F(Skeleton, EventGroupLayout)
{
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(true)));
    expect_group_layout(svc, true);
    expect_group_layout(log, true);
}

TEST_F(Skeleton, OwnerLayout)
{
    if (!am_root()) GTEST_SKIP() << "needs root to chown to uid 65534";
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), owner_layout()));
    expect_owner_layout(svc);
    expect_owner_layout(log);
    EXPECT_EQ(shape_of(svc + "/supervise").uid, 65534u);
}

TEST_F(Skeleton, ModesDoNotDependOnTheUmask)
{
    for (mode_t um : {mode_t(0), mode_t(077), mode_t(0777)}) {
        std::error_code ec;
        for (std::string const &d : {svc, log}) {
            fsys::remove_all(d + "/supervise", ec);
            fsys::remove_all(d + "/event", ec);
        }
        ::umask(um);
        EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(true)));
        ::umask(022);
        expect_group_layout(svc, true);
        expect_group_layout(log, true);
    }
}

TEST_F(Skeleton, NoLogDirectory)
{
    std::error_code ec;
    fsys::remove_all(log, ec);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    expect_group_layout(svc);
    EXPECT_FALSE(present(log));
}

TEST_F(Skeleton, LogThatIsAFileIsLeftAlone)
{
    std::error_code ec;
    fsys::remove_all(log, ec);
    spit(log, "not a directory\n", 0640);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    expect_group_layout(svc);
    EXPECT_EQ(shape_of(log), shape('f', me, my_gid, 0640));
}

TEST_F(Skeleton, ThroughAnOpenDirfd)
{
    int const fd = ::open(svc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_OK(hs6::seed_supervise(fd, "svc", group_layout()));
    ::close(fd);
    expect_group_layout(svc);
    expect_group_layout(log);
}

// ---- the fresh seed of a staging dir (seed_fresh_slot) ----------------------

// The same layouts as seed_supervise, in every model, on the fresh service
// dir svc (with its log/) under UmaskZero, whatever the umask was.
TEST_F(Skeleton, FreshSeedGivesTheSameLayouts)
{
    struct Case {
        char const *what;
        hs6::Layout layout;
        bool owner, event_group;
    };
    std::vector<Case> cases{{"group", group_layout(), false, false}, {"group -e", group_layout(true), false, true}};
    if (am_root()) cases.push_back({"owner", owner_layout(), true, false});
    for (auto const &c : cases) {
        SCOPED_TRACE(c.what);
        remove_skeletons();
        ::umask(077);
        int const fd = ::open(svc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        {
            hs6::UmaskZero exact;
            EXPECT_OK(hs6::seed_fresh_slot(fd, "svc", c.layout));
        }
        ::close(fd);
        ::umask(022);
        for (std::string const &d : {svc, log}) {
            if (c.owner) expect_owner_layout(d);
            else expect_group_layout(d, c.event_group);
        }
    }
}

// Outside a UmaskZero the modes are not known: an Error, nothing made.
TEST_F(Skeleton, FreshSeedNeedsExactModes)
{
    int const fd = ::open(svc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_ERROR(hs6::seed_fresh_slot(fd, "svc", group_layout()), 111, "the umask is not known to be 0");
    ::close(fd);
    expect_nothing_created();
}

// It is for a dir just made: an entry already there is a failure, never
// reused.
TEST_F(Skeleton, FreshSeedNeverReuses)
{
    ASSERT_EQ(::mkdir((svc + "/supervise").c_str(), 0777), 0);
    int const fd = ::open(svc.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    {
        hs6::UmaskZero exact;
        EXPECT_ERROR(hs6::seed_fresh_slot(fd, "svc", group_layout()), 111, "unable to mkdir svc/supervise: File exists");
    }
    ::close(fd);
}

// ---- idempotency and fix mode --------------------------------------------------

// Changes every skeleton entry of dir away from any layout.
void alter(std::string const &dir)
{
    ASSERT_EQ(::chmod((dir + "/supervise").c_str(), 0700), 0);
    ASSERT_EQ(::chmod((dir + "/supervise/control").c_str(), 0600), 0);
    ASSERT_EQ(::chmod((dir + "/event").c_str(), 0700), 0);
    if (am_root()) {
        ASSERT_EQ(::chown((dir + "/supervise").c_str(), 0, 0), 0);
        ASSERT_EQ(::chown((dir + "/supervise/control").c_str(), 0, 0), 0);
        ASSERT_EQ(::chown((dir + "/event").c_str(), 1234, 1234), 0);
    }
}

// The files s6-supervise makes for itself, as it makes them.
void add_s6_files(std::string const &dir)
{
    spit(dir + "/supervise/status", std::string(35, '\1'), 0644);
    spit(dir + "/supervise/lock", "", 0644);
    spit(dir + "/supervise/death_tally", "tally", 0644);
}

TEST_F(Skeleton, SecondRunChangesNothing)
{
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    auto const first = snapshot(top);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    EXPECT_EQ(snapshot(top), first);
    // Not even in another layout: existing entries are left as they are.
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(true)));
    if (am_root()) {
        EXPECT_OK(hs6::seed_supervise(svc.c_str(), owner_layout()));
    }
    EXPECT_EQ(snapshot(top), first);
}

TEST_F(Skeleton, SecondRunLeavesAlteredEntriesAlone)
{
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    alter(svc);
    alter(log);
    add_s6_files(svc);
    auto const altered = snapshot(top);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    EXPECT_EQ(snapshot(top), altered);
}

TEST_F(Skeleton, SecondRunCompletesAPartialSkeleton)
{
    // s6-supervise made supervise/ root-only; control and event/ are missing.
    ASSERT_EQ(::mkdir((svc + "/supervise").c_str(), 0700), 0);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    EXPECT_EQ(shape_of(svc + "/supervise"), shape('d', me, my_gid, 0700)) << "existing supervise/ changed without -f";
    EXPECT_EQ(shape_of(svc + "/supervise/control"), shape('p', me, G, 0620));
    EXPECT_EQ(shape_of(svc + "/event"), shape('d', me, my_gid, 03730));
    expect_group_layout(log);
}

TEST_F(Skeleton, FixBringsAlteredEntriesBack)
{
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    alter(svc);
    alter(log);
    add_s6_files(svc);
    add_s6_files(log);
    auto const before = snapshot(top);
    std::string const status = slurp(svc + "/supervise/status");

    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));

    for (std::string const &d : {svc, log}) {
        EXPECT_EQ(shape_of(d + "/supervise"), shape('d', me, G, 0710)) << d;
        EXPECT_EQ(shape_of(d + "/supervise/control"), shape('p', me, G, 0620)) << d;
        EXPECT_EQ(shape_of(d + "/event"), shape('d', me, my_gid, 03730)) << d;
        // s6-supervise's own files are left exactly as they were.
        for (char const *f : {"/supervise/status", "/supervise/lock", "/supervise/death_tally"}) {
            std::string const rel = fsys::relative(d + f, top).string();
            EXPECT_EQ(entry(d + f), before.at(rel)) << rel;
        }
        // The skeleton entries were fixed in place, not recreated.
        for (char const *f : {"/supervise", "/supervise/control", "/event"})
            EXPECT_EQ(entry(d + f).ino, before.at(fsys::relative(d + f, top).string()).ino) << d << f;
    }
    EXPECT_EQ(slurp(svc + "/supervise/status"), status);
    EXPECT_FALSE(present(svc + "/supervise/event"));
}

TEST_F(Skeleton, FixTurnsTheOwnerLayoutIntoTheGroupLayout)
{
    if (!am_root()) GTEST_SKIP() << "needs root to chown to uid 65534";
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), owner_layout()));
    expect_owner_layout(svc);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));
    expect_group_layout(svc);
    expect_group_layout(log);
    // And back, with -e this time.
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(true, true)));
    expect_group_layout(svc, true);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), owner_layout(true)));
    expect_owner_layout(svc);
    expect_owner_layout(log);
}

TEST_F(Skeleton, FixOnAServiceS6AlreadySupervised)
{
    // What s6-supervise leaves when nothing was seeded: supervise/ 0700,
    // control 0600, event/ 03730, all root's.
    for (std::string const &d : {svc, log}) {
        ASSERT_EQ(::mkdir((d + "/supervise").c_str(), 0700), 0);
        ASSERT_EQ(::mkfifo((d + "/supervise/control").c_str(), 0600), 0);
        ASSERT_EQ(::mkdir((d + "/event").c_str(), 0700), 0);
        ASSERT_EQ(::chmod((d + "/event").c_str(), 03730), 0);
        add_s6_files(d);
    }
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));
    for (std::string const &d : {svc, log}) {
        EXPECT_EQ(shape_of(d + "/supervise"), shape('d', me, G, 0710));
        EXPECT_EQ(shape_of(d + "/supervise/control"), shape('p', me, G, 0620));
        EXPECT_EQ(shape_of(d + "/event"), shape('d', me, my_gid, 03730));
        EXPECT_EQ(shape_of(d + "/supervise/status"), shape('f', me, my_gid, 0644));
    }
}

TEST_F(Skeleton, FixPurgesWhatWasPlanted)
{
    // The owner layout (or any skeleton a user could write) let someone plant
    // symlinks, hard links and directories; -f in the group layout removes
    // them and keeps s6's own files and subscription FIFOs.
    std::string const outside = top + "/outside";
    ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
    spit(outside + "/victim", "secret\n", 0600);
    ASSERT_EQ(::mkfifo((outside + "/control").c_str(), 0600), 0);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    add_s6_files(svc);
    std::string const sup = svc + "/supervise/", ev = svc + "/event/";
    std::string const ftrig = "ftrig1:@400000006566aabb11223344:";
    ASSERT_EQ(::symlink((outside + "/victim").c_str(), (sup + "status.new").c_str()), 0);
    ASSERT_EQ(::symlink((outside + "/victim").c_str(), (sup + "death_tally.new").c_str()), 0);
    ASSERT_EQ(::link((outside + "/victim").c_str(), (sup + "lock.new").c_str()), 0);
    ASSERT_EQ(::mkdir((sup + "dir").c_str(), 0700), 0);
    ASSERT_EQ(::symlink(outside.c_str(), (sup + "dir/out").c_str()), 0);
    ASSERT_EQ(::symlink((outside + "/victim").c_str(), (ev + ftrig + "Aaaaaa").c_str()), 0);
    ASSERT_EQ(::link((outside + "/control").c_str(), (ev + ftrig + "Bbbbbb").c_str()), 0);
    ASSERT_EQ(::mkfifo((ev + ftrig + "Cccccc").c_str(), 0622), 0); // a real subscription
    auto const before = snapshot(top);

    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));

    for (char const *gone : {"status.new", "death_tally.new", "lock.new", "dir"})
        EXPECT_FALSE(present(sup + gone)) << gone << " was kept";
    EXPECT_FALSE(present(ev + ftrig + "Aaaaaa")) << "symlink in event/ kept";
    EXPECT_FALSE(present(ev + ftrig + "Bbbbbb")) << "hard link to another FIFO kept";
    EXPECT_EQ(entry(ev + ftrig + "Cccccc"), before.at("svc/event/" + ftrig + "Cccccc"));
    for (char const *kept : {"control", "status", "lock", "death_tally"})
        EXPECT_EQ(entry(sup + kept), before.at(std::string("svc/supervise/") + kept)) << kept;
    EXPECT_EQ(slurp(outside + "/victim"), "secret\n");
    EXPECT_EQ(shape_of(outside + "/victim"), shape('f', me, my_gid, 0600));
    EXPECT_EQ(shape_of(outside + "/control"), shape('p', me, my_gid, 0600));
    EXPECT_EQ(snapshot(outside).size(), 2u);
    // Without -f nothing is removed.
    ASSERT_EQ(::symlink((outside + "/victim").c_str(), (sup + "status.new").c_str()), 0);
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout()));
    EXPECT_TRUE(present(sup + "status.new"));
}

// ---- symlinks and wrong types: die 111, nothing created --------------------

// A directory outside the service, where planted symlinks point.
class SkeletonHostile : public Skeleton {
protected:
    void SetUp() override
    {
        Skeleton::SetUp();
        outside = top + "/outside";
        ASSERT_EQ(::mkdir(outside.c_str(), 0700), 0);
        ASSERT_EQ(::mkfifo((outside + "/fifo").c_str(), 0600), 0);
        spit(outside + "/victim", "secret\n", 0600);
    }
    void plant(std::string const &target, std::string const &where)
    {
        ASSERT_EQ(::symlink(target.c_str(), where.c_str()), 0) << where;
    }
    // outside/ as SetUp left it; nothing created in svc/ or svc/log/.
    void expect_untouched()
    {
        EXPECT_EQ(shape_of(outside), shape('d', me, my_gid, 0700));
        auto const s = snapshot(outside);
        EXPECT_EQ(s.size(), 2u) << "something was created through the symlink";
        EXPECT_EQ(shape_of(outside + "/fifo"), shape('p', me, my_gid, 0600));
        EXPECT_EQ(shape_of(outside + "/victim"), shape('f', me, my_gid, 0600));
        EXPECT_EQ(slurp(outside + "/victim"), "secret\n");
        expect_nothing_created();
    }
    // seed in a child: must die 111 with a message matching re.
    void expect_death(hs6::Layout const &l, char const *re)
    {
        std::string const s = svc;
        EXPECT_ERROR(hs6::seed_supervise(s.c_str(), l), 111, re);
    }

    std::string outside;
};

TEST_F(SkeletonHostile, SymlinkAsSupervise)
{
    plant(outside, svc + "/supervise");
    expect_death(group_layout(), "svc/supervise is a symbolic link: not followed");
    expect_death(group_layout(false, true), "svc/supervise is a symbolic link");
    expect_untouched();
}

TEST_F(SkeletonHostile, SymlinkAsControl)
{
    ASSERT_EQ(::mkdir((svc + "/supervise").c_str(), 0700), 0);
    plant(outside + "/fifo", svc + "/supervise/control");
    expect_death(group_layout(), "svc/supervise/control is a symbolic link: not followed");
    EXPECT_FALSE(present(svc + "/event"));
    EXPECT_EQ(shape_of(svc + "/supervise"), shape('d', me, my_gid, 0700));
    // Fix mode takes supervise/ first, then replaces the planted control
    // with a FIFO of its own; the link's target is never touched.
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));
    EXPECT_EQ(shape_of(svc + "/supervise/control"), shape('p', me, G, 0620));
    remove_skeletons();
    expect_untouched();
}

TEST_F(SkeletonHostile, SymlinkAsEvent)
{
    plant(outside, svc + "/event");
    expect_death(group_layout(), "svc/event is a symbolic link: not followed");
    expect_death(group_layout(true, true), "svc/event is a symbolic link");
    EXPECT_FALSE(present(svc + "/supervise"));
    expect_untouched();
}

TEST_F(SkeletonHostile, SymlinkAsLog)
{
    std::error_code ec;
    fsys::remove_all(log, ec);
    plant(outside, log);
    expect_death(group_layout(), "svc/log is a symbolic link: not followed");
    expect_untouched();
}

TEST_F(SkeletonHostile, SymlinkInsideLog)
{
    // The log's entries are checked before the service's are created.
    for (char const *name : {"/supervise", "/event"}) {
        plant(outside, log + name);
        expect_death(group_layout(), (std::string("svc/log") + name + " is a symbolic link").c_str());
        EXPECT_FALSE(present(svc + "/supervise"));
        EXPECT_FALSE(present(svc + "/event"));
        ASSERT_EQ(::unlink((log + name).c_str()), 0);
    }
    ASSERT_EQ(::mkdir((log + "/supervise").c_str(), 0700), 0);
    plant(outside + "/fifo", log + "/supervise/control");
    expect_death(group_layout(), "svc/log/supervise/control is a symbolic link");
    EXPECT_FALSE(present(svc + "/supervise"));
    EXPECT_FALSE(present(svc + "/event"));
    ASSERT_EQ(::unlink((log + "/supervise/control").c_str()), 0);
    ASSERT_EQ(::rmdir((log + "/supervise").c_str()), 0);
    expect_untouched();
}

TEST_F(SkeletonHostile, DanglingSymlinks)
{
    plant(outside + "/new", svc + "/event");
    expect_death(group_layout(), "svc/event is a symbolic link");
    EXPECT_FALSE(present(outside + "/new"));
    ASSERT_EQ(::unlink((svc + "/event").c_str()), 0);
    plant(outside + "/new", svc + "/supervise");
    expect_death(group_layout(), "svc/supervise is a symbolic link");
    EXPECT_FALSE(present(outside + "/new"));
    expect_untouched();
}

TEST_F(SkeletonHostile, ServiceDirThatIsASymlinkOrAFile)
{
    std::string const link = top + "/link";
    plant(svc, link);
    EXPECT_ERROR(hs6::seed_supervise(link.c_str(), group_layout()), 111, "link is a symbolic link: not followed");
    std::string const slash = link + "/";
    EXPECT_ERROR(hs6::seed_supervise(slash.c_str(), group_layout()), 111, "link/ is a symbolic link: not followed");
    std::string const file = svc + "/run";
    EXPECT_ERROR(hs6::seed_supervise(file.c_str(), group_layout()), 111, "run is not a directory");
    std::string const missing = top + "/missing";
    EXPECT_ERROR(hs6::seed_supervise(missing.c_str(), group_layout()), 111, "unable to open .*missing: No such file or directory");
    expect_untouched();
}

TEST_F(SkeletonHostile, WrongTypes)
{
    spit(svc + "/supervise", "", 0644);
    expect_death(group_layout(), "svc/supervise is not a directory");
    EXPECT_FALSE(present(svc + "/event"));
    ASSERT_EQ(::unlink((svc + "/supervise").c_str()), 0);

    ASSERT_EQ(::mkfifo((svc + "/event").c_str(), 0600), 0);
    expect_death(group_layout(), "svc/event is not a directory");
    EXPECT_FALSE(present(svc + "/supervise"));
    ASSERT_EQ(::unlink((svc + "/event").c_str()), 0);

    ASSERT_EQ(::mkdir((svc + "/supervise").c_str(), 0700), 0);
    spit(svc + "/supervise/control", "", 0600);
    expect_death(group_layout(), "svc/supervise/control exists and is not a FIFO");
    expect_death(owner_layout(true), "svc/supervise/control exists and is not a FIFO");
    EXPECT_EQ(shape_of(svc + "/supervise/control"), shape('f', me, my_gid, 0600));
    EXPECT_FALSE(present(svc + "/event"));
    ASSERT_EQ(::unlink((svc + "/supervise/control").c_str()), 0);
    ASSERT_EQ(::mkdir((svc + "/supervise/control").c_str(), 0700), 0);
    expect_death(group_layout(), "svc/supervise/control exists and is not a FIFO");
    // The group layout's fix mode replaces what is not s6's FIFO.
    EXPECT_OK(hs6::seed_supervise(svc.c_str(), group_layout(false, true)));
    EXPECT_EQ(shape_of(svc + "/supervise/control"), shape('p', me, G, 0620));
    remove_skeletons();
    expect_untouched();
}

} // namespace
