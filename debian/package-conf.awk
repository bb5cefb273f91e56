# SPDX-License-Identifier: ISC
# conf/v6gate.conf as the package ships it (debian/rules): every line from
# the nat64 block on is commented out, behind a note that says why.
/^nat64: \{/ && !done {
	print "# ------------------------------------------------------------------"
	print "# The Debian package ships what follows commented out: the addresses"
	print "# are examples that this machine does not have, and nat64 and siit"
	print "# need the Jool module (jool-dkms, jool-tools).  As it is, v6gated"
	print "# starts and carries nothing (\"no services configured\"); uncomment"
	print "# and edit, check with \"v6gated -t\", then \"systemctl reload v6gated\"."
	print "# ------------------------------------------------------------------"
	print ""
	off = 1
	done = 1
}
off && $0 != "" { print "#" $0; next }
{ print }
