/* SPDX-License-Identifier: ISC */
/*
 * Distinct clients per service, day and month (see clients.h).
 *
 * Each service has, per kind (IPv6 /128, IPv6 /64, IPv4), one set for the
 * current day and one for the current month.  A set remembers the members
 * the history has not stored yet ("pending") and whether its count moved
 * ("dirty").  When the local date changes the current sets close: they stay
 * on the list until a checkpoint has stored them, then are freed, and new
 * ones start empty.  So a database outage across midnight loses nothing,
 * and a restart reloads the day's and the month's members (or, past the
 * exact limit, their sketch) and continues counting without counting anyone
 * twice.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientq.h"
#include "clients.h"
#include "cset.h"
#include "log.h"
#include "siphash.h"
#include "store.h"

struct clients_set {
	struct cset		 set;
	struct acct_service	*as;		/* whose set */
	const char		*service;	/* its name */
	enum clients_kind	 kind;
	enum clients_period	 p;
	char			 period[12];	/* YYYY-MM-DD or YYYY-MM */
	uint8_t			(*pend)[16];	/* members to store */
	size_t			 npend, cappend;
	int			 dirty;		/* count to store */
	int			 sketch_dirty;	/* registers moved */
	int			 sketch_pending;	/* written, not committed */
	time_t			 sketch_at;	/* last stored */
	int			 lossy;		/* a queue dropped clients */
	int			 closing;	/* its period is over */
	struct clients_set	*next;
};

struct acct_clients {
	struct clients_set	*s[CL_NKIND][CL_NPERIOD];
};

static struct clients_set	*cl_sets;	/* every set, closing too */
static size_t			 cl_limit = 100000;
static struct siphash_key	 cl_key;
static int			 cl_keyed;
static int			 cl_key_fixed;	/* clients_key_read() */
static int			 cl_key_moved;	/* the stored: another key */
static char			 cl_period[CL_NPERIOD][12];
static uint64_t			 cl_dropped;	/* clientq_dropped() seen */
static int			 cl_final;	/* the last checkpoint */

/* Sketches are written at most this often (64 KiB each): a crash loses
   at most this much of an estimate's growth, a clean stop nothing. */
#define CL_SKETCH_EVERY	60

static const char *const cl_kind_names[CL_NKIND] = {
	"ipv6", "ipv6/64", "ipv4"
};

const char *
clients_kind_name(enum clients_kind k)
{
	return cl_kind_names[k];
}

void
clients_set_limit(size_t limit)
{
	cl_limit = limit;
}

/* The local day and month of t. */
static void
clients_periods(time_t t, char day[12], char month[12])
{
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(day, 12, "%Y-%m-%d", &tm);
	strftime(month, 12, "%Y-%m", &tm);
}

/* Close the current sets of a period that is over; they are stored and
   freed at the next checkpoint. */
static void
clients_close(int p)
{
	struct clients_set	*s;

	for (s = cl_sets; s != NULL; s = s->next)
		if (!s->closing && strcmp(s->period, cl_period[p]) == 0)
			s->closing = 1;
}

/* Start new periods if the local date changed. */
static void
clients_roll(time_t t)
{
	char	day[12], month[12];
	int	rolled = 0;

	clients_periods(t, day, month);
	/* a clock stepped back: the day goes on (a new, empty set for an
	   earlier date would overwrite its stored count) */
	if (strcmp(day, cl_period[CL_DAY]) < 0)
		return;
	if (strcmp(day, cl_period[CL_DAY]) != 0) {
		if (cl_period[CL_DAY][0] != '\0')
			clients_close(CL_DAY);
		memcpy(cl_period[CL_DAY], day, sizeof(day));
		rolled = 1;
	}
	if (strcmp(month, cl_period[CL_MONTH]) != 0) {
		if (cl_period[CL_MONTH][0] != '\0')
			clients_close(CL_MONTH);
		memcpy(cl_period[CL_MONTH], month, sizeof(month));
		rolled = 1;
	}
	if (rolled)
		clientq_new_period();
}

/* The current set of a service for a kind and period, created if needed. */
static struct clients_set *
clients_set_get(struct acct_service *as, int k, int p)
{
	struct clients_set	*s;

	if (as->clients == NULL &&
	    (as->clients = calloc(1, sizeof(*as->clients))) == NULL)
		return NULL;
	s = as->clients->s[k][p];
	if (s != NULL && !s->closing)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (cset_init(&s->set, cl_limit) == -1) {
		free(s);
		return NULL;
	}
	s->as = as;
	s->service = as->name;
	s->kind = k;
	s->p = p;
	memcpy(s->period, cl_period[p], sizeof(s->period));
	s->next = cl_sets;
	cl_sets = s;
	as->clients->s[k][p] = s;
	return s;
}

static void
clients_set_free(struct clients_set *s)
{
	cset_free(&s->set);
	free(s->pend);
	free(s);
}

/* Add a key; remember it for the history while the set is exact. */
static void
clients_add(struct clients_set *s, const uint8_t key[16], uint64_t h)
{
	int	r = cset_add(&s->set, key, h);

	if (r == 0)
		return;
	s->dirty = 1;
	s->sketch_dirty = 1;
	if (r == -1) {
		s->lossy = 1;		/* out of memory: not counted */
		return;
	}
	if (!cset_exact(&s->set)) {
		/* an estimate now: the sketch is stored, not members */
		free(s->pend);
		s->pend = NULL;
		s->npend = s->cappend = 0;
		return;
	}
	if (s->npend == s->cappend) {
		size_t	  ncap = s->cappend ? s->cappend * 2 : 64;
		uint8_t	(*n)[16] = reallocarray(s->pend, ncap, 16);

		if (n == NULL) {
			/* not stored: a restart would count it again */
			s->lossy = 1;
			return;
		}
		s->pend = n;
		s->cappend = ncap;
	}
	memcpy(s->pend[s->npend++], key, 16);
}

static void	clients_key(void);

static int
clients_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
clients_one(void *arg, struct acct_service *as, int family,
    const uint8_t *key)
{
	struct clients_set	*s;
	uint8_t			 k64[16];
	uint64_t		 h, h64;
	int			 p;

	h = siphash16(&cl_key, key);
	if (family == ACCT_IPV6) {
		memcpy(k64, key, 8);
		memset(k64 + 8, 0, 8);
		h64 = siphash16(&cl_key, k64);
	}
	for (p = 0; p < CL_NPERIOD; p++) {
		if (family == ACCT_IPV6) {
			if ((s = clients_set_get(as, CL_IPV6, p)) != NULL)
				clients_add(s, key, h);
			if ((s = clients_set_get(as, CL_IPV6_64, p)) != NULL)
				clients_add(s, k64, h64);
		} else if ((s = clients_set_get(as, CL_IPV4, p)) != NULL)
			clients_add(s, key, h);
	}
}

void
clients_seen(struct acct_service *as, int family, const uint8_t key[16])
{
	clients_key();
	clients_roll(time(NULL));
	clients_one(NULL, as, family, key);
}

int
clients_key_read(const char *file, char *err, size_t errlen)
{
	uint8_t	 b[16];
	char	 line[80], *p;
	FILE	*f;
	int	 i, hi, lo;

	if ((f = fopen(file, "re")) == NULL) {
		snprintf(err, errlen, "accounting.clients_key_file %s: %s",
		    file, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, " \t\r\n")] = '\0';
	for (i = 0, p = line; i < 16; i++, p += 2) {
		if ((hi = clients_hex(p[0])) == -1 ||
		    (lo = clients_hex(p[1])) == -1)
			break;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	if (i < 16 || *p != '\0') {
		snprintf(err, errlen, "accounting.clients_key_file %s: not a "
		    "key (32 hex digits on the first line: openssl rand -hex "
		    "16)", file);
		return -1;
	}
	memcpy(&cl_key.k0, b, 8);
	memcpy(&cl_key.k1, b + 8, 8);
	cl_keyed = cl_key_fixed = 1;
	return 0;
}

static void
clients_key(void)
{
	if (!cl_keyed) {
		siphash_key_random(&cl_key);
		cl_keyed = 1;
	}
}

void
clients_drain(void)
{
	struct clients_set	*s;
	uint64_t		 d;

	clients_key();
	/* what was queued belongs to the period it was queued in */
	if (cl_period[CL_DAY][0] == '\0')
		clients_roll(time(NULL));
	clientq_drain(clients_one, NULL);
	clients_roll(time(NULL));
	/* a full queue lost clients: today's and this month's figures are
	   then lower bounds, and say so */
	if ((d = clientq_dropped()) != cl_dropped) {
		cl_dropped = d;
		for (s = cl_sets; s != NULL; s = s->next)
			if (!s->closing && !s->lossy) {
				s->lossy = 1;
				s->dirty = 1;
			}
	}
}

int
clients_store(time_t now, char *err, size_t errlen)
{
	struct clients_set	*s;
	size_t			 i;

	for (s = cl_sets; s != NULL; s = s->next) {
		for (i = 0; i < s->npend; i++)
			if (store_client_member(s->period, s->service,
			    cl_kind_names[s->kind], s->pend[i], err,
			    errlen) == -1)
				return -1;
		s->sketch_pending = 0;
		if (!s->dirty)
			continue;
		if (!cset_exact(&s->set) && s->sketch_dirty && (s->closing ||
		    cl_final || now - s->sketch_at >= CL_SKETCH_EVERY)) {
			if (store_client_hll(s->period, s->service,
			    cl_kind_names[s->kind], s->set.hll->reg,
			    sizeof(s->set.hll->reg), err, errlen) == -1)
				return -1;
			s->sketch_pending = 1;
		}
		if (store_client_count(s->period, s->service,
		    cl_kind_names[s->kind], cset_count(&s->set),
		    cset_exact(&s->set) && !s->lossy, err, errlen) == -1)
			return -1;
	}
	return 0;
}

void
clients_final(void)
{
	cl_final = 1;
}

void
clients_stored(void)
{
	struct clients_set	*s, **sp;

	for (sp = &cl_sets; (s = *sp) != NULL; ) {
		s->npend = 0;
		/* an unwritten sketch keeps the set dirty for later */
		s->dirty = s->sketch_dirty && !s->sketch_pending &&
		    !cset_exact(&s->set);
		if (s->sketch_pending) {
			s->sketch_dirty = s->sketch_pending = 0;
			s->sketch_at = time(NULL);
		}
		if (s->closing) {
			/* its service starts the new period with an empty
			   set, unless it had a client already */
			if (s->as->clients->s[s->kind][s->p] == s)
				s->as->clients->s[s->kind][s->p] = NULL;
			*sp = s->next;
			clients_set_free(s);
		} else
			sp = &s->next;
	}
}

/* The current set a stored row belongs to (created if need be), or NULL
   for a kind this version does not know. */
static struct clients_set *
clients_row_set(const char *service, const char *period, const char *kind)
{
	struct acct_service	*as;
	int			 k, p;

	for (k = 0; k < CL_NKIND; k++)
		if (strcmp(kind, cl_kind_names[k]) == 0)
			break;
	p = strcmp(period, cl_period[CL_DAY]) == 0 ? CL_DAY : CL_MONTH;
	if (k == CL_NKIND || (as = acct_service_get(service)) == NULL)
		return NULL;
	return clients_set_get(as, k, p);
}

static void
clients_load_hll(void *arg, const char *service, const char *period,
    const char *kind, const void *reg, size_t len)
{
	struct clients_set	*s;

	if (len != HLL_REGS ||
	    (s = clients_row_set(service, period, kind)) == NULL)
		return;
	if (cset_merge_sketch(&s->set, reg) == -1)
		s->lossy = 1;
	s->dirty = s->sketch_dirty = 1;
	if (cl_key_moved)
		log_warnx("accounting.clients_key_file: the sketch of %s %s "
		    "%s was made with the history's former key and is merged "
		    "as it is: clients seen before and after the change may "
		    "count twice in %s", service, kind, period, period);
}

static void
clients_load_member(void *arg, const char *service, const char *period,
    const char *kind, const void *key, size_t len)
{
	struct clients_set	*s;
	int			 r;

	if (len != 16 ||
	    (s = clients_row_set(service, period, kind)) == NULL)
		return;
	/* stored already: not pending, and the count is stored too, unless
	   a lower limit turns the set into an estimate now */
	r = cset_add(&s->set, key, siphash16(&cl_key, key));
	if (r == -1)
		s->lossy = 1;
	if (r == -1 || (r == 1 && !cset_exact(&s->set)))
		s->dirty = s->sketch_dirty = 1;
}

/*
 * The history opened late, its sketches made with another key: hash the
 * sets counted meanwhile again with that key, which they can while they
 * are exact (they hold their members).  -1 if one is an estimate already:
 * then ours stays, and the stored sketches it meets are merged as they
 * are (an overcount of the clients seen in both, the rare case of a
 * history unavailable until a set outgrew its limit).
 */
static int
clients_rekey(const struct siphash_key *k)
{
	struct clients_set	*s;
	struct cset		 n;
	size_t			 i;

	for (s = cl_sets; s != NULL; s = s->next)
		if (!cset_exact(&s->set))
			return -1;
	for (s = cl_sets; s != NULL; s = s->next) {
		if (cset_init(&n, s->set.limit) == -1)
			return -1;
		for (i = 0; i < s->set.size; i++)
			if (s->set.hashes[i] != 0 && cset_add(&n,
			    s->set.keys[i], siphash16(k, s->set.keys[i])) ==
			    -1) {
				cset_free(&n);
				return -1;
			}
		cset_free(&s->set);
		s->set = n;
	}
	cl_key = *k;
	return 0;
}

/*
 * The hash key outlives the process: a stored sketch can only be merged
 * with sketches of the same hash.  The first start draws it and stores
 * it; a later one adopts it, unless sets exist already (the history could
 * not be opened at start), whose sketches then win.
 */
static int
clients_load_key(char *err, size_t errlen)
{
	struct siphash_key	k;
	int			r;

	if ((r = store_meta_get("clients_key", &k, sizeof(k), err,
	    errlen)) == -1)
		return -1;
	/* the fleet's key wins; sketches stored with the old one can only
	   be merged as they are (clients_load() says so) */
	if (cl_key_fixed) {
		if (r == 1 && memcmp(&k, &cl_key, sizeof(k)) == 0)
			return 0;
		cl_key_moved = r == 1;
		return store_meta_put("clients_key", &cl_key, sizeof(cl_key),
		    err, errlen);
	}
	if (r == 1 && cl_sets == NULL) {
		cl_key = k;
		cl_keyed = 1;
		return 0;
	}
	clients_key();
	if (r == 1 && memcmp(&k, &cl_key, sizeof(k)) == 0)
		return 0;
	if (r == 1 && clients_rekey(&k) == 0)
		return 0;
	return store_meta_put("clients_key", &cl_key, sizeof(cl_key), err,
	    errlen);
}

/* A stored count said "not exact" (clients were lost): it stays so. */
static void
clients_load_exact(void *arg, const char *service, const char *period,
    const char *kind, const void *exact, size_t len)
{
	struct clients_set	*s;

	if (len != 1 || *(const char *)exact != '0' ||
	    (s = clients_row_set(service, period, kind)) == NULL)
		return;
	s->lossy = 1;
}

int
clients_load(time_t now, char *err, size_t errlen)
{
	if (clients_load_key(err, errlen) == -1)
		return -1;
	clients_roll(now);
	/* sketches first: a set with one is an estimate, members or not */
	if (store_client_hlls(cl_period[CL_DAY], cl_period[CL_MONTH],
	    clients_load_hll, NULL, err, errlen) == -1 ||
	    store_client_members(cl_period[CL_DAY], cl_period[CL_MONTH],
	    clients_load_member, NULL, err, errlen) == -1 ||
	    store_client_exacts(cl_period[CL_DAY], cl_period[CL_MONTH],
	    clients_load_exact, NULL, err, errlen) == -1)
		return -1;
	return 0;
}

void
clients_get(const struct acct_service *as,
    struct clients_count c[CL_NKIND][CL_NPERIOD])
{
	const struct clients_set	*s;
	int				 k, p;

	for (k = 0; k < CL_NKIND; k++)
		for (p = 0; p < CL_NPERIOD; p++) {
			s = as->clients != NULL ? as->clients->s[k][p] : NULL;
			if (s == NULL || s->closing) {
				c[k][p].n = 0;
				c[k][p].exact = 1;
				continue;
			}
			c[k][p].n = cset_count(&s->set);
			c[k][p].exact = cset_exact(&s->set) && !s->lossy;
		}
}
