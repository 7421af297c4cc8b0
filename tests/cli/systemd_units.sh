#!/usr/bin/env bash
# tests/cli/systemd_units.sh — every service in contrib/ carries the
# hardening of langflix-app.service (the lines of its "# ---- hardening"
# section, except UMask, which each unit picks), and systemd-analyze verify
# (when installed) accepts every unit with the programs' paths pointed at
# /bin/true (they are not installed here).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

hardening=$(sed -n '/^# ---- hardening/,/^$/p' contrib/langflix-app.service |
	grep -E '^[A-Za-z]+=' | grep -v '^UMask=')
[ -n "$hardening" ] || bad "no hardening section found in contrib/langflix-app.service"
for unit in contrib/*.service; do
	missing=$(grep -vxF -f "$unit" <<<"$hardening")
	if [ -z "$missing" ]; then
		ok "$unit has the hardening of langflix-app.service"
	else
		bad "$unit lacks: $(tr '\n' ' ' <<<"$missing")"
	fi
	grep -qx 'LimitCORE=0' "$unit" && ok "$unit: LimitCORE=0" || bad "$unit: no LimitCORE=0"
done

if command -v systemd-analyze >/dev/null 2>&1; then
	dir=$(mktemp -d /tmp/lf-units.XXXXXX)
	cp contrib/*.service contrib/*.socket contrib/*.timer "$dir"/
	sed -i 's#/usr/local/s\{0,1\}bin/[a-z.-]*#/bin/true#; s#/usr/bin/spawn-fcgi#/bin/true#' "$dir"/*.service
	out=$(cd "$dir" && timeout 60 systemd-analyze verify ./*.service ./*.socket ./*.timer 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify accepts every unit"
	else
		bad "systemd-analyze verify (status $rc): $out"
	fi
	rm -rf "$dir"
else
	echo "systemd-analyze is not installed: the units are not verified here"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
