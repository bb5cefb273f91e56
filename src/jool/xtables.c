/* SPDX-License-Identifier: ISC */
/*
 * The iptables rules that hand the SIIT instance its packets.
 *
 * Why: a netfilter-framework Jool instance translates everything it can in
 * its namespace, and a SIIT one drops (with an ICMP error) the IPv6 packets
 * whose source it cannot translate, such as every NAT64 client's; so SIIT
 * and NAT64 cannot both be netfilter instances in one namespace (Jool's
 * docs: use iptables instances for more than one translator).  v6gate's
 * SIIT instance is an iptables one: rules in the mangle PREROUTING chains
 * (priority -150, before the NAT64 instance's hook at -75) send it the
 * IPv4 packets for its EAM addresses and the IPv6 packets from its servers
 * to its pool6, which the guard (guard.c) marks: two fixed rules, whatever
 * the number of services.
 * Jool has no nftables expression (Jool #285), so the rules go through
 * iptables (its nft backend on Debian 12) and Jool's xtables extension
 * (jool-tools).  Only v6gate's own chain, V6GATE-SIIT, and the jump to it
 * are ever touched.
 *
 * Each iptables command costs an exec and a read of the whole ruleset
 * (over 100 ms under emulation), so with iptables' nft backend (Debian's
 * default) what is there is read over netlink instead (nfnl.h): the chain,
 * its rule for the instance, the jump.  Nothing is run when all of it is
 * in place; when something is missing, one iptables-restore per family,
 * both at once.  With the legacy backend, whose rules nftables cannot
 * see, the commands check for themselves.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "guard/guard.h"
#include "nfnl.h"
#include "xtables.h"

#define XT_CHAIN	"V6GATE-SIIT"

/* The two families: their commands, and their nftables family. */
static const struct {
	const char	*ipt, *restore;
	int		 family;
} xt_fam[2] = {
	{ "iptables", "iptables-restore", NFPROTO_IPV4 },
	{ "ip6tables", "ip6tables-restore", NFPROTO_IPV6 },
};

/* A command running: its pid and the pipe of its output. */
struct xt_proc {
	pid_t	pid;
	int	out;
};

/*
 * Start argv (no shell), feeding it input on stdin (small: it fits the
 * pipe).  0, or -1 with err.
 */
static int
xt_start(char *const argv[], const char *input, struct xt_proc *xp,
    char *err, size_t errlen)
{
	int	in[2], out[2];
	size_t	off = 0, len;
	ssize_t	n;

	xp->pid = -1;
	xp->out = -1;
	if (pipe2(in, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if ((xp->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (xp->pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDERR_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		dprintf(out[1], "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (input != NULL)
		for (len = strlen(input); off < len && (n = write(in[1],
		    input + off, len - off)) > 0; )
			off += (size_t)n;
	close(in[1]);
	xp->out = out[0];
	return 0;
}

/* Wait for it: its exit status (or -1), its first line of output in err. */
static int
xt_finish(struct xt_proc *xp, char *err, size_t errlen)
{
	size_t	off = 0;
	ssize_t	n;
	int	status;

	if (xp->pid == -1)
		return -1;
	err[0] = '\0';
	while (errlen > 1 && off < errlen - 1 && (n = read(xp->out, err + off,
	    errlen - 1 - off)) > 0)
		off += (size_t)n;
	err[off] = '\0';
	err[strcspn(err, "\n")] = '\0';
	close(xp->out);
	while (waitpid(xp->pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
xt_run(char *const argv[], const char *input, char *err, size_t errlen)
{
	struct xt_proc	xp;

	if (xt_start(argv, input, &xp, err, errlen) == -1)
		return -1;
	return xt_finish(&xp, err, errlen);
}

/*
 * Is the iptables in PATH the legacy one (x_tables, which nftables does
 * not see)?  Debian's is a link to xtables-nft-multi or
 * xtables-legacy-multi, through /etc/alternatives.
 */
static int
xt_legacy(void)
{
	char		 dir[PATH_MAX], real[PATH_MAX];
	const char	*path = getenv("PATH"), *p, *e;

	if (path == NULL)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(dir, sizeof(dir), "%.*s/iptables", (int)(e - p), p);
		if (realpath(dir, real) != NULL)
			return strstr(real, "legacy") != NULL;
	}
	return 1;	/* not found: let the commands say so */
}

/* What iptables-nft has of ours in a family. */
struct xt_have {
	const char	*instance;
	int		 rule;		/* our chain sends to the instance */
	int		 jump;		/* PREROUTING jumps to our chain */
};

static void
xt_have_rule(void *arg, struct nftnl_expr *e)
{
	struct xt_have	*h = arg;
	const char	*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const void	*info;
	uint32_t	 len;

	/* "-j JOOL_SIIT --instance NAME": the target's data holds the name,
	   NUL-terminated */
	if (name == NULL || strcmp(name, "target") != 0 ||
	    (name = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME)) == NULL ||
	    strcmp(name, "JOOL_SIIT") != 0 ||
	    (info = nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len)) == NULL)
		return;
	if (memmem(info, len, h->instance, strlen(h->instance) + 1) != NULL)
		h->rule = 1;
}

static void
xt_have_jump(void *arg, struct nftnl_expr *e)
{
	struct xt_have	*h = arg;
	const char	*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name != NULL && strcmp(name, "immediate") == 0 &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) == (uint32_t)NFT_JUMP &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN), XT_CHAIN) ==
	    0)
		h->jump = 1;
}

/*
 * Read what there is in a family: -1 (unknown: an error), 0 no chain,
 * 1 the chain (h says the rest).
 */
static int
xt_look(int family, const char *instance, struct xt_have *h)
{
	char	e[256];
	int	rc;

	memset(h, 0, sizeof(*h));
	h->instance = instance;
	if ((rc = nfnl_rules(family, "mangle", XT_CHAIN, xt_have_rule, h, e,
	    sizeof(e))) != 1)
		return rc;
	if (nfnl_rules(family, "mangle", "PREROUTING", xt_have_jump, h, e,
	    sizeof(e)) == -1)
		return -1;
	return 1;
}

/* The jump from PREROUTING to our chain, added once. */
static int
xt_jump(const char *ipt, int add, char *err, size_t errlen)
{
	char	*check[] = { (char *)ipt, "-w", "-t", "mangle", "-C",
		    "PREROUTING", "-j", XT_CHAIN, NULL };
	char	*ins[] = { (char *)ipt, "-w", "-t", "mangle", add ? "-I" :
		    "-D", "PREROUTING", "-j", XT_CHAIN, NULL };
	char	 e[256];
	int	 there = xt_run(check, NULL, e, sizeof(e)) == 0;

	if (add == there)
		return 0;
	if (xt_run(ins, NULL, err, errlen) != 0)
		return -1;
	return 0;
}

/*
 * What this process last did: the instance the rules were written for, or
 * "" with xt_removed set once they are known to be gone; every exec of
 * iptables costs (tens of ms, more under emulation), so none is repeated.
 */
static char	xt_applied[16];
static int	xt_removed;

int
xtables_apply(const struct gw_conf *gc, char *err, size_t errlen)
{
	struct xt_proc		 xp[2];
	struct xt_have		 h;
	char			 rules[512], e[512], *argv[4];
	int			 legacy, known[2], f, rc = 0;

	if (!gc->siit.on)
		return xtables_remove(err, errlen);
	/* the rules depend on the instance's name only: the guard marks */
	if (strcmp(xt_applied, gc->siit.instance) == 0)
		return 0;
	legacy = xt_legacy();
	e[0] = '\0';
	for (f = 0; f < 2; f++) {
		xp[f].pid = -1;
		known[f] = !legacy && xt_look(xt_fam[f].family,
		    gc->siit.instance, &h) != -1;
		if (known[f] && h.rule && h.jump)
			continue;	/* all there */
		/* the jump, when it is known to be missing (else xt_jump
		   looks) */
		snprintf(rules, sizeof(rules), "*mangle\n:%s - [0:0]\n-F %s\n"
		    "-A %s -m mark --mark 0x%08x/0x%08x -j JOOL_SIIT "
		    "--instance %s\n%sCOMMIT\n", XT_CHAIN, XT_CHAIN, XT_CHAIN,
		    GUARD_SIIT_MARK, GUARD_SIIT_MASK, gc->siit.instance,
		    known[f] && !h.jump ? "-I PREROUTING -j " XT_CHAIN "\n" :
		    "");
		argv[0] = (char *)xt_fam[f].restore;
		argv[1] = "-w";
		argv[2] = "--noflush";
		argv[3] = NULL;
		if (xt_start(argv, rules, &xp[f], e, sizeof(e)) == -1)
			rc = -1;
	}
	/* both families at once */
	for (f = 0; f < 2; f++)
		if (xp[f].pid != -1 && xt_finish(&xp[f], e, sizeof(e)) != 0)
			rc = -1;
	/* where nothing was read, the commands look for the jump */
	for (f = 0; f < 2 && rc == 0; f++)
		if (!known[f] && xt_jump(xt_fam[f].ipt, 1, e, sizeof(e)) == -1)
			rc = -1;
	if (rc == -1) {
		xt_applied[0] = '\0';
		xt_removed = 0;
		snprintf(err, errlen, "iptables (for the SIIT instance; "
		    "Debian packages iptables and jool-tools): %s", e);
		return -1;
	}
	snprintf(xt_applied, sizeof(xt_applied), "%s", gc->siit.instance);
	xt_removed = 0;
	return 0;
}

int
xtables_remove(char *err, size_t errlen)
{
	struct xt_have		 h;
	char			 e[256];
	int			 legacy;
	size_t			 i;

	if (xt_removed)
		return 0;
	xt_applied[0] = '\0';
	xt_removed = 1;
	legacy = xt_legacy();
	for (i = 0; i < 2; i++) {
		char	*flush[] = { (char *)xt_fam[i].ipt, "-w", "-t",
			    "mangle", "-F", XT_CHAIN, NULL };
		char	*del[] = { (char *)xt_fam[i].ipt, "-w", "-t", "mangle",
			    "-X", XT_CHAIN, NULL };

		/* no chain (read, not asked: no exec) */
		if (!legacy && xt_look(xt_fam[i].family, "", &h) == 0)
			continue;
		/* nothing there (or no iptables at all) is fine */
		if (xt_jump(xt_fam[i].ipt, 0, e, sizeof(e)) == -1)
			continue;
		xt_run(flush, NULL, e, sizeof(e));
		xt_run(del, NULL, e, sizeof(e));
	}
	(void)err;
	(void)errlen;
	return 0;
}
