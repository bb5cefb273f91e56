/* SPDX-License-Identifier: ISC */
#ifndef V6G_CLOCK_H
#define V6G_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Milliseconds of a clock: CLOCK_MONOTONIC for timeouts and how long
 * something took, CLOCK_REALTIME for what is written down.
 */
static inline uint64_t
clock_ms(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The same in microseconds: for what takes less than a millisecond. */
static inline uint64_t
clock_us(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

#endif
