#!/bin/bash
# make check: the lint gates (tests/lint.sh), then every guest suite on
# every kernel we support (run.sh boots companions for suites that need a
# boot of their own), plus the ABI suite against Linux 7.3's in-kernel kmem (the oracle).
# Prints each run's results and a closing "N passed, N failed" over all.
set -uo pipefail
cd "$(dirname "$0")/.."

# Kernels our module supports so far (7.3 builds are refused: no verified
# dax layout yet); 7.3 serves as the oracle with its in-kernel kmem.
RUNS=("--kernel 5.10 --kernel 6.1 --tests all"
      "--kernel 7.3 --driver kmem --tests abi,fuzz")

pass=0 fail=0 t0=$(date +%s)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for r in lint "${RUNS[@]}"; do
	if [ "$r" = lint ]; then
		cmd=(tests/lint.sh)
	else
		# shellcheck disable=SC2206
		cmd=(tests/run.sh $r)
	fi
	echo "=== ${cmd[*]}"
	"${cmd[@]}" 2>&1 | tee "$tmp"
	out=$(tail -n 1 "$tmp")
	if [[ $out =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		echo "FAIL - ${cmd[*]}: did not finish ($out)"
		fail=$((fail + 1))
	fi
done
echo "make check: $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
