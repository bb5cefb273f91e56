/* SPDX-License-Identifier: ISC */
/*
 * The registry of per-service counters.  Entries are created by the main
 * thread when a config snapshot goes live and are never freed: a service
 * removed by a reload keeps its totals in case it comes back, and a worker
 * may still be counting the last bytes of its connections.
 *
 * The workers' slots live in state_dir/counters, a file mapped shared
 * (acct_map_open()): a page the process writes is the file's, so what a
 * worker counted survives the process (kill -9, a last checkpoint that a
 * full disk refused), and the next start writes it to the history.  The
 * file: a header (magic, layout, workers, the file's id, the checkpoints'
 * numbers), then an entry per service, in the order created: its name,
 * what the history has of its slots ("saved"), what the checkpoint being
 * written stores ("pending"), and a slot per worker.  The counts in it
 * are cumulative since the file was made; only "saved" says how much of
 * them the history has.  Its blocks are allocated (fallocate) before a
 * worker may write them: on a full disk, a write to a hole of a shared
 * mapping is SIGBUS.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "counters.h"
#include "log.h"
#include "namemap.h"

const struct acct_counter acct_counters[ACCT_NCOUNTERS] = {
#define ACCT_COUNTER(f, json, sql, show, mp, mx, dir)			\
	{ #f, json, sql, show, offsetof(struct acct_cell, f), { mp, mx }, dir },
	ACCT_CELL_COUNTERS(ACCT_COUNTER)
#undef ACCT_COUNTER
};

static struct namemap	*acct_names;	/* name -> acct_service */
static struct acct_service	**acct_all;
static size_t			 acct_n, acct_cap;
static int			 acct_nworkers = 1;

void
acct_init(int nworkers)
{
	acct_nworkers = nworkers;
}

/* ------------------------------------------------ state_dir/counters */

#define ACCT_MAP_FILE	"counters"
#define ACCT_MAP_MAGIC	0x31534e5443473656ULL	/* "V6GCTNS1" */
#define ACCT_MAP_LAYOUT	1
#define ACCT_MAP_HEAD	4096		/* the header's page */
#define ACCT_MAP_MAX	65536		/* entries; more are on the heap */
#define ACCT_MAP_CHUNK	64		/* entries allocated at a time */
#define ACCT_MAP_MAXW	1024		/* workers a file may say */

struct acct_fhead {
	uint64_t	magic;
	uint32_t	layout;
	uint32_t	nworkers;
	uint32_t	ncounters;	/* ACCT_NCOUNTERS */
	uint32_t	cellsize;	/* sizeof(struct acct_cell) */
	uint32_t	nentries;	/* written last: an entry is whole */
	uint32_t	pad;
	uint64_t	id;		/* this file's, random */
	uint64_t	seq;		/* the checkpoint "pending" is of */
	uint64_t	saved_seq;	/* the last one committed */
};

struct acct_fentry {
	char			name[72];
	struct acct_cell	saved[ACCT_NFAMILY];
	struct acct_cell	pending[ACCT_NFAMILY];
	/* then struct acct_slot [nworkers] */
} __attribute__((aligned(64)));

static char		*acct_map;		/* NULL: slots on the heap */
static int		 acct_map_fd = -1;
static size_t		 acct_map_len;		/* reserved */
static uint32_t		 acct_map_alloc;	/* entries allocated */
static int		 acct_map_checked;	/* acct_map_committed() ran */
static int		 acct_map_warned;
static char		 acct_map_path[4096];

static size_t
acct_map_stride(uint32_t nworkers)
{
	return sizeof(struct acct_fentry) + sizeof(struct acct_slot) *
	    nworkers;
}

static struct acct_fhead *
acct_map_head(void)
{
	return (struct acct_fhead *)(void *)acct_map;
}

static struct acct_fentry *
acct_map_entry(char *base, uint32_t nworkers, uint32_t i)
{
	return (struct acct_fentry *)(void *)(base + ACCT_MAP_HEAD +
	    acct_map_stride(nworkers) * i);
}

static struct acct_slot *
acct_fentry_slots(struct acct_fentry *e)
{
	return (struct acct_slot *)(void *)(e + 1);
}

/* Blocks for n entries (rounded up): -1 with errno (ENOSPC). */
static int
acct_map_grow(uint32_t n)
{
	size_t	stride = acct_map_stride((uint32_t)acct_nworkers);
	int	rc;

	if (n <= acct_map_alloc)
		return 0;
	n = (n + ACCT_MAP_CHUNK - 1) / ACCT_MAP_CHUNK * ACCT_MAP_CHUNK;
	if (n > ACCT_MAP_MAX) {
		errno = ENOSPC;
		return -1;
	}
	if ((rc = posix_fallocate(acct_map_fd, 0, (off_t)(ACCT_MAP_HEAD +
	    stride * n))) != 0) {
		errno = rc;
		return -1;
	}
	acct_map_alloc = n;
	return 0;
}

/* Map fd (the whole reservation; pages past the end are never touched). */
static char *
acct_map_reserve(int fd)
{
	void	*p;

	acct_map_len = ACCT_MAP_HEAD + acct_map_stride((uint32_t)
	    acct_nworkers) * ACCT_MAP_MAX;
	p = mmap(NULL, acct_map_len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_NORESERVE, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * A new file in place of path, holding old's entries (NULL: none), their
 * slots folded into the first: a file of another worker count keeps its
 * counts.  Written beside and renamed: either file is whole at any time.
 */
static int
acct_map_create(const struct acct_fhead *oh, char *old, char *err,
    size_t errlen)
{
	char			 tmp[4096 + 8];
	struct acct_fhead	*h;
	struct acct_fentry	*oe, *e;
	uint32_t		 i, n = oh != NULL ? oh->nentries : 0;
	int			 w, f;

	snprintf(tmp, sizeof(tmp), "%s.new", acct_map_path);
	if ((acct_map_fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	acct_map_alloc = 0;
	if (acct_map_grow(n > 0 ? n : 1) == -1 ||
	    (acct_map = acct_map_reserve(acct_map_fd)) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	h = acct_map_head();
	memset(h, 0, sizeof(*h));
	h->magic = ACCT_MAP_MAGIC;
	h->layout = ACCT_MAP_LAYOUT;
	h->nworkers = (uint32_t)acct_nworkers;
	h->ncounters = ACCT_NCOUNTERS;
	h->cellsize = sizeof(struct acct_cell);
	if (oh != NULL) {
		h->id = oh->id;
		h->seq = oh->seq;
		h->saved_seq = oh->saved_seq;
	} else if (getrandom(&h->id, sizeof(h->id), 0) != sizeof(h->id))
		h->id = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	for (i = 0; i < n; i++) {
		oe = acct_map_entry(old, oh->nworkers, i);
		e = acct_map_entry(acct_map, (uint32_t)acct_nworkers, i);
		memcpy(e, oe, sizeof(*e));
		for (w = 0; w < (int)oh->nworkers; w++)
			for (f = 0; f < ACCT_NFAMILY; f++) {
				struct acct_cell *d =
				    &acct_fentry_slots(e)[0].fam[f];
				const struct acct_cell *c =
				    &acct_fentry_slots(oe)[w].fam[f];
#define ACCT_FOLD(x, json, sql, show, mp, mx, dir)	d->x += c->x;
				ACCT_CELL_COUNTERS(ACCT_FOLD)
#undef ACCT_FOLD
			}
	}
	h->nentries = n;
	if (rename(tmp, acct_map_path) == -1) {
		snprintf(err, errlen, "%s: %s", acct_map_path,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (acct_map != NULL)
		munmap(acct_map, acct_map_len);
	acct_map = NULL;
	close(acct_map_fd);
	acct_map_fd = -1;
	unlink(tmp);
	return -1;
}

static struct acct_service *acct_service_new(const char *,
    struct acct_fentry *);

/* A valid file of this program's counters (1), or not (0). */
static int
acct_map_valid(const struct acct_fhead *h, off_t size)
{
	return size >= ACCT_MAP_HEAD && h->magic == ACCT_MAP_MAGIC &&
	    h->layout == ACCT_MAP_LAYOUT && h->ncounters == ACCT_NCOUNTERS &&
	    h->cellsize == sizeof(struct acct_cell) && h->nworkers > 0 &&
	    h->nworkers <= ACCT_MAP_MAXW && h->nentries <= ACCT_MAP_MAX &&
	    (uint64_t)size >= ACCT_MAP_HEAD + (uint64_t)h->nentries *
	    acct_map_stride(h->nworkers);
}

int
acct_map_open(const char *state_dir, char *err, size_t errlen)
{
	struct acct_fhead	 h;
	struct acct_fentry	*e;
	struct acct_service	*as;
	struct stat		 sb;
	char			*old;
	uint32_t		 i;
	int			 fd, w, f, rc;

	snprintf(acct_map_path, sizeof(acct_map_path), "%s/%s", state_dir,
	    ACCT_MAP_FILE);
	memset(&h, 0, sizeof(h));
	if ((fd = open(acct_map_path, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", acct_map_path,
			    strerror(errno));
			return -1;
		}
		if (acct_map_create(NULL, NULL, err, errlen) == -1)
			return -1;
	} else if (fstat(fd, &sb) == -1 || pread(fd, &h, sizeof(h), 0) !=
	    (ssize_t)sizeof(h) || !acct_map_valid(&h, sb.st_size)) {
		log_warnx("%s: not a counters file of this version: made "
		    "anew (the counts it held, if any, are not recovered)",
		    acct_map_path);
		close(fd);
		if (acct_map_create(NULL, NULL, err, errlen) == -1)
			return -1;
	} else if (h.nworkers != (uint32_t)acct_nworkers) {
		/* another worker count: a file of this one's layout */
		if ((old = mmap(NULL, (size_t)sb.st_size, PROT_READ,
		    MAP_SHARED, fd, 0)) == MAP_FAILED) {
			snprintf(err, errlen, "%s: %s", acct_map_path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		rc = acct_map_create(&h, old, err, errlen);
		munmap(old, (size_t)sb.st_size);
		close(fd);
		if (rc == -1)
			return -1;
	} else {
		acct_map_fd = fd;
		acct_map_alloc = (uint32_t)(((uint64_t)sb.st_size -
		    ACCT_MAP_HEAD) / acct_map_stride(h.nworkers));
		if ((acct_map = acct_map_reserve(fd)) == NULL) {
			snprintf(err, errlen, "%s: %s", acct_map_path,
			    strerror(errno));
			close(fd);
			acct_map_fd = -1;
			return -1;
		}
	}
	/* the previous runs' services, with what the history has of them */
	for (i = 0; i < acct_map_head()->nentries; i++) {
		e = acct_map_entry(acct_map, (uint32_t)acct_nworkers, i);
		e->name[sizeof(e->name) - 1] = '\0';
		if ((as = acct_service_new(e->name, e)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(as->saved, e->saved, sizeof(as->saved));
		/* their connections are all closed now, a kill -9's too */
		for (w = 0; w < acct_nworkers; w++)
			for (f = 0; f < ACCT_NFAMILY; f++)
				as->slots[w].fam[f].closed =
				    as->slots[w].fam[f].connections;
	}
	return 0;
}

void
acct_map_close(void)
{
	/* the entries stay mapped: services are never freed */
	if (acct_map_fd != -1)
		close(acct_map_fd);
	acct_map_fd = -1;
}

void
acct_map_begin(void)
{
	if (acct_map != NULL)
		acct_map_head()->seq++;
}

int
acct_map_ck(char *buf, size_t len)
{
	if (acct_map == NULL)
		return 0;
	snprintf(buf, len, "%016" PRIx64 ":%016" PRIx64, acct_map_head()->id,
	    acct_map_head()->seq);
	return 1;
}

void
acct_map_pending(struct acct_service *as,
    const struct acct_cell slots[ACCT_NFAMILY])
{
	if (as->fentry != NULL)
		memcpy(as->fentry->pending, slots, sizeof(as->fentry->pending));
}

void
acct_map_stored(void)
{
	size_t	i;

	if (acct_map == NULL)
		return;
	for (i = 0; i < acct_n; i++)
		if (acct_all[i]->fentry != NULL)
			memcpy(acct_all[i]->fentry->saved,
			    acct_all[i]->fentry->pending,
			    sizeof(acct_all[i]->fentry->saved));
	acct_map_head()->saved_seq = acct_map_head()->seq;
}

/*
 * The history's record of the last checkpoint committed (ck, or NULL):
 * if it is the one the file was writing when its process died, the file's
 * "pending" is in the history.  Then what the history lacks is logged.
 */
void
acct_map_committed(const char *ck)
{
	struct acct_fhead	*h = acct_map_head();
	struct acct_cell	 slots[ACCT_NFAMILY];
	struct acct_service	*as;
	char			 mine[64];
	uint64_t		 nc, nb;
	size_t			 i;
	int			 f, done;

	if (acct_map == NULL || acct_map_checked)
		return;
	acct_map_checked = 1;
	acct_map_ck(mine, sizeof(mine));
	done = ck != NULL && strcmp(ck, mine) == 0 && h->saved_seq != h->seq;
	for (i = 0; i < acct_n; i++) {
		as = acct_all[i];
		if (as->fentry == NULL)
			continue;
		if (done) {
			memcpy(as->fentry->saved, as->fentry->pending,
			    sizeof(as->saved));
			memcpy(as->saved, as->fentry->saved,
			    sizeof(as->saved));
		}
		acct_service_slots(as, slots);
		for (f = 0, nc = nb = 0; f < ACCT_NFAMILY; f++) {
			nc += slots[f].connections - as->saved[f].connections;
			nb += slots[f].bytes_in - as->saved[f].bytes_in +
			    slots[f].bytes_out - as->saved[f].bytes_out;
		}
		if (nc != 0 || nb != 0)
			log_info("%s: %" PRIu64 " connections, %" PRIu64
			    " bytes of service %s were not in the history: "
			    "recovered, written at the next checkpoint",
			    acct_map_path, nc, nb, as->name);
	}
	if (done)
		h->saved_seq = h->seq;
}

const char *
acct_map_where(const struct acct_service *as)
{
	return as->fentry != NULL ? acct_map_path : NULL;
}

uint64_t
acct_peak_take(struct acct_service *as, int f)
{
	struct acct_open	*o = &as->open[f];
	uint64_t		 p, n;

	/* a new period: what is open now is its floor; an opening from
	   here on raises it itself */
	p = __atomic_exchange_n(&o->peak, 0, __ATOMIC_RELAXED);
	n = __atomic_load_n(&o->open, __ATOMIC_RELAXED);
	acct_open_max(o, n);
	return p;
}

/* A service's counters, its slots in e (NULL: a new entry, or the heap). */
static struct acct_service *
acct_service_new(const char *name, struct acct_fentry *e)
{
	struct acct_service	*as;
	struct acct_fhead	*h;
	size_t			 size = sizeof(struct acct_slot) *
				    (size_t)acct_nworkers;
	void			*prev;

	if (acct_names == NULL && (acct_names = namemap_new()) == NULL)
		return NULL;
	if ((as = calloc(1, sizeof(*as))) == NULL)
		return NULL;
	strncpy(as->name, name, sizeof(as->name) - 1);
	if (e == NULL && acct_map != NULL) {
		h = acct_map_head();
		if (acct_map_grow(h->nentries + 1) == 0) {
			e = acct_map_entry(acct_map, (uint32_t)acct_nworkers,
			    h->nentries);
			memset(e, 0, acct_map_stride((uint32_t)acct_nworkers));
			memcpy(e->name, as->name, strlen(as->name));
			/* the entry is whole before the file counts it */
			__atomic_store_n(&h->nentries, h->nentries + 1,
			    __ATOMIC_RELEASE);
		} else if (!acct_map_warned++)
			log_warnx("%s: %s: the counts of service %s and of "
			    "those added after it are in memory only (a kill "
			    "-9 loses what moved since the last checkpoint)",
			    acct_map_path, strerror(errno), as->name);
	}
	if (e != NULL) {
		as->fentry = e;
		as->slots = acct_fentry_slots(e);
	} else if ((as->slots = aligned_alloc(64, size)) == NULL) {
		free(as);
		return NULL;
	} else
		memset(as->slots, 0, size);
	if (acct_n == acct_cap) {
		size_t			 ncap = acct_cap ? acct_cap * 2 : 64;
		struct acct_service	**n = realloc(acct_all,
					    ncap * sizeof(*n));

		if (n == NULL)
			goto fail;
		acct_all = n;
		acct_cap = ncap;
	}
	if (namemap_add(acct_names, as->name, as, &prev) == -1)
		goto fail;
	acct_all[acct_n++] = as;
	return as;
fail:
	if (as->fentry == NULL)
		free(as->slots);
	free(as);
	return NULL;
}

struct acct_service *
acct_service_get(const char *name)
{
	struct acct_service	*as;

	/* a hash: a reload of 10,000 services must not scan 10,000 times */
	if (acct_names == NULL && (acct_names = namemap_new()) == NULL)
		return NULL;
	if ((as = namemap_lookup(acct_names, name, strlen(name))) != NULL)
		return as;
	return acct_service_new(name, NULL);
}

void
acct_foreach(void (*fn)(struct acct_service *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < acct_n; i++)
		fn(acct_all[i], arg);
}

void
acct_cell_add(struct acct_cell *dst, const struct acct_cell *src)
{
#define ACCT_CELL_ADD(c, json, sql, show, mp, mx, dir)			\
	dst->c += src->c;
	ACCT_CELL_COUNTERS(ACCT_CELL_ADD)
#undef ACCT_CELL_ADD
}

void
acct_service_sum(const struct acct_service *as,
    struct acct_cell sum[ACCT_NFAMILY])
{
	int	f;

	acct_service_live(as, sum);
	for (f = 0; f < ACCT_NFAMILY; f++)
		acct_cell_add(&sum[f], &as->base[f]);
}

void
acct_service_live(const struct acct_service *as,
    struct acct_cell sum[ACCT_NFAMILY])
{
	int	f;

	/* the workers', then what the kernel counted (main thread) */
	acct_service_slots(as, sum);
	for (f = 0; f < ACCT_NFAMILY; f++)
		acct_cell_add(&sum[f], &as->kern[f]);
}

void
acct_service_slots(const struct acct_service *as,
    struct acct_cell sum[ACCT_NFAMILY])
{
	int	w, f;

	memset(sum, 0, sizeof(struct acct_cell) * ACCT_NFAMILY);
	for (w = 0; w < acct_nworkers; w++)
		for (f = 0; f < ACCT_NFAMILY; f++) {
			const struct acct_cell *c = &as->slots[w].fam[f];

			/* closings first: a connection closing between the
			   two reads must not make "open" negative */
#define ACCT_SUM_OPEN(x, json, sql, show, mp, mx, dir)			\
			if ((show) & ACCT_OPEN)				\
				sum[f].x += acct_read(&c->x);
#define ACCT_SUM_REST(x, json, sql, show, mp, mx, dir)			\
			if (!((show) & ACCT_OPEN))			\
				sum[f].x += acct_read(&c->x);
			ACCT_CELL_COUNTERS(ACCT_SUM_OPEN)
			ACCT_CELL_COUNTERS(ACCT_SUM_REST)
#undef ACCT_SUM_OPEN
#undef ACCT_SUM_REST
		}
}

const char *
acct_family_name(enum acct_family f)
{
	return f == ACCT_IPV6 ? "ipv6" : "ipv4";
}
