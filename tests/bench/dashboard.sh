#!/bin/bash
# SPDX-License-Identifier: ISC
#
# What the dashboard costs the proxy: a 10 s download through the gateway
# (plain HTTP, IPv6 client -> IPv4 nginx), alone and then with 50 dashboard
# clients each fetching / and /status every second.  Prints the download's
# throughput and the CPU seconds of the serving process's threads: its main
# thread (where the HTTP endpoint runs) and all the others (the proxy
# workers, health checks, audit writer).  Figures, not pass/fail.
#
#   sudo tests/bench/dashboard.sh       (from the top of a built tree)
. "$(dirname "$0")/../integ/lib.sh"
net_up
nginx_up
truncate -s 64G "$T/www/big"
gw_conf_default "$T/gw.conf"
sed -i 's/^};/  http = "[::1]:9164";\n};/' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1
S=$(gw_serve)
HZ=$(getconf CLK_TCK)

cpu() {	# cpu: "main others" CPU ticks of the serving process's threads
	local m=0 o=0 t v
	for t in /proc/"$S"/task/*; do
		v=$(awk '{ print $14 + $15 }' "$t/stat")
		if [ "${t##*/}" = "$S" ]; then m=$((m + v)); else o=$((o + v)); fi
	done
	echo "$m $o"
}

round() {	# round LABEL LOAD(0/1)
	local before after lp=
	echo 0 >"$T/requests"
	if [ "$2" = 1 ]; then
		in_g python3 - "$T/requests" <<-'EOF' &
			import sys, threading, time, urllib.request
			done = []
			def client():
			    end = time.time() + 10
			    while time.time() < end:
			        t = time.time()
			        for p in ("/", "/status"):
			            urllib.request.urlopen("http://[::1]:9164" + p).read()
			            done.append(1)
			        time.sleep(max(0, 1 - (time.time() - t)))
			ts = [threading.Thread(target=client) for _ in range(50)]
			[t.start() for t in ts]
			[t.join() for t in ts]
			open(sys.argv[1], "w").write("%d\n" % len(done))
		EOF
		lp=$!
	fi
	before=$(cpu)
	speed=$(http6 www.example.org /files/big -o /dev/null --max-time 10 \
	    -w '%{speed_download}' 2>/dev/null)
	after=$(cpu)
	[ -n "$lp" ] && wait "$lp"
	set -- $before $after
	printf '%-30s %6.0f MB/s  main %5.2f s  others %5.2f s = %4.2f s/GB  (%d HTTP requests)\n' \
	    "$label" "$(echo "$speed / 1000000" | bc -l)" \
	    "$(echo "($3 - $1) / $HZ" | bc -l)" "$(echo "($4 - $2) / $HZ" | bc -l)" \
	    "$(echo "($4 - $2) / $HZ / ($speed * 10 / 1000000000)" | bc -l)" \
	    "$(cat "$T/requests")"
}
for r in 1 2 3; do
	label="download alone ($r)" round x 0
	label="download + 50 dashboards ($r)" round x 1
done
ok "done"
