#!/bin/bash
# KTAP results for the host-side tests (Documentation/dev-tools/ktap.rst,
# KTAP version 1, as the kernel's selftests print them). Source it; do not
# run it.
# shellcheck shell=bash
#
#   ktap_header [N]        "KTAP version 1", and the plan "1..N" when the
#                          number of checks is known before the first one
#                          (KTAP puts the plan right after the version line
#                          or nowhere: a test that only knows it at the end
#                          prints none)
#   ktap_ok NAME           "ok N NAME"
#   ktap_fail NAME WHY     "not ok N NAME # WHY" (further lines of WHY come
#                          first, as "# ..." diagnostic lines)
#   ktap_skip NAME WHY     "ok N NAME # SKIP WHY": could not run, not a pass
#   ktap_result NAME ok|WHY
#   ktap_check NAME CMD... "ok N NAME" when CMD succeeds, else "not ok"
#                          with the reason CMD gave through ktap_why (or
#                          "CMD failed")
#   ktap_why TEXT          in a check's CMD: the reason it fails; returns 1
#   ktap_diag TEXT         TEXT as "# ..." diagnostic lines
#   ktap_relay PREFIX      read KTAP output (a guest console, another test's
#                          output) on stdin, print its result lines numbered
#                          on from ours, PREFIX before each name, and count
#                          them; sets KTAP_RELAYED to the number of them
#   ktap_renumber          stdin to stdout, result lines numbered on from
#                          ours (no counting: output of a subshell that
#                          counted already)
#   ktap_totals            "# Totals: pass:X fail:Y skip:Z", then the
#                          closing "X passed, Y failed" (", Z skipped" when
#                          there are any) that tests/check.sh reads; returns
#                          1 when a check failed
KTAP_NUM=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_RELAYED=0
KTAP_WHY=""

# shellcheck disable=SC2120  # the plan is optional
ktap_header() {
	echo "KTAP version 1"
	[ -z "${1:-}" ] || echo "1..$1"
}

ktap_diag() {
	local l
	while IFS= read -r l; do
		echo "# $l"
	done <<<"$*"
}

# _ktap_line RESULT NAME [DIRECTIVE-AND-REASON]
_ktap_line() {
	local first
	KTAP_NUM=$((KTAP_NUM + 1))
	if [ -z "${3:-}" ]; then
		echo "$1 $KTAP_NUM ${2//#/%23}"
		return 0
	fi
	first=${3%%$'\n'*}
	[ "$first" = "$3" ] || ktap_diag "${3#*$'\n'}"
	echo "$1 $KTAP_NUM ${2//#/%23} # $first"
}

ktap_why() {
	KTAP_WHY="$*"
	return 1
}

ktap_check() {
	local name=$1
	shift
	KTAP_WHY=""
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name" "${KTAP_WHY:-$* failed}"; fi
}

ktap_ok() {
	KTAP_PASS=$((KTAP_PASS + 1))
	_ktap_line ok "$1"
}

ktap_fail() {
	KTAP_FAIL=$((KTAP_FAIL + 1))
	_ktap_line "not ok" "$1" "${2:-failed}"
}

ktap_skip() {
	KTAP_SKIP=$((KTAP_SKIP + 1))
	_ktap_line ok "$1" "SKIP ${2:-}"
}

ktap_result() {
	if [ "$2" = ok ]; then ktap_ok "$1"; else ktap_fail "$1" "$2"; fi
}

# _ktap_parse LINE: split a result line into _KO (ok, not ok), _KR (the
# same, or skip for a SKIP directive), _KN
# (its name) and _KD (what follows " # ", if anything); 1 if not a result.
_ktap_parse() {
	local re='^(ok|not ok) [0-9]+( (.*))?$' rest
	[[ $1 =~ $re ]] || return 1
	_KR=${BASH_REMATCH[1]}
	_KO=$_KR
	rest=${BASH_REMATCH[3]}
	_KN=${rest%% # *}
	_KD=""
	[ "$_KN" = "$rest" ] || _KD=${rest#* # }
	if [[ $_KD =~ ^[Ss][Kk][Ii][Pp]([[:space:]]|$) ]]; then
		_KR=skip
	fi
	return 0
}

ktap_relay() {
	local line
	KTAP_RELAYED=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		_ktap_parse "$line" || continue
		KTAP_RELAYED=$((KTAP_RELAYED + 1))
		case "$_KR" in
		ok) KTAP_PASS=$((KTAP_PASS + 1)) ;;
		skip) KTAP_SKIP=$((KTAP_SKIP + 1)) ;;
		*) KTAP_FAIL=$((KTAP_FAIL + 1)) ;;
		esac
		KTAP_NUM=$((KTAP_NUM + 1))
		echo "$_KO $KTAP_NUM $1$_KN${_KD:+ # $_KD}"
	done
}

ktap_renumber() {
	local line
	while IFS= read -r line; do
		if _ktap_parse "$line"; then
			KTAP_NUM=$((KTAP_NUM + 1))
			echo "$_KO $KTAP_NUM $_KN${_KD:+ # $_KD}"
		else
			echo "$line"
		fi
	done
}

ktap_totals() {
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	if [ "$KTAP_SKIP" -gt 0 ]; then
		echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	else
		echo "$KTAP_PASS passed, $KTAP_FAIL failed"
	fi
	[ "$KTAP_FAIL" -eq 0 ]
}
