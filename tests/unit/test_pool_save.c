/* SPDX-License-Identifier: ISC */
/*
 * The backends' saved state (src/pool/save.c): what is written reads back
 * into the states, a backend gone from the config is dropped, the file is
 * 0640 and replaced whole (no temporary left), and a bad file (not ours,
 * cut short, a wrong value, binary, too long a line) is refused whole with
 * a reason, changing nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool/save.h"
#include "pool/state.h"
#include "t.h"

static char	dir[] = "/tmp/v6g-test-save.XXXXXX";
static char	path[256];

static void
put(const char *text, size_t len)
{
	FILE	*f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(text, 1, len, f) == len);
	fclose(f);
}

/* a string literal, its length without the final NUL */
#define LIT(s)	(s), sizeof(s) - 1

static int
drain(struct pool_state *st)
{
	return __atomic_load_n(&st->drain, __ATOMIC_RELAXED);
}

/* A bad file: -1 with a reason naming it, and no state touched. */
static void
bad(const char *what, const char *text, size_t len, struct pool_state *a)
{
	char	err[512] = "";
	int	d = drain(a), up = a->up;

	put(text, len);
	CHECK_INT(pool_save_read(path, err, sizeof(err)), -1);
	if (strstr(err, path) == NULL)
		fprintf(stderr, "%s: no file name in \"%s\"\n", what, err);
	CHECK(strstr(err, path) != NULL);
	CHECK_INT(drain(a), d);
	CHECK_INT(a->up, up);
}

int
main(void)
{
	struct pool_state	*a, *b, *gone;
	struct stat		 st;
	char			 err[512], tmp[300], big[2000];
	int			 n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, POOL_SAVE_FILE);

	a = pool_state_get("portal", "10.1.0.5:443");
	b = pool_state_get("portal", "[2001:db8::6]:443");
	gone = pool_state_get("old", "10.1.0.9:443");
	CHECK(a != NULL && b != NULL && gone != NULL);
	a->gen = b->gen = 2;
	gone->gen = 1;
	pool_state_sweep(2);	/* the live config: a and b */

	/* no file yet: nothing restored, no error */
	CHECK_INT(pool_save_read(path, err, sizeof(err)), 0);

	__atomic_store_n(&a->drain, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&b->up, 0, __ATOMIC_RELAXED);
	b->health.changed_ms = 1700000000123ULL;
	CHECK_INT(pool_save_write(path, err, sizeof(err)), 0);
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(access(tmp, F_OK) == -1);

	/* as after a restart: everything enabled and up, then read back */
	__atomic_store_n(&a->drain, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b->up, 1, __ATOMIC_RELAXED);
	b->health.changed_ms = 0;
	n = pool_save_read(path, err, sizeof(err));
	CHECK_INT(n, 2);	/* "old" was not live: not written */
	CHECK_INT(drain(a), 1);
	CHECK_INT(a->up, 1);
	CHECK_INT(drain(b), 0);
	CHECK_INT(b->up, 0);
	CHECK(b->health.changed_ms == 1700000000123ULL);

	/* a backend the config no longer has is dropped, the rest read */
	put(LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1 changed=0\n"
	    "nosuch 10.9.9.9:443 drain=1 up=0 changed=5\n"));
	CHECK_INT(pool_save_read(path, err, sizeof(err)), 1);
	CHECK_INT(drain(a), 0);
	CHECK_INT(drain(gone), 0);
	__atomic_store_n(&a->drain, 1, __ATOMIC_RELAXED);

	/* bad files: ignored whole */
	bad("empty", LIT(""), a);
	bad("not ours", LIT("hello\n"), a);
	bad("a newer format", LIT("v6gate-backends 2\n"), a);
	bad("cut short", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up"), a);
	bad("a wrong value", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=2 up=1 changed=0\n"), a);
	bad("a missing field", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1\n"), a);
	bad("a field too many", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1 changed=0 x=1\n"), a);
	bad("changed not a number", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1 changed=-1\n"), a);
	bad("changed overflows", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1 "
	    "changed=99999999999999999999999\n"), a);
	bad("binary", LIT("v6gate-backends 1\n"
	    "portal\0 10.1.0.5:443 drain=0 up=1 changed=0\n"), a);
	/* the first good line is not applied when a later one is bad */
	bad("good then bad", LIT("v6gate-backends 1\n"
	    "portal 10.1.0.5:443 drain=0 up=1 changed=0\nportal\n"), a);
	memset(big, 'x', sizeof(big));
	memcpy(big, "v6gate-backends 1\n", 18);
	big[sizeof(big) - 1] = '\n';
	bad("a line too long", big, sizeof(big), a);
	CHECK_INT(drain(a), 1);

	/* a directory that is not there: the write fails, says where */
	CHECK_INT(pool_save_write("/nonexistent/dir/x", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/dir/x") != NULL);

	/* before pool_save_start(): pool_save_now() writes nothing */
	unlink(path);
	pool_save_now();
	CHECK(access(path, F_OK) == -1);
	pool_save_start(dir);
	pool_save_now();
	CHECK(access(path, F_OK) == 0);

	unlink(path);
	rmdir(dir);
	return t_done("test_pool_save");
}
