#!/bin/sh
# Every man page under doc/ must be clean under mandoc -Tlint.
set -u
cd "$(dirname "$0")/.." || exit 2
for page in doc/*.[1-8]; do
	[ -f "$page" ] || continue
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then
		echo "ok - mandoc -Tlint $page"
	else
		echo "not ok - mandoc -Tlint $page"
		echo "$out" | sed 's/^/# /'
	fi
done
for page in pam_mailuser.8 mailuser-admin.8 mailuser.conf.5; do
	if [ -f "doc/$page" ]; then
		echo "ok - doc/$page exists"
	else
		echo "not ok - doc/$page exists"
	fi
done
