#!/bin/sh
# Check the benchmark's figures against the speed targets of
# doc/PERFORMANCE.md, for the module labelled LABEL (default
# pam_mailuser).  Reads the results.tsv that bench.sh writes:
#   case label p50_ms p99_ms logins_per_s logins errors authinfo_unavail
#   results cpu_ms_per_login
# Prints one "met" or "MISSED" line per target.  Informational only: the
# exit status is 0 unless the file is missing or incomplete.  The targets
# of the store interface (issue 12: the bare hash, PostgreSQL, rows pg*,
# rt_*, counters) are checked for pam_mailuser only, when their rows are
# there (bench.sh leaves them out without PostgreSQL).
set -eu
tsv=${1:?usage: targets.sh RESULTS.TSV [LABEL]}
label=${2:-pam_mailuser}
[ -s "$tsv" ] || { echo "targets: no results in $tsv" >&2; exit 2; }

awk -F '\t' -v M="$label" '
{
	k = $1 SUBSEP $2
	p50[k] = $3; tput[k] = $5; err[k] = $7; unavail[k] = $8
	seen[$1] = 1
}
function need(c, m) {
	if (!((c SUBSEP m) in p50)) {
		printf "targets: no figures for %s / %s\n", c, m
		missing = 1
		return 0
	}
	return 1
}
function verdict(ok, text) {
	printf "   %-6s %s\n", ok ? "met" : "MISSED", text
	if (!ok)
		missed++
}
function has(c, m) { return (c SUBSEP m) in p50 }
# The rows of issue 12: SQLite beside the floors, PostgreSQL beside SQLite.
function store_targets(   i, n, c, sz, d, x, rt, q) {
	n = split("s1k s100k s1m", sz, " ")
	for (i = 1; i <= n; i++) {
		c = sz[i]
		if (!has(c, M) || !has(c, "pam_permit") || !has(c, "bare-hash"))
			continue
		d = p50[c, M] - p50[c, "pam_permit"] - p50[c, "bare-hash"]
		verdict(d <= 0.15, sprintf("%-5s p50 %.3f ms <= pam_permit" \
		    " %.3f + bare hash %.3f + 0.15 ms (the store: %+.3f ms)",
		    c, p50[c, M], p50[c, "pam_permit"], p50[c, "bare-hash"], d))
	}
	n = split("1k 1m", sz, " ")
	for (i = 1; i <= n; i++) {
		c = "pg" sz[i]
		if (!has(c, "postgresql") || !has(c, "sqlite"))
			continue
		d = p50[c, "postgresql"] - p50[c, "sqlite"]
		verdict(d <= 0.3, sprintf("%-5s PostgreSQL right p50 %.3f ms" \
		    " <= SQLite %.3f + 0.3 ms (difference %+.3f ms)", c,
		    p50[c, "postgresql"], p50[c, "sqlite"], d))
		x = "pgx" sz[i]
		if (!has(x, "postgresql") || !has(c, "pg-ping"))
			continue
		d = p50[x, "postgresql"] - p50[c, "postgresql"]
		verdict(d <= p50[c, "pg-ping"], sprintf("%-5s PostgreSQL" \
		    " wrong p50 %.3f ms <= right %.3f + one round trip %.3f" \
		    " ms (difference %+.3f ms)", x, p50[x, "postgresql"],
		    p50[c, "postgresql"], p50[c, "pg-ping"], d))
	}
	rt = "right password (auth + account)"
	if (has("rt_right", rt)) {
		verdict(p50["rt_right", rt] <= 1, sprintf("round trips per" \
		    " login, right password, steady state: %.2f (the issue: 1)",
		    p50["rt_right", rt]))
		if (has("rt_wrong", "wrong password"))
			verdict(p50["rt_wrong", "wrong password"] <= \
			    p50["rt_right", rt] + 1, sprintf("round trips," \
			    " wrong password %.2f <= right %.2f + 1",
			    p50["rt_wrong", "wrong password"],
			    p50["rt_right", rt]))
	}
	n = split("sqlite postgresql", sz, " ")
	for (i = 1; i <= n; i++) {
		q = sz[i]
		if (!has("pgw30x", q))
			continue
		x = "not read"
		if (has("counters", q))
			x = err["counters", q] == 0 ? "exact" : "WRONG"
		verdict(err["pgw30x", q] == 0 && unavail["pgw30x", q] == 0 &&
		    x == "exact", sprintf("pgw30x %s: 30 processes, one user:" \
		    " %d errors, %d PAM_AUTHINFO_UNAVAIL, counters %s", q,
		    err["pgw30x", q], unavail["pgw30x", q], x))
	}
}
END {
	U = "pam_userdb"; P = "pam_pwdfile"
	print ""
	print "== targets (" M ")"
	n = split("s1k s100k s1m", sz, " ")
	for (i = 1; i <= n; i++) {
		c = sz[i]
		if (!need(c, M) || !need(c, U))
			continue
		r = p50[c, M] / p50[c, U]
		verdict(r <= 0.8, sprintf("%-5s sha512crypt r1000 p50 %.3f ms" \
		    " <= 0.8 x pam_userdb %.3f ms (ratio %.2f)", c,
		    p50[c, M], p50[c, U], r))
	}
	if (need("s1k", M) && need("s1m", M)) {
		r = p50["s1m", M] / p50["s1k", M]
		verdict(r <= 1.15, sprintf("flat: 1M p50 %.3f ms within 15%%" \
		    " of 1k p50 %.3f ms (ratio %.2f)", p50["s1m", M],
		    p50["s1k", M], r))
	}
	if (need("y1k", M) && need("y1k", U)) {
		r = p50["y1k", M] / p50["y1k", U]
		h = ""
		if (("y1k" SUBSEP P) in p50 && p50["y1k", P] > 0)
			h = sprintf("; about %.1f hash computations per login," \
			    " pam_pwdfile = 1", p50["y1k", M] / p50["y1k", P])
		verdict(r <= 0.55, sprintf("yescrypt p50 %.3f ms <= 0.55 x" \
		    " pam_userdb %.3f ms (ratio %.2f%s)", p50["y1k", M],
		    p50["y1k", U], r, h))
	}
	if (need("wrong", M) && need("s100k", M)) {
		d = p50["wrong", M] - p50["s100k", M]
		verdict(d <= 1.0, sprintf("wrong password p50 %.3f ms <=" \
		    " correct p50 %.3f ms + 1 ms (difference %+.3f ms)",
		    p50["wrong", M], p50["s100k", M], d))
	}
	if (need("unknown", M) && need("wrong", M)) {
		r = p50["unknown", M] / p50["wrong", M]
		verdict(r >= 0.9 && r <= 1.1, sprintf("unknown user p50 %.3f" \
		    " ms within 10%% of wrong password %.3f ms (ratio %.2f)",
		    p50["unknown", M], p50["wrong", M], r))
	}
	if (need("w1", M) && need("w2", M)) {
		r = tput["w2", M] / tput["w1", M]
		verdict(r >= 1.8, sprintf("2 processes %.0f logins/s >= 1.8 x" \
		    " 1 process %.0f logins/s (ratio %.2f)", tput["w2", M],
		    tput["w1", M], r))
	}
	if (M == "pam_mailuser")
		store_targets()
	n = split("w30 w30x", cs, " ")
	for (i = 1; i <= n; i++) {
		c = cs[i]
		if (!need(c, M))
			continue
		verdict(err[c, M] == 0 && unavail[c, M] == 0, sprintf("%-4s" \
		    " 30 processes: %d errors, %d PAM_AUTHINFO_UNAVAIL", c,
		    err[c, M], unavail[c, M]))
	}
	for (k in err) {
		split(k, kk, SUBSEP)
		if (err[k] > 0 && kk[2] == M) {
			printf "   note: %s / %s had %d unexpected results\n",
			    kk[1], kk[2], err[k]
		}
	}
	printf "   %d target%s missed\n", missed, missed == 1 ? "" : "s"
	exit missing ? 2 : 0
}' "$tsv"
