/* SPDX-License-Identifier: ISC */
/*
 * HyperLogLog (Flajolet et al. 2007) with the estimator of O. Ertl, "New
 * cardinality estimation algorithms for HyperLogLog sketches" (2017,
 * arXiv:1702.01284), section 3 ("improved raw estimator"): unbiased from
 * one item to 2^64 without the empirical bias tables of HyperLogLog++ or
 * the switch to linear counting, whose seam would be a visible jump in a
 * site's daily figures.
 */

#include <math.h>
#include <string.h>

#include "hll.h"

#define HLL_Q	(64 - HLL_P)	/* bits left for the rank */

int
hll_add(struct hll *h, uint64_t hash)
{
	uint32_t	i = (uint32_t)(hash >> HLL_Q);
	uint64_t	w = hash << HLL_P;
	uint8_t		r;

	/* rank: leading zeros of the remaining q bits, plus one */
	r = w == 0 ? HLL_Q + 1 : (uint8_t)(__builtin_clzll(w) + 1);
	if (r > HLL_Q + 1)
		r = HLL_Q + 1;
	if (r <= h->reg[i])
		return 0;
	h->reg[i] = r;
	return 1;
}

void
hll_merge(struct hll *dst, const struct hll *src)
{
	uint32_t	i;

	for (i = 0; i < HLL_REGS; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
}

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the empty registers */
static double
hll_sigma(double x)
{
	double	y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

/* tau(x), for the registers at the maximum rank */
static double
hll_tau(double x)
{
	double	y = 1, z = 1 - x, zp;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

uint64_t
hll_estimate(const struct hll *h)
{
	uint32_t	c[HLL_Q + 2];
	double		m = HLL_REGS, z;
	uint32_t	i;
	int		k;

	memset(c, 0, sizeof(c));
	for (i = 0; i < HLL_REGS; i++)
		c[h->reg[i] <= HLL_Q + 1 ? h->reg[i] : HLL_Q + 1]++;
	if (c[0] == HLL_REGS)
		return 0;
	z = m * hll_tau(1 - c[HLL_Q + 1] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	/* alpha_inf m^2 / z, alpha_inf = 1 / (2 ln 2) */
	return (uint64_t)llround(m * m / (2 * M_LN2 * z));
}
