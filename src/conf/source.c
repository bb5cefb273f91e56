/* SPDX-License-Identifier: ISC */
/*
 * A config file and its @includes -> one text in memory, for libconfig's
 * config_read_string(): libconfig then never opens a file itself.  It must
 * not: libconfig 1.5's flex scanner calls exit(2) on a read error ("input
 * in flex scanner failed", a directory gives EISDIR), blocks forever on a
 * FIFO, and a reload must never end the daemon.  So every file is checked
 * here (a regular file, readable, not too large, no NUL byte, no include
 * loop) and read whole, and each @include line is found where libconfig's
 * scanner.l finds it (at the start of a line, outside comments and strings)
 * and replaced by that file's text.  A table of segments maps a line of
 * the text back to the file and line it came from.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_int.h"

/* all files together; flex and libconfig keep a copy or two of it */
#define CONF_SRC_MAX	(16u << 20)

/* What a file that is not a regular one is, for its message. */
static const struct {
	mode_t		 type;
	const char	*what;
} conf_src_types[] = {
	{ S_IFDIR,	"is a directory" },
	{ S_IFIFO,	"is not a regular file (a FIFO)" },
	{ S_IFSOCK,	"is not a regular file (a socket)" },
	{ S_IFCHR,	"is not a regular file (a character device)" },
	{ S_IFBLK,	"is not a regular file (a block device)" },
};

static void __attribute__((format(printf, 2, 3)))
conf_src_err(struct conf_src *src, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_msg_add(&src->rep->errors, &src->rep->nerrors, msg);
}

static const char *
conf_src_type(mode_t mode)
{
	size_t	i;

	for (i = 0; i < sizeof(conf_src_types) / sizeof(conf_src_types[0]);
	    i++)
		if ((mode & S_IFMT) == conf_src_types[i].type)
			return conf_src_types[i].what;
	return "is not a regular file";
}

static int
conf_src_emit(struct conf_src *src, const char *p, size_t n)
{
	size_t	i;

	if (src->len + n + 1 > src->cap) {
		size_t	 cap = src->cap ? src->cap : 4096;
		char	*nt;

		while (cap < src->len + n + 1)
			cap *= 2;
		if ((nt = realloc(src->text, cap)) == NULL)
			return -1;
		src->text = nt;
		src->cap = cap;
	}
	memcpy(src->text + src->len, p, n);
	src->len += n;
	src->text[src->len] = '\0';
	for (i = 0; i < n; i++)
		src->line += p[i] == '\n';
	return 0;
}

/* From the text's current line on, lines are file's from fline on. */
static int
conf_src_seg(struct conf_src *src, const char *file, unsigned fline)
{
	struct conf_seg	*ns;

	if (src->nsegs > 0 && src->segs[src->nsegs - 1].line == src->line) {
		src->nsegs--;	/* an empty file covered no line */
	} else if ((src->nsegs & (src->nsegs - 1)) == 0) {
		ns = realloc(src->segs, (src->nsegs ? src->nsegs * 2 : 1) *
		    sizeof(*ns));
		if (ns == NULL)
			return -1;
		src->segs = ns;
	}
	src->segs[src->nsegs].line = src->line;
	src->segs[src->nsegs].fline = fline;
	src->segs[src->nsegs].file = file;
	src->nsegs++;
	return 0;
}

const char *
conf_src_where(const struct conf_src *src, unsigned line, unsigned *fline)
{
	size_t	lo = 0, hi = src->nsegs, mid;

	*fline = line;
	if (src->nsegs == 0 || line == 0)
		return src->name;
	/* the last segment that starts at or before line */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (src->segs[mid].line <= line)
			lo = mid;
		else
			hi = mid;
	}
	*fline = src->segs[lo].fline + (line - src->segs[lo].line);
	return src->segs[lo].file;
}

/*
 * Read path whole into *buf (NUL-terminated).  what names it in messages
 * ("FILE" or "FILE:LINE: @include \"inc\"").  Everything that would make
 * libconfig exit, block or read garbage is refused here, with its reason.
 */
static int
conf_src_read(struct conf_src *src, const char *path, const char *what,
    struct stat *st, char **buf, size_t *len)
{
	size_t	 max = CONF_SRC_MAX - (src->len < CONF_SRC_MAX ? src->len :
		    CONF_SRC_MAX), n = 0, cap;
	ssize_t	 r = 0;
	char	*b;
	int	 fd;

	*buf = NULL;
	/* stat first: opening a device can have effects of its own */
	if (stat(path, st) == -1) {
		conf_src_err(src, "%s: cannot open: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		conf_src_err(src, "%s: %s", what, conf_src_type(st->st_mode));
		return -1;
	}
	/* O_NONBLOCK: swapped for a FIFO since, open must not wait */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		conf_src_err(src, "%s: cannot open: %s", what, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		conf_src_err(src, "%s: %s", what, conf_src_type(st->st_mode));
		close(fd);
		return -1;
	}
	/* to EOF, not st_size: the file may grow or shrink meanwhile */
	cap = ((size_t)st->st_size < max ? (size_t)st->st_size : max) + 1;
	for (b = NULL;;) {
		if (b == NULL || n == cap) {
			char	*nb;

			if (b != NULL && n > max)
				break;
			if (b != NULL)
				cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				conf_src_err(src, "%s: out of memory", what);
				free(b);
				close(fd);
				return -1;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (r == -1) {
		conf_src_err(src, "%s: cannot read: %s", what, strerror(errno));
		free(b);
		return -1;
	}
	if (n > max) {
		conf_src_err(src, "%s: too large (all files together: at most "
		    "%u MiB)", what, CONF_SRC_MAX >> 20);
		free(b);
		return -1;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static void	conf_src_scan(struct conf_src *, const char *, const char *,
		    size_t, int);

/* @include "inc" at file:line, depth files deep. */
static void
conf_src_include(struct conf_src *src, const char *file, unsigned line,
    const char *inc, int depth)
{
	char		 what[PATH_MAX + 64], path[2 * PATH_MAX], *buf;
	struct stat	 st;
	size_t		 len;
	int		 i;

	snprintf(what, sizeof(what), "%s:%u: @include \"%s\"", file, line,
	    inc);
	if (src->nofiles) {
		conf_src_err(src, "%s: not read (a text, not a file)", what);
		return;
	}
	if (depth >= CONF_SRC_DEPTH) {
		conf_src_err(src, "%s: nested too deep (at most %d levels)",
		    what, CONF_SRC_DEPTH);
		return;
	}
	/* relative to the main file's directory, as libconfig did */
	if (inc[0] == '/' || src->dir == NULL)
		snprintf(path, sizeof(path), "%s", inc);
	else
		snprintf(path, sizeof(path), "%s/%s", src->dir, inc);
	if (conf_src_read(src, path, what, &st, &buf, &len) == -1)
		return;
	for (i = 0; i <= depth; i++)
		if (src->open[i].dev == st.st_dev &&
		    src->open[i].ino == st.st_ino) {
			conf_src_err(src, "%s: includes itself (a loop)",
			    what);
			free(buf);
			return;
		}
	if (conf_msg_add(&src->names, &src->nnames, inc) == -1) {
		conf_src_err(src, "%s: out of memory", what);
		free(buf);
		return;
	}
	src->open[depth + 1].dev = st.st_dev;
	src->open[depth + 1].ino = st.st_ino;
	conf_src_scan(src, src->names[src->nnames - 1], buf, len, depth + 1);
	free(buf);
}

/*
 * At buf[i], the start of a line: the length of an "@include \"" opening
 * there, else 0.  scanner.l: ^[ \t]*@include[ \t]+\"
 */
static size_t
conf_src_opening(const char *buf, size_t len, size_t i)
{
	size_t	j = i, k;

	while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
		j++;
	if (len - j < 8 || memcmp(buf + j, "@include", 8) != 0)
		return 0;
	for (k = j + 8; k < len && (buf[k] == ' ' || buf[k] == '\t'); k++)
		;
	if (k == j + 8 || k == len || buf[k] != '"')
		return 0;
	return k + 1 - i;
}

/*
 * The file name of an @include from buf[*i] (after the opening quote) to
 * the closing one, unescaped as scanner.l does (\\ and \"; a lone \ is
 * dropped); *i ends after the quote.  -1 when no quote ends it on the line.
 */
static int
conf_src_incname(const char *buf, size_t len, size_t *i, char *out,
    size_t outlen)
{
	size_t	j = *i, n = 0;

	for (; j < len && buf[j] != '"' && buf[j] != '\n'; j++) {
		if (buf[j] == '\\') {
			if (j + 1 < len && (buf[j + 1] == '\\' ||
			    buf[j + 1] == '"'))
				j++;
			else
				continue;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = buf[j];
	}
	if (j == len || buf[j] != '"')
		return -1;
	out[n] = '\0';
	*i = j + 1;
	return 0;
}

/*
 * One file's bytes onto src->text, each @include replaced by its file's
 * text.  Keeps going after a bad include: all of them are reported.
 */
static void
conf_src_scan(struct conf_src *src, const char *file, const char *buf,
    size_t len, int depth)
{
	enum { CODE, COMMENT, STRING }	 st = CODE;
	char				 inc[PATH_MAX];
	const char			*nul;
	size_t				 i = 0, from = 0, n;
	unsigned			 line = 1, at = 0;

	/* config_read_string() would stop at it and parse half a file */
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (; buf < nul; buf++)
			line += *buf == '\n';
		conf_src_err(src, "%s:%u: a NUL byte (a config file is text)",
		    file, line);
		return;
	}
	if (conf_src_seg(src, file, 1) == -1)
		goto nomem;
	while (i < len) {
		switch (st) {
		case CODE:
			if ((i == 0 || buf[i - 1] == '\n') &&
			    (n = conf_src_opening(buf, len, i)) > 0) {
				size_t	end = i + n;

				if (conf_src_incname(buf, len, &end, inc,
				    sizeof(inc)) == -1) {
					conf_src_err(src, "%s:%u: @include: "
					    "no closing quote on the line (or "
					    "a name too long)", file, line);
					return;
				}
				if (conf_src_emit(src, buf + from, i - from) ==
				    -1)
					goto nomem;
				conf_src_include(src, file, line, inc, depth);
				/*
				 * The rest of the line after a newline, which
				 * "/" "**" "/" keeps from being a line start:
				 * to libconfig it is none.
				 */
				if (conf_src_emit(src, "\n", 1) == -1 ||
				    conf_src_seg(src, file, line) == -1 ||
				    conf_src_emit(src, "/**/", 4) == -1)
					goto nomem;
				i = from = end;
			} else if (buf[i] == '\n') {
				line++;
				i++;
			} else if (buf[i] == '"') {
				st = STRING;
				at = line;
				i++;
			} else if (buf[i] == '#' || (buf[i] == '/' && i + 1 <
			    len && buf[i + 1] == '/')) {
				while (i < len && buf[i] != '\n')
					i++;
			} else if (buf[i] == '/' && i + 1 < len &&
			    buf[i + 1] == '*') {
				st = COMMENT;
				at = line;
				i += 2;
			} else
				i++;
			break;
		case COMMENT:
			if (buf[i] == '*' && i + 1 < len && buf[i + 1] == '/') {
				st = CODE;
				i += 2;
				break;
			}
			line += buf[i++] == '\n';
			break;
		case STRING:
			if (buf[i] == '\\' && i + 1 < len) {
				line += buf[i + 1] == '\n';
				i += 2;
				break;
			}
			if (buf[i] == '"')
				st = CODE;
			line += buf[i++] == '\n';
			break;
		}
	}
	/* In an include it would swallow the including file's rest. */
	if (st != CODE) {
		conf_src_err(src, "%s:%u: %s", file, at, st == COMMENT ?
		    "\"/*\" comment not closed by \"*/\"" :
		    "string without its closing quote");
		return;
	}
	if (conf_src_emit(src, buf + from, len - from) == -1)
		goto nomem;
	return;
nomem:
	conf_src_err(src, "%s: out of memory", file);
}

static void
conf_src_init(struct conf_src *src, const char *name, struct conf_report *rep)
{
	memset(src, 0, sizeof(*src));
	src->name = name;
	src->rep = rep;
	src->line = 1;
}

int
conf_src_file(struct conf_src *src, const char *file, struct conf_report *rep)
{
	struct stat	 st;
	size_t		 before = rep->nerrors, len;
	char		*buf, *slash;

	conf_src_init(src, file, rep);
	if ((src->dirbuf = strdup(file)) != NULL &&
	    (slash = strrchr(src->dirbuf, '/')) != NULL) {
		slash[slash == src->dirbuf] = '\0';
		src->dir = src->dirbuf;
	}
	if (conf_src_read(src, file, file, &st, &buf, &len) == -1)
		return -1;
	src->open[0].dev = st.st_dev;
	src->open[0].ino = st.st_ino;
	conf_src_scan(src, file, buf, len, 0);
	free(buf);
	return rep->nerrors > before || src->text == NULL ? -1 : 0;
}

int
conf_src_string(struct conf_src *src, const char *name, const char *text,
    struct conf_report *rep)
{
	size_t	before = rep->nerrors;

	conf_src_init(src, name, rep);
	/* no file to be relative to, and fuzzed text must not open files */
	src->nofiles = 1;
	conf_src_scan(src, name, text, strlen(text), 0);
	if (src->text == NULL)
		conf_src_emit(src, "", 0);
	return rep->nerrors > before || src->text == NULL ? -1 : 0;
}

void
conf_src_free(struct conf_src *src)
{
	size_t	i;

	for (i = 0; i < src->nnames; i++)
		free(src->names[i]);
	free(src->names);
	free(src->segs);
	free(src->text);
	free(src->dirbuf);
	memset(src, 0, sizeof(*src));
}
