/* SPDX-License-Identifier: ISC */
/*
 * The backends' saved state (see save.h).  A drain is an operator's
 * decision, and must not be undone by a restart (HAProxy keeps it in its
 * server-state-file for the same reason); the last known health keeps a
 * backend that was down out of the pool until its checks say otherwise,
 * rather than sending it the first connections after a start.
 *
 * Writers: the main thread (a drain, a reload) and the health checker's
 * thread (a backend going up or down); save_lock makes them one at a time.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "save.h"
#include "state.h"

#define SAVE_HEADER	"v6gate-backends 1"
#define SAVE_MODE	0640
#define SAVE_LINE_MAX	512
#define SAVE_MAX	100000		/* lines: more is not ours */

static pthread_mutex_t	 save_lock = PTHREAD_MUTEX_INITIALIZER;
static char		*save_path;	/* set once, before the threads */

struct save_ctx {
	FILE	*f;
	int	 n;
};

static void
save_one(struct pool_state *st, void *arg)
{
	struct save_ctx	*c = arg;
	uint64_t	 changed;

	if (!pool_state_live(st))
		return;
	pthread_mutex_lock(&st->lock);
	changed = st->health.changed_ms;
	pthread_mutex_unlock(&st->lock);
	fprintf(c->f, "%s %s drain=%u up=%u changed=%" PRIu64 "\n",
	    st->service, st->addr,
	    (unsigned)__atomic_load_n(&st->drain, __ATOMIC_RELAXED),
	    (unsigned)__atomic_load_n(&st->up, __ATOMIC_RELAXED), changed);
	c->n++;
}

/* fsync the directory of path: the rename itself is then durable. */
static void
save_sync_dir(const char *path)
{
	char	dir[PATH_MAX], *slash;
	int	fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
pool_save_write(const char *path, char *err, size_t errlen)
{
	struct save_ctx	 c;
	char		 tmp[PATH_MAX];
	int		 fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	/* a leftover of a crash in the middle is only a draft: replaced */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    SAVE_MODE)) == -1)
		goto fail;
	/* the mode whatever the umask */
	if (fchmod(fd, SAVE_MODE) == -1 || (c.f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_tmp;
	}
	c.n = 0;
	fprintf(c.f, "%s\n", SAVE_HEADER);
	pool_state_foreach(save_one, &c);
	if (fflush(c.f) != 0 || ferror(c.f) || fsync(fileno(c.f)) == -1) {
		e = errno;
		fclose(c.f);
		errno = e;
		goto fail_tmp;
	}
	if (fclose(c.f) != 0)
		goto fail_tmp;
	if (rename(tmp, path) == -1)
		goto fail_tmp;
	save_sync_dir(path);
	return 0;
fail_tmp:
	e = errno;
	(void)unlink(tmp);
	errno = e;
fail:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	return -1;
}

struct save_line {
	char		 service[POOL_NAME_MAX];
	char		 addr[ADDR_STRLEN];
	int		 drain, up;
	uint64_t	 changed;
};

/* "key=value" of 0 or 1 */
static int
save_flag(const char *tok, const char *key, int *v)
{
	size_t	n = strlen(key);

	if (strncmp(tok, key, n) != 0 || tok[n] != '=' ||
	    (tok[n + 1] != '0' && tok[n + 1] != '1') || tok[n + 2] != '\0')
		return -1;
	*v = tok[n + 1] - '0';
	return 0;
}

/* One line into l: 0, or -1 (malformed). */
static int
save_parse(char *line, struct save_line *l)
{
	char			*tok[5], *save = NULL, *p, *end;
	unsigned long long	 v;
	int			 n = 0;

	for (p = strtok_r(line, " \t", &save); p != NULL; p = strtok_r(NULL,
	    " \t", &save)) {
		if (n == 5)
			return -1;
		tok[n++] = p;
	}
	if (n != 5 || strlen(tok[0]) >= sizeof(l->service) ||
	    strlen(tok[1]) >= sizeof(l->addr))
		return -1;
	memset(l, 0, sizeof(*l));
	memcpy(l->service, tok[0], strlen(tok[0]) + 1);
	memcpy(l->addr, tok[1], strlen(tok[1]) + 1);
	if (save_flag(tok[2], "drain", &l->drain) == -1 ||
	    save_flag(tok[3], "up", &l->up) == -1 ||
	    strncmp(tok[4], "changed=", 8) != 0 || tok[4][8] < '0' ||
	    tok[4][8] > '9')
		return -1;
	errno = 0;
	v = strtoull(tok[4] + 8, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	l->changed = v;
	return 0;
}

int
pool_save_read(const char *path, char *err, size_t errlen)
{
	struct save_line	*ls = NULL, *nl;
	struct pool_state	*st;
	FILE			*f;
	char			 buf[SAVE_LINE_MAX];
	size_t			 n = 0, cap = 0, i, len;
	int			 lineno = 0, restored = 0;

	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* all of it parsed first: a bad file changes nothing */
	while (fgets(buf, sizeof(buf), f) != NULL) {
		lineno++;
		len = strlen(buf);
		/* (a NUL inside ends strlen() before the newline) */
		if (len == 0 || buf[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%d: line too long, cut short "
			    "or not text", path, lineno);
			goto bad;
		}
		buf[len - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(buf, SAVE_HEADER) != 0) {
				snprintf(err, errlen, "%s:1: not \"%s\"", path,
				    SAVE_HEADER);
				goto bad;
			}
			continue;
		}
		if (n == SAVE_MAX) {
			snprintf(err, errlen, "%s: over %d lines", path,
			    SAVE_MAX);
			goto bad;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nl = realloc(ls, cap * sizeof(*ls))) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    path);
				goto bad;
			}
			ls = nl;
		}
		if (save_parse(buf, &ls[n]) == -1) {
			snprintf(err, errlen, "%s:%d: not \"SERVICE ADDRESS "
			    "drain=0|1 up=0|1 changed=MS\"", path, lineno);
			goto bad;
		}
		n++;
	}
	if (ferror(f) || lineno == 0) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
		    strerror(errno) : "empty");
		goto bad;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		/* gone from the config: dropped, the next write forgets it */
		if ((st = pool_state_find(ls[i].service, ls[i].addr)) == NULL)
			continue;
		__atomic_store_n(&st->drain, (uint8_t)ls[i].drain,
		    __ATOMIC_RELAXED);
		__atomic_store_n(&st->up, (uint8_t)ls[i].up,
		    __ATOMIC_RELAXED);
		pthread_mutex_lock(&st->lock);
		st->health.changed_ms = ls[i].changed;
		pthread_mutex_unlock(&st->lock);
		restored++;
	}
	free(ls);
	return restored;
bad:
	fclose(f);
	free(ls);
	return -1;
}

void
pool_save_start(const char *state_dir)
{
	char	path[PATH_MAX], err[PATH_MAX + 128];
	int	n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir,
	    POOL_SAVE_FILE) >= sizeof(path)) {
		log_warnx("state_dir %s: path too long: the backends' drain "
		    "marks are not kept across restarts", state_dir);
		return;
	}
	if ((n = pool_save_read(path, err, sizeof(err))) == -1)
		log_warnx("%s: ignored; every backend starts enabled and up",
		    err);
	else if (n > 0)
		log_info("%s: %d backends' drain marks and health restored",
		    path, n);
	free(save_path);
	save_path = strdup(path);
}

void
pool_save_now(void)
{
	static int	failing;
	char		err[PATH_MAX + 128];

	if (save_path == NULL)
		return;
	pthread_mutex_lock(&save_lock);
	if (pool_save_write(save_path, err, sizeof(err)) == -1) {
		/* once until it works again: a full disk says it once */
		if (!failing)
			log_warnx("backends' state: %s (drain marks are not "
			    "kept across a restart until it works)", err);
		failing = 1;
	} else if (failing) {
		log_info("backends' state: written again to %s", save_path);
		failing = 0;
	}
	pthread_mutex_unlock(&save_lock);
}
