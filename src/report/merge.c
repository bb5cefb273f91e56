/* SPDX-License-Identifier: ISC */
/*
 * Several gateways' reports of one month as one (see month.h): what adds
 * up is added, distinct clients are merged as sets.  Pure: no files, no
 * log; the parts are loaded with REPORT_SETS by the caller.
 *
 * A client seen by two gateways is one client.  While a gateway's set is
 * exact the history holds its members, which any key can hash again; once
 * it is an estimate only its HyperLogLog sketch, hashed with that
 * gateway's clients_key: sketches of one key merge register by register
 * (the max), sketches of different keys do not merge at all (a register
 * of one says nothing of the other's hashes).  Those, and a gateway whose
 * members and sketch are gone (an older month), give honest bounds
 * instead of a figure.
 */

#include <stdlib.h>
#include <string.h>

#include "acct/cset.h"
#include "acct/hll.h"
#include "month.h"

/* A part with clients, and what the history kept of them. */
enum rp_kind { RP_NONE, RP_MEMBERS, RP_SKETCH, RP_COUNT };

static enum rp_kind
report_part_kind(const struct report_part *p)
{
	if (p->set != NULL && p->set->reg != NULL && p->key != NULL)
		return RP_SKETCH;
	/* exact members as many as counted: the set itself */
	if (p->set != NULL && p->set->reg == NULL && p->set->nmember > 0 &&
	    p->set->nmember == p->count.n)
		return RP_MEMBERS;
	return p->count.n > 0 ? RP_COUNT : RP_NONE;
}

/* |union of the sketches of key k, and of the members u|, at least |u|. */
static int
report_group(const struct report_part *p, size_t n,
    const struct siphash_key *k, const struct cset *u, uint64_t *est)
{
	struct hll	*h;
	size_t		 i;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (report_part_kind(&p[i]) == RP_SKETCH &&
		    memcmp(p[i].key, k, sizeof(*k)) == 0)
			hll_merge(h, (const struct hll *)p[i].set->reg);
	for (i = 0; i < u->size; i++)
		if (u->hashes[i] != 0)
			hll_add(h, siphash16(k, u->keys[i]));
	*est = hll_estimate(h);
	if (*est < u->n)
		*est = u->n;
	free(h);
	return 0;
}

/* Is p[i]'s key the first of its kind among the sketches? */
static int
report_key_first(const struct report_part *p, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (report_part_kind(&p[j]) == RP_SKETCH &&
		    memcmp(p[j].key, p[i].key, sizeof(*p[i].key)) == 0)
			return 0;
	return 1;
}

int
report_clients_merge(const struct report_part *p, size_t n,
    struct report_merged *m)
{
	static const struct siphash_key	k0;	/* the union's */
	struct cset			u;
	uint64_t			est, usum = 0, umax = 0;
	uint64_t			csum = 0, cmax = 0;
	size_t				i, j, live = 0, last = 0, nk = 0;
	int				exact = 1;

	memset(m, 0, sizeof(*m));
	m->exact = 1;
	for (i = 0; i < n; i++)
		if (report_part_kind(&p[i]) != RP_NONE) {
			live++;
			last = i;
		}
	/* one gateway with clients: its own figure, as it counted it */
	if (live <= 1) {
		if (live == 1) {
			m->n = m->min = p[last].count.n;
			m->exact = p[last].count.exact;
			m->how = m->exact ? RM_EXACT : RM_SKETCH;
		}
		return 0;
	}
	if (cset_init(&u, SIZE_MAX) == -1)
		return -1;
	for (i = 0; i < n; i++)
		switch (report_part_kind(&p[i])) {
		case RP_MEMBERS:
			exact &= p[i].count.exact;
			for (j = 0; j < p[i].set->nmember; j++)
				if (cset_add(&u, p[i].set->member[j],
				    siphash16(&k0, p[i].set->member[j])) == -1)
					goto fail;
			break;
		case RP_COUNT:
			csum += p[i].count.n;
			if (p[i].count.n > cmax)
				cmax = p[i].count.n;
			break;
		default:
			break;
		}
	for (i = 0; i < n; i++) {
		if (report_part_kind(&p[i]) != RP_SKETCH ||
		    !report_key_first(p, i))
			continue;
		if (report_group(p, n, p[i].key, &u, &est) == -1)
			goto fail;
		nk++;
		usum += est;
		if (est > umax)
			umax = est;
	}
	if (nk == 0 && csum == 0) {
		m->n = m->min = u.n;
		m->exact = exact;
		m->how = RM_EXACT;
	} else if (nk == 1 && csum == 0) {
		m->n = m->min = usum;
		m->exact = 0;
		m->how = RM_SKETCH;
	} else {
		/*
		 * Each group (a key's sketches and every member) counts its
		 * union; the members are in each, so they come off the sum
		 * but once; a bare count may be anyone.
		 */
		m->n = (nk > 0 ? usum - (nk - 1) * u.n : u.n) + csum;
		m->min = u.n;
		if (umax > m->min)
			m->min = umax;
		if (cmax > m->min)
			m->min = cmax;
		m->exact = 0;
		m->how = RM_BOUNDS;
		m->why = nk > 1 ? "the gateways' sketches were hashed with "
		    "different keys (accounting.clients_key_file gives a "
		    "fleet one key)" : "a gateway's members and sketch of "
		    "the month are gone (kept to the end of the next month)";
	}
	cset_free(&u);
	return 0;
fail:
	cset_free(&u);
	return -1;
}

/* The readiness checks of a site: the first gateway's that has it. */
static int
report_merge_ready(struct report *out, const struct report *in)
{
	struct report_ready	*nv;
	size_t			 i, j;

	for (i = 0; i < in->nready; i++) {
		for (j = 0; j < out->nready; j++)
			if (strcmp(out->ready[j].site, in->ready[i].site) == 0)
				break;
		if (j < out->nready)
			continue;
		if ((nv = reallocarray(out->ready, out->nready + 1,
		    sizeof(*nv))) == NULL)
			return -1;
		out->ready = nv;
		nv[out->nready] = in->ready[i];
		nv[out->nready].site = strdup(in->ready[i].site);
		nv[out->nready].service = strdup(in->ready[i].service);
		if (nv[out->nready].site == NULL ||
		    nv[out->nready].service == NULL) {
			free(nv[out->nready].site);
			free(nv[out->nready].service);
			return -1;
		}
		out->nready++;
	}
	return 0;
}

/* The sums of one gateway's service into the merged one. */
static void
report_merge_add(struct report_service *o, const struct report_service *s,
    int ndays)
{
	int	f, d;

	if (s->configured && !o->configured)
		memcpy(o->mode, s->mode, sizeof(o->mode));
	o->configured |= s->configured;
	for (f = 0; f < ACCT_NFAMILY; f++) {
		o->reach[f] |= s->reach[f];
		o->fam[f].bytes_in += s->fam[f].bytes_in;
		o->fam[f].bytes_out += s->fam[f].bytes_out;
		o->fam[f].connections += s->fam[f].connections;
		o->fam[f].unreachable += s->fam[f].unreachable;
		o->fam[f].peak_open += s->fam[f].peak_open;
		for (d = 0; d < ndays; d++)
			o->day[d][f] += s->day[d][f];
	}
}

/* The distinct clients of a merged service, from every gateway's. */
static int
report_merge_clients(struct report *out, struct report_service *o,
    const struct report *in, size_t n)
{
	const struct report_service	*s;
	struct report_part		*p;
	struct report_merged		 m;
	size_t				 g, np;
	int				 k;

	if ((p = calloc(n, sizeof(*p))) == NULL)
		return -1;
	for (k = 0; k < CL_NKIND; k++) {
		for (g = np = 0; g < n; g++) {
			if ((s = report_service_find(&in[g], o->name)) == NULL)
				continue;
			p[np].count = s->clients[k];
			p[np].set = &s->set[k];
			p[np].key = in[g].has_key ? &in[g].key : NULL;
			np++;
		}
		if (report_clients_merge(p, np, &m) == -1) {
			free(p);
			return -1;
		}
		o->clients[k].n = m.n;
		o->clients[k].exact = m.exact;
		o->clients_min[k] = m.min;
		o->merge[k] = m.how;
		if (m.how == RM_BOUNDS && out->bounds_why == NULL)
			out->bounds_why = m.why;
	}
	free(p);
	return 0;
}

int
report_merge(struct report *out, const struct report *in, size_t n,
    char *err, size_t errlen)
{
	struct report_service	*o;
	size_t			 g, i;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	memcpy(out->month, in[0].month, sizeof(out->month));
	memcpy(out->period, in[0].period, sizeof(out->period));
	out->ndays = in[0].ndays;
	out->parts = in;
	out->nparts = n;
	for (g = 0; g < n; g++) {
		for (i = 0; i < in[g].nsvcs; i++) {
			if ((o = report_service_add(out,
			    in[g].svcs[i].name)) == NULL)
				goto fail;
			report_merge_add(o, &in[g].svcs[i], out->ndays);
		}
		if (report_merge_ready(out, &in[g]) == -1)
			goto fail;
	}
	for (i = 0; i < out->nsvcs; i++)
		if (report_merge_clients(out, &out->svcs[i], in, n) == -1)
			goto fail;
	if (out->nsvcs > 1)
		qsort(out->svcs, out->nsvcs, sizeof(*out->svcs),
		    report_by_name);
	return 0;
fail:
	snprintf(err, errlen, "out of memory");
	report_free(out);
	return -1;
}
