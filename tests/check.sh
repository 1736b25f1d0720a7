#!/bin/bash
# make check: the lint gates (tests/host/lint.sh: checkpatch, W=1 + sparse builds
# for every kernel), the dax-kmem-atomic command (tests/host/tool-test.sh: built
# with -Wall -Wextra -Werror, the policy parser's unit tests), the
# build-time layout check's own test
# (tests/host/layout-test.sh: a wrong BTF must stop the build), the packages
# (tests/host/pkg-test.sh: .deb and .rpm, lintian, a DKMS install from the .deb),
# DKMS 2.8.4, 3.0.10 and 3.2.2 (tests/dkms-test.sh: install, boot the module
# DKMS installed, signing, remove), then the matrix (tests/run.sh --all):
# every guest suite on every kernel of tests/harness/kernels.sh (run.sh boots
# companions for suites that need a boot of their own), the ABI, fuzz and
# rollback suites against Linux 7.3's in-kernel kmem (the oracle) and
# daxctl in replace mode on 6.1 and 6.12, with a table of per-kernel results
# and times. Prints KTAP (tests/harness/ktap.sh): each step's own KTAP
# output indented as its subtests, one result line per step ("ok N
# tests/host/lint.sh", "not ok N ... # why"), the time of each step, totals of the
# steps and a closing "N passed, N failed" (", N skipped" when there are
# any) over the checks of all steps.
#   DKA_JOBS: kernels booted at once (default: the number of cores; each
#   boot is single-threaded TCG).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=harness/ktap.sh
. tests/harness/ktap.sh

JOBS=${DKA_JOBS:-$(nproc)}
RUNS=("--all --jobs $JOBS")

pass=0 fail=0 skip=0 t0=$(date +%s)
times=()
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
STEPS=(lint tool layout pkg dkms "${RUNS[@]}")
ktap_header ${#STEPS[@]}
for r in "${STEPS[@]}"; do
	if [ "$r" = lint ]; then
		cmd=(tests/host/lint.sh)
	elif [ "$r" = tool ]; then
		cmd=(tests/host/tool-test.sh)
	elif [ "$r" = layout ]; then
		cmd=(tests/host/layout-test.sh)
	elif [ "$r" = pkg ]; then
		cmd=(tests/host/pkg-test.sh)
	elif [ "$r" = dkms ]; then
		cmd=(tests/dkms-test.sh)
	else
		# shellcheck disable=SC2206
		cmd=(tests/run.sh $r)
	fi
	echo "# === ${cmd[*]}"
	t1=$(date +%s)
	# the step's KTAP, indented: its checks are this step's subtests
	"${cmd[@]}" 2>&1 | tee "$tmp" | sed -u 's/^/  /'
	times+=("${cmd[*]}: $(($(date +%s) - t1)) s")
	out=$(tail -n 1 "$tmp")
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
		skip=$((skip + ${BASH_REMATCH[4]:-0}))
		ktap_result "${cmd[*]}" "$([ "${BASH_REMATCH[2]}" = 0 ] && echo ok || echo "${BASH_REMATCH[2]} failed")"
	else
		ktap_fail "${cmd[*]}" "did not finish ($out)"
		fail=$((fail + 1))
	fi
done
printf '# %s\n' "${times[@]}"
echo "# make check: $(($(date +%s) - t0)) s"
echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
