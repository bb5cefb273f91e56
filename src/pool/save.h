/* SPDX-License-Identifier: ISC */
#ifndef V6G_POOL_SAVE_H
#define V6G_POOL_SAVE_H

#include <stddef.h>

/*
 * What of the backends' live state survives a restart: the operator's
 * drain mark and the last known health (up or down, and since when), in
 * state_dir/POOL_SAVE_FILE.  Counters do not (acct/ keeps its own), nor
 * the checks' details (latency, certificate): the first check after a
 * start learns them again.
 *
 * The file is text, one backend a line after a header:
 *
 *   v6gate-backends 1
 *   SERVICE ADDRESS drain=0|1 up=0|1 changed=UTC_MS
 *
 * written whole each time (a temporary file, fsync, rename, then the
 * directory fsync'd), mode 0640, by whoever writes it (the unprivileged
 * process, whose state_dir it is).  A file that does not parse is ignored
 * whole, never half applied.
 */

#define POOL_SAVE_FILE	"backends.state"

/* Every state of the live config into path.  0, or -1 with err. */
int	pool_save_write(const char *path, char *err, size_t errlen);

/*
 * path into the states that exist (pool_state_find()): a line whose
 * backend is not there (gone from the config) is dropped.  Returns how
 * many were restored, 0 when there is no file, or -1 with err (a bad
 * file: nothing changed).
 */
int	pool_save_read(const char *path, char *err, size_t errlen);

/*
 * The daemon's side.  pool_save_start(): the file of state_dir is read
 * (logged) and, from then on, pool_save_now() writes it (any thread; a
 * failure is logged).  Before pool_save_start(), pool_save_now() does
 * nothing (tests).
 */
void	pool_save_start(const char *state_dir);
void	pool_save_now(void);

#endif
