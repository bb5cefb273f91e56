/* SPDX-License-Identifier: ISC */
#ifndef V6G_HISTORY_H
#define V6G_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Counters into the history, at every checkpoint (see history.c).  Main
 * thread only.
 */

/* Open the history in state_dir and load the totals as bases; name (the
   gateway's, or NULL) is stored with it.  On error the gateway runs on
   and later checkpoints try to open it again. */
int		history_start(const char *state_dir, const char *name,
		    char *, size_t);

/*
 * Write what moved since the last checkpoint; -1 (logged, counted) keeps
 * it for the next.  The kernel's counters are read first (HC_READ), not
 * (HC_STORE: right after the translator read what it needed), or all of
 * them and the clients they saw (HC_FINAL, at a stop).
 */
enum history_how { HC_READ, HC_STORE, HC_FINAL };
int		history_checkpoint(const struct store_retention *,
		    enum history_how);

/*
 * The configured services, for the reports: which client families can
 * reach each.  history_services_clear() then history_service() for each,
 * after every load of the configuration; written at the next checkpoint.
 */
void		history_services_clear(void);
void		history_service(const char *name, const char *mode, int ipv6,
		    int ipv4);

/* Failed checkpoints since start. */
uint64_t	history_error_count(void);

/* A last checkpoint, then close (a clean stop loses nothing). */
void		history_stop(const struct store_retention *);

#endif
