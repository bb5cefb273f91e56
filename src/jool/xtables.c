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
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "xtables.h"

#define XT_CHAIN	"V6GATE-SIIT"

/*
 * Run argv (no shell), feeding it input on stdin; returns its exit status
 * (or -1), with its first line of stderr in err.
 */
static int
xt_run(char *const argv[], const char *input, char *err, size_t errlen)
{
	int	in[2], out[2], status;
	pid_t	pid;
	ssize_t	n;
	size_t	off = 0;

	err[0] = '\0';
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDERR_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		dprintf(out[1], "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (input != NULL) {
		size_t	len = strlen(input);

		while (off < len && (n = write(in[1], input + off, len -
		    off)) > 0)
			off += (size_t)n;
	}
	close(in[1]);
	off = 0;
	while (errlen > 1 && off < errlen - 1 && (n = read(out[0], err + off,
	    errlen - 1 - off)) > 0)
		off += (size_t)n;
	err[off] = '\0';
	err[strcspn(err, "\n")] = '\0';
	close(out[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

static int
xt_restore(const char *restore, const char *rules, char *err, size_t errlen)
{
	char	*argv[] = { (char *)restore, "-w", "--noflush", NULL };

	return xt_run(argv, rules, err, errlen) == 0 ? 0 : -1;
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
	char	 rules[512], e[512];

	if (!gc->siit.on)
		return xtables_remove(err, errlen);
	/* the rules depend on the instance's name only: the guard marks */
	if (strcmp(xt_applied, gc->siit.instance) == 0)
		return 0;
	snprintf(rules, sizeof(rules), "*mangle\n:%s - [0:0]\n-F %s\n"
	    "-A %s -m mark --mark 0x%08x/0x%08x -j JOOL_SIIT --instance %s\n"
	    "COMMIT\n", XT_CHAIN, XT_CHAIN, XT_CHAIN, GUARD_SIIT_MARK,
	    GUARD_SIIT_MASK, gc->siit.instance);
	if (xt_restore("iptables-restore", rules, e, sizeof(e)) == -1 ||
	    xt_restore("ip6tables-restore", rules, e, sizeof(e)) == -1 ||
	    xt_jump("iptables", 1, e, sizeof(e)) == -1 ||
	    xt_jump("ip6tables", 1, e, sizeof(e)) == -1) {
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
	static const char *const ipts[] = { "iptables", "ip6tables" };
	char	 e[256];
	size_t	 i;

	if (xt_removed)
		return 0;
	xt_applied[0] = '\0';
	xt_removed = 1;
	for (i = 0; i < 2; i++) {
		char	*flush[] = { (char *)ipts[i], "-w", "-t", "mangle",
			    "-F", XT_CHAIN, NULL };
		char	*del[] = { (char *)ipts[i], "-w", "-t", "mangle", "-X",
			    XT_CHAIN, NULL };

		/* nothing there (or no iptables at all) is fine */
		if (xt_jump(ipts[i], 0, e, sizeof(e)) == -1)
			continue;
		xt_run(flush, NULL, e, sizeof(e));
		xt_run(del, NULL, e, sizeof(e));
	}
	(void)err;
	(void)errlen;
	return 0;
}
