/* SPDX-License-Identifier: ISC */
/*
 * Checkpoints: every accounting.checkpoint seconds the main thread writes
 * what the counters moved since the last checkpoint to the history
 * (store.c).  The workers only ever add to their counters; a checkpoint
 * reads them and keeps, per service, what it already wrote ("saved"), so
 * a failed write (disk full, database locked) leaves the difference for
 * the next one: nothing counted is lost or counted twice.  The workers'
 * counters are in a shared mapping (state_dir/counters, counters.c), with
 * what the history has of them: neither kill -9 nor a last checkpoint that
 * failed loses them, the next start writes what the history lacks.  A
 * checkpoint writes the file's id and its own number in its transaction,
 * so that a start knows whether one cut short was committed.
 *
 * The peak of open connections of a period is the most open at once
 * (the workers' high-water mark, counters.h), taken at each checkpoint.
 *
 * At start the stored totals become each service's base, which the status
 * adds to this run's counts: totals continue across restarts.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clients.h"
#include "history.h"
#include "kcount.h"
#include "log.h"
#include "store.h"

static char		*history_dir;	/* a copy: configs come and go */
static char		 history_name[65];	/* gateway.name, or "" */
static time_t		 history_warned;	/* last error logged */
static uint64_t		 history_errors;
static time_t		 history_last_expire;
static time_t		 history_kwarned;	/* last kcount error logged */

struct history_svc {
	char	name[65];
	char	mode[8];
	int	ipv6, ipv4;
};
static struct history_svc	*history_svcs;
static size_t			 history_nsvcs, history_capsvcs;
static int			 history_svcs_dirty;
/* What the database holds (sorted by name), once known, and what the
   checkpoint being written will make it hold: a reload writes the
   services that changed, not 10,000 rows. */
static struct history_svc	*history_stored, *history_pending;
static size_t			 history_nstored, history_npending;
static int			 history_stored_known;

static void
history_base(void *arg, const char *service, int family,
    const struct acct_cell *c)
{
	struct acct_service	*as;
	size_t			 i;

	if ((as = acct_service_get(service)) == NULL)
		return;
	/* what the counters file has of it is in the totals already */
	for (i = 0; i < ACCT_NCOUNTERS; i++) {
		const struct acct_counter *k = &acct_counters[i];
		uint64_t v = acct_cell_get(c, k), s = acct_cell_get(
		    &as->saved[family], k);

		*acct_cell_at(&as->base[family], k) = v > s ? v - s : 0;
	}
	/* everything before this run is closed */
	as->base[family].closed = as->base[family].connections;
}

/* Open the store if it is not, and take the stored totals as bases. */
static int
history_reopen(char *err, size_t errlen)
{
	char	boot[37], ck[64];
	int	rc;

	if (store_is_open())
		return 0;
	if (store_open(history_dir, err, errlen) == -1)
		return -1;
	/* first: was the counters file's last checkpoint committed? */
	memset(ck, 0, sizeof(ck));
	if ((rc = store_meta_get("counters_ck", ck, ACCT_MAP_CKLEN, err,
	    errlen)) == -1) {
		store_close();
		return -1;
	}
	acct_map_committed(rc == 1 ? ck : NULL);
	memset(boot, 0, sizeof(boot));
	if (store_totals(history_base, NULL, err, errlen) == -1 ||
	    store_kcounters_load(kcount_last, err, errlen) == -1 ||
	    store_meta_get("kcount_boot", boot, sizeof(boot) - 1, err,
	    errlen) == -1 ||
	    clients_load(time(NULL), err, errlen) == -1) {
		store_close();
		return -1;
	}
	/* whose history this is, for a report that merges several
	   (v6gatectl report --state-dir) */
	if (history_name[0] != '\0' && store_meta_put("gateway",
	    history_name, strlen(history_name), err, errlen) == -1) {
		store_close();
		return -1;
	}
	kcount_last_known(boot);
	history_svcs_dirty = 1;		/* a database of its own, maybe */
	history_stored_known = 0;
	return 0;
}

void
history_services_clear(void)
{
	history_nsvcs = 0;
	history_svcs_dirty = 1;
}

void
history_service(const char *name, const char *mode, int ipv6, int ipv4)
{
	struct history_svc	*n;

	/* (10,000 services at every start and reload: no printf, no
	   realloc per service) */
	if (history_nsvcs == history_capsvcs) {
		size_t	ncap = history_capsvcs ? history_capsvcs * 2 : 64;

		if ((n = reallocarray(history_svcs, ncap, sizeof(*n))) ==
		    NULL) {
			log_warn("%s", __func__);
			return;
		}
		history_svcs = n;
		history_capsvcs = ncap;
	}
	n = &history_svcs[history_nsvcs++];
	memset(n, 0, sizeof(*n));	/* compared whole (a store's diff) */
	memcpy(n->name, name, strnlen(name, sizeof(n->name) - 1));
	memcpy(n->mode, mode, strnlen(mode, sizeof(n->mode) - 1));
	n->ipv6 = ipv6;
	n->ipv4 = ipv4;
	history_svcs_dirty = 1;
}

static int
history_svc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct history_svc *)a)->name,
	    ((const struct history_svc *)b)->name);
}

static int
history_svc_put(const struct history_svc *h, char *err, size_t errlen)
{
	return store_service(h->name, h->mode, h->ipv6, h->ipv4, err, errlen);
}

static int
history_services_store(char *err, size_t errlen)
{
	struct history_svc	*cur, *old = history_stored;
	size_t			 i, j, n = history_nsvcs;
	int			 c;

	if (!history_svcs_dirty)
		return 0;
	free(history_pending);
	history_pending = NULL;
	if ((cur = calloc(n ? n : 1, sizeof(*cur))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (n > 0) {
		memcpy(cur, history_svcs, n * sizeof(*cur));
		qsort(cur, n, sizeof(*cur), history_svc_cmp);
	}
	if (!history_stored_known) {
		/* the services as configured now: removed ones go */
		if (store_services_clear(err, errlen) == -1)
			goto fail;
		for (i = 0; i < n; i++)
			if (history_svc_put(&cur[i], err, errlen) == -1)
				goto fail;
	} else
		for (i = j = 0; i < history_nstored || j < n; ) {
			c = i == history_nstored ? 1 : j == n ? -1 :
			    strcmp(old[i].name, cur[j].name);
			if (c < 0 && store_service_del(old[i].name, err,
			    errlen) == -1)
				goto fail;
			if ((c > 0 || (c == 0 && memcmp(&old[i], &cur[j],
			    sizeof(*cur)) != 0)) &&
			    history_svc_put(&cur[j], err, errlen) == -1)
				goto fail;
			if (c <= 0)
				i++;
			if (c >= 0)
				j++;
		}
	history_pending = cur;
	history_npending = n;
	return 0;
fail:
	free(cur);
	return -1;
}

int
history_start(const char *state_dir, const char *name, char *err,
    size_t errlen)
{
	snprintf(history_name, sizeof(history_name), "%s", name ? name : "");
	free(history_dir);
	if ((history_dir = strdup(state_dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return history_reopen(err, errlen);
}

struct history_ck {
	time_t	now;
	int	failed;
	char	err[512];
};

static void
history_one(struct acct_service *as, void *arg)
{
	struct history_ck	*ck = arg;
	struct acct_cell	 live[ACCT_NFAMILY], d, d2[ACCT_NFAMILY];
	size_t			 i;
	uint64_t		 peak;
	int			 f, moved;

	if (ck->failed)
		return;
	acct_service_live(as, live);
	/* what this checkpoint writes; "saved" once the commit is done */
	memcpy(as->pending, live, sizeof(live));
	acct_service_slots(as, d2);
	acct_map_pending(as, d2);
	for (f = 0; f < ACCT_NFAMILY; f++) {
		/* the most open at once since the last checkpoint stored
		   (one that failed keeps its peak for the next) */
		peak = acct_peak_take(as, f);
		if (peak > as->peak[f])
			as->peak[f] = peak;
		peak = as->peak[f];

		/* the stored counters' deltas (the others stay 0) */
		memset(&d, 0, sizeof(d));
		moved = 0;
		for (i = 0; i < ACCT_NCOUNTERS; i++) {
			const struct acct_counter *k = &acct_counters[i];

			if (k->sql == NULL)
				continue;
			*acct_cell_at(&d, k) = acct_cell_get(&live[f], k) -
			    acct_cell_get(&as->saved[f], k);
			moved |= *acct_cell_at(&d, k) != 0;
		}
		/* an open connection is a peak to keep, idle or not */
		if (!moved && peak == 0)
			continue;
		if (store_add(ck->now, as->name, f, &d, peak, ck->err,
		    sizeof(ck->err)) == -1) {
			ck->failed = 1;
			return;
		}
	}
}

/*
 * After a commit: what was written is saved, exactly the values read for
 * it (a worker may have counted more since: that is the next delta).
 */
static void
history_saved(struct acct_service *as, void *arg)
{
	memcpy(as->saved, as->pending, sizeof(as->saved));
	memset(as->peak, 0, sizeof(as->peak));
}

/* The nftables counters' last values, with the boot they belong to. */
static int
history_kcounters(char *err, size_t errlen)
{
	char	boot[64];

	if (kcount_boot_id(boot, sizeof(boot)) == -1)
		boot[0] = '\0';
	if (kcount_store(store_kcounter_put, store_kcounter_del, err,
	    errlen) == -1 ||
	    store_meta_put("kcount_boot", boot, strlen(boot), err,
	    errlen) == -1)
		return -1;
	return 0;
}

int
history_checkpoint(const struct store_retention *r, enum history_how how)
{
	struct history_ck	ck;
	char			mapck[64];

	memset(&ck, 0, sizeof(ck));
	ck.now = time(NULL);
	clients_drain();
	/* the kernel's counters too (nat64, siit): into the services' */
	if (how != HC_STORE && (how == HC_FINAL ? kcount_poll_all(ck.err,
	    sizeof(ck.err)) : kcount_poll(ck.err, sizeof(ck.err))) == -1 &&
	    ck.now - history_kwarned >= 60) {
		log_warnx("%s (the kernel keeps counting; read again at the "
		    "next checkpoint)", ck.err);
		history_kwarned = ck.now;
	}
	if (history_reopen(ck.err, sizeof(ck.err)) == -1 ||
	    store_begin(ck.err, sizeof(ck.err)) == -1)
		goto fail;
	acct_map_begin();
	acct_foreach(history_one, &ck);
	/* which checkpoint of the counters file this is, with its counts */
	if (!ck.failed && acct_map_ck(mapck, sizeof(mapck)) &&
	    store_meta_put("counters_ck", mapck, strlen(mapck), ck.err,
	    sizeof(ck.err)) == -1)
		ck.failed = 1;
	/* the counters' last values with the totals they fed, atomically */
	if (!ck.failed && ((kcount_dirty() && history_kcounters(ck.err,
	    sizeof(ck.err)) == -1) ||
	    clients_store(ck.now, ck.err, sizeof(ck.err)) == -1 ||
	    history_services_store(ck.err, sizeof(ck.err)) == -1))
		ck.failed = 1;
	if (ck.failed) {
		store_rollback();
		goto fail;
	}
	if (store_commit(ck.err, sizeof(ck.err)) == -1)
		goto fail;
	acct_foreach(history_saved, NULL);
	acct_map_stored();
	clients_stored();
	kcount_stored();
	if (history_svcs_dirty && history_pending != NULL) {
		free(history_stored);
		history_stored = history_pending;
		history_nstored = history_npending;
		history_pending = NULL;
		history_stored_known = 1;
	}
	history_svcs_dirty = 0;
	if (ck.now - history_last_expire >= 3600) {
		if (store_expire(ck.now, r, ck.err, sizeof(ck.err)) == -1)
			log_warnx("%s", ck.err);
		history_last_expire = ck.now;
	}
	return 0;
fail:
	history_errors++;
	/* logged once a minute at most; counted always */
	if (ck.now - history_warned >= 60) {
		log_warnx("%s (the counts are kept and written at the next "
		    "checkpoint)", ck.err);
		history_warned = ck.now;
	}
	return -1;
}

uint64_t
history_error_count(void)
{
	return history_errors;
}

/* What a last checkpoint that failed did not store, and where it is. */
static void
history_unsaved(struct acct_service *as, void *arg)
{
	struct acct_cell	live[ACCT_NFAMILY];
	const char		*where = acct_map_where(as);
	uint64_t		nc = 0, nb = 0;
	int			f;

	acct_service_live(as, live);
	for (f = 0; f < ACCT_NFAMILY; f++) {
		nc += live[f].connections - as->saved[f].connections;
		nb += live[f].bytes_in - as->saved[f].bytes_in +
		    live[f].bytes_out - as->saved[f].bytes_out;
	}
	if (nc == 0 && nb == 0)
		return;
	if (where != NULL)
		log_warnx("%llu connections, %llu bytes of service %s not in "
		    "the history: kept in %s for the next start",
		    (unsigned long long)nc, (unsigned long long)nb, as->name,
		    where);
	else
		log_warnx("%llu connections, %llu bytes of service %s not in "
		    "the history: lost", (unsigned long long)nc,
		    (unsigned long long)nb, as->name);
}

void
history_stop(const struct store_retention *r)
{
	clients_final();
	if (history_checkpoint(r, HC_FINAL) == -1)
		acct_foreach(history_unsaved, NULL);
	store_close();
	free(history_svcs);
	history_svcs = NULL;
	history_nsvcs = history_capsvcs = 0;
	free(history_stored);
	free(history_pending);
	history_stored = history_pending = NULL;
	history_nstored = history_npending = 0;
	history_stored_known = 0;
}
