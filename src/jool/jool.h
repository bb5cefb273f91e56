/* SPDX-License-Identifier: ISC */
#ifndef V6G_JOOL_H
#define V6G_JOOL_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "nl.h"

/*
 * Jool operations, one function per thing the daemon does to or reads from
 * an instance: existence, create, remove, globals, pool4, EAM, stats.
 * Tables are read whole, a reply page at a time (JOOL_HF_MORE and an
 * offset).  Every entry is validated again before it is sent.
 */

/* Versions of jool_common v6gate was tested with (sysfs "version"). */
#define JOOL_TESTED_VERSIONS	"4.1.9.0"

/*
 * Read /sys/module/jool_common/version and accept only tested versions.
 * 0, or -1 with err saying what was found and what is accepted.
 */
int	jool_version_check(char *ver, size_t verlen, char *, size_t);

/* 1 when the instance exists in the caller's namespace, 0 when not. */
int	jool_exists(struct jnl *, enum jool_xt, const char *, int *, char *,
	    size_t);
int	jool_instance_add(struct jnl *, enum jool_xt, const char *,
	    const struct jool_prefix6 *, char *, size_t);
int	jool_instance_rm(struct jnl *, enum jool_xt, const char *, char *,
	    size_t);

/* Every instance of type xt, in every namespace (Jool lists them all). */
int	jool_instance_list(struct jnl *, enum jool_xt, struct jool_instance **,
	    size_t *, char *, size_t);

int	jool_globals_get(struct jnl *, enum jool_xt, const char *,
	    struct jool_globals *, char *, size_t);
int	jool_globals_set(struct jnl *, enum jool_xt, const char *,
	    const struct jool_globals *, char *, size_t);

/* Whole tables; the caller frees *out. */
int	jool_pool4_list(struct jnl *, const char *, struct jool_pool4 **,
	    size_t *, char *, size_t);
int	jool_pool4_add(struct jnl *, const char *, const struct jool_pool4 *,
	    char *, size_t);
/* quick: keep the BIB entries of the range (they die otherwise). */
int	jool_pool4_rm(struct jnl *, const char *, const struct jool_pool4 *,
	    int quick, char *, size_t);

int	jool_eam_list(struct jnl *, const char *, struct jool_eam **,
	    size_t *, char *, size_t);
int	jool_eam_add(struct jnl *, const char *, const struct jool_eam *,
	    char *, size_t);
int	jool_eam_rm(struct jnl *, const char *, const struct jool_eam *,
	    char *, size_t);

/* A NAT64 instance's mappings and sessions of one protocol (JOOL_L4_*). */
int	jool_bib_list(struct jnl *, const char *, uint8_t, struct jool_bib **,
	    size_t *, char *, size_t);
int	jool_session_list(struct jnl *, const char *, uint8_t,
	    struct jool_session **, size_t *, char *, size_t);

/*
 * Replace the whole content of a SIIT instance (iptables framework) by
 * pool6 and these n EAM entries, atomically; creates it if missing.
 * Counters start again from zero.
 */
int	jool_siit_atomic(struct jnl *, const char *,
	    const struct jool_prefix6 *, const struct jool_eam *, size_t,
	    char *, size_t);

/* Counters by id (vals[id], ids up to nvals - 1; others are dropped). */
int	jool_stats(struct jnl *, enum jool_xt, const char *, uint64_t *,
	    size_t nvals, char *, size_t);

#endif
