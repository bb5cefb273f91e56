/* SPDX-License-Identifier: ISC */
#ifndef V6G_CONF_INT_H
#define V6G_CONF_INT_H

/*
 * Inside the conf module only: the loading context and the typed getters
 * and reporters that conf.c (gateway, proxy services) and xlat.c (nat64,
 * siit) share.  See conf.c for what each returns.
 */

#include <sys/types.h>

#include <libconfig.h>

#include "conf.h"

/*
 * source.c: a file and its @includes read into one text for libconfig
 * (which then opens no file); segs map its lines back to file:line.
 */
/* libconfig 1.5's own include depth (MAX_INCLUDE_DEPTH in scanctx.h) */
#define CONF_SRC_DEPTH	10

struct conf_seg {
	unsigned	 line;		/* first line of the text it covers */
	unsigned	 fline;		/* which is this line of file */
	const char	*file;		/* as the user named it */
};

struct conf_src {
	const char		*name;		/* the main file */
	char			*text;
	size_t			 len, cap;
	unsigned		 line;		/* where text ends */
	struct conf_seg		*segs;
	size_t			 nsegs;
	char			**names;	/* of included files */
	size_t			 nnames;
	const char		*dir;		/* relative includes' */
	char			*dirbuf;
	int			 nofiles;	/* a string: no @include */
	struct {
		dev_t	dev;
		ino_t	ino;
	}			 open[CONF_SRC_DEPTH + 1]; /* being read */
	struct conf_report	*rep;
};

int	conf_src_file(struct conf_src *, const char *, struct conf_report *);
int	conf_src_string(struct conf_src *, const char *, const char *,
	    struct conf_report *);
/* The file and, in *fline, the line that line of the text came from. */
const char *conf_src_where(const struct conf_src *, unsigned line,
	    unsigned *fline);
void	conf_src_free(struct conf_src *);
int	conf_msg_add(char ***, size_t *, const char *);

struct conf_ctx {
	const char		*file;
	struct conf_report	*rep;
	struct gw_conf		*gc;
	size_t			 listener_cap;
	int			*lines;		/* of rep->errors, to sort */
	size_t			 nlines;
	int			 allow_wkp_nonglobal;
	struct namemap	*claims;	/* see conf_claim() */
	const struct conf_src	*src;
};

/*
 * Claim a unique thing for svc: a name, a nat64 port of a server, a siit
 * address: a kind ("name", "siit4") and len bytes (at most 128).  NULL
 * when it was free, else the service that has it.  A hash, not a scan:
 * configs of 10,000 services load in linear time.
 */
struct conf_service *conf_claim(struct conf_ctx *, struct conf_service *,
	    const char *kind, const void *, size_t len);

int	conf_line(const config_setting_t *);
void	conf_err(struct conf_ctx *, const config_setting_t *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	conf_err_line(struct conf_ctx *, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	conf_warn(struct conf_ctx *, const config_setting_t *, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	conf_check_keys(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *const *);
int	conf_get_string(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *, const char **);
int	conf_get_uint(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *, long long, long long, unsigned *);
int	conf_get_bool(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *, int *);
config_setting_t *conf_get_group(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *);
int	conf_get_strings(struct conf_ctx *, const config_setting_t *,
	    const char *, const char *, config_setting_t **);
const char *conf_strings_elem(config_setting_t *, int, config_setting_t **);

/* backend.c: backends, balance, retries, check */
void	conf_backends(struct conf_ctx *, config_setting_t *, const char *,
	    struct conf_service *);
void	conf_backends_free(struct conf_service *);
/* access.c: allow, deny, limits (after gateway: its defaults) */
void	conf_access(struct conf_ctx *, config_setting_t *, const char *,
	    struct conf_service *);

/* access.c: a list of prefixes at s.key (path: s's); the count parsed
   into *out (calloc'd) */
size_t	conf_prefixes(struct conf_ctx *, config_setting_t *, const char *,
	    const char *, struct conf_prefix **);
/* access.c: two lists hold the same prefixes in the same order */
int	conf_prefixes_same(const struct conf_prefix *, size_t,
	    const struct conf_prefix *, size_t);

/* xlat.c */
void	conf_xlat_blocks(struct conf_ctx *, const config_setting_t *);
int	conf_xlat_service(struct conf_ctx *, config_setting_t *,
	    struct conf_service *, const char *, const char *);
/* pool6 + an IPv4 address, RFC 6052 §2.2 */
void	conf_xlat_embed(const struct in6_addr *, uint8_t, struct in_addr,
	    struct in6_addr *);

/* readiness.c: the readiness group, and a service's "site" */
void	conf_readiness_defaults(struct conf_readiness *);
void	conf_readiness(struct conf_ctx *, const config_setting_t *root);
void	conf_readiness_site(struct conf_ctx *, const config_setting_t *svc,
	    const char *path, struct conf_service *);

#endif
