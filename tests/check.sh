#!/bin/bash
# make check: the lint gates (tests/lint.sh: checkpatch, W=1 + sparse builds
# for every kernel), the dax-kmem-atomic command (tests/tool-test.sh: built
# with -Wall -Wextra -Werror, the policy parser's unit tests), the
# build-time layout check's own test
# (tests/layout-test.sh: a wrong BTF must stop the build), the packages
# (tests/pkg-test.sh: .deb and .rpm, lintian, a DKMS install from the .deb),
# DKMS 2.8.4, 3.0.10 and 3.2.2 (tests/dkms-test.sh: install, boot the module
# DKMS installed, signing, remove), then the matrix (tests/run.sh --all):
# every guest suite on every kernel of tests/harness/kernels.sh (run.sh boots
# companions for suites that need a boot of their own), the ABI, fuzz and
# rollback suites against Linux 7.3's in-kernel kmem (the oracle) and
# daxctl in replace mode on 6.1 and 6.12, with a table of per-kernel results
# and times. Prints each step's results, the time of each step and a closing
# "N passed, N failed" over all.
#   DKA_JOBS: kernels booted at once (default: the number of cores; each
#   boot is single-threaded TCG).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

JOBS=${DKA_JOBS:-$(nproc)}
RUNS=("--all --jobs $JOBS")

pass=0 fail=0 t0=$(date +%s)
times=()
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for r in lint tool layout pkg dkms "${RUNS[@]}"; do
	if [ "$r" = lint ]; then
		cmd=(tests/lint.sh)
	elif [ "$r" = tool ]; then
		cmd=(tests/tool-test.sh)
	elif [ "$r" = layout ]; then
		cmd=(tests/layout-test.sh)
	elif [ "$r" = pkg ]; then
		cmd=(tests/pkg-test.sh)
	elif [ "$r" = dkms ]; then
		cmd=(tests/dkms-test.sh)
	else
		# shellcheck disable=SC2206
		cmd=(tests/run.sh $r)
	fi
	echo "=== ${cmd[*]}"
	t1=$(date +%s)
	"${cmd[@]}" 2>&1 | tee "$tmp"
	times+=("${cmd[*]}: $(($(date +%s) - t1)) s")
	out=$(tail -n 1 "$tmp")
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		echo "FAIL - ${cmd[*]}: did not finish ($out)"
		fail=$((fail + 1))
	fi
done
printf '%s\n' "${times[@]}"
echo "make check: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
