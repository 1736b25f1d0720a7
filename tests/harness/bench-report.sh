#!/bin/bash
# tests/harness/bench-report.sh DIR KERNEL...: the report of a `make bench` run.
# Reads DIR/KERNEL.console.log (the guest's @@BENCH lines) and .meta files;
# writes DIR/raw.tsv (every figure), DIR/stats.tsv (median, min, max per
# contender, operation and size), DIR/bench.md (the tables: times, ratios to
# the contenders of the same run with the performance targets (docs/performance.md), time per GiB,
# interference) and DIR/bench.png (gnuplot: time per GiB against size).
# Prints the markdown.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

DIR=${1:?usage: bench-report.sh DIR KERNEL...}
shift
[ $# -gt 0 ] || die "bench-report.sh: name the kernels"
need_pkg gnuplot-nox

# raw.tsv: kernel layout col gib who op rep ms (col: "2", "8x4", ...)
for k in "$@"; do
	tr -d '\r' <"$DIR/$k.console.log" | awk -v k="$k" '
	/^@@BENCH / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		col = v["layout"] == "single" ? v["gib"] : v["gib"] "x" v["ranges"]
		print k "\t" v["layout"] "\t" col "\t" v["gib"] "\t" v["who"] "\t" v["op"] "\t" v["rep"] "\t" v["ms"]
	}'
done >"$DIR/raw.tsv"

# Derived per repetition: what a user waits on from devdax/unbound to online
# memory and back (bind+online; unplug+unbind), summed within one repetition.
awk -F'\t' '
{ key = $1 FS $2 FS $3 FS $4 FS $5; r = $7; t[key, r, $6] = $8; keys[key] = 1; reps[key, r] = 1; print }
END {
	for (kr in reps) {
		split(kr, a, SUBSEP); key = a[1]; r = a[2]; split(key, f, FS); who = f[5]
		if (who == "ours" || who == "ours_wr" || who == "kmem") {
			bo = t[key, r, "bind_online"]
			uu = ((key, r, "unplug") in t && (key, r, "unbind") in t) ? t[key, r, "unplug"] + t[key, r, "unbind"] : ""
		} else if (who == "shell") {
			bo = ((key, r, "bind") in t && (key, r, "online") in t) ? t[key, r, "bind"] + t[key, r, "online"] : ""
			uu = ((key, r, "offline") in t && (key, r, "unbind") in t) ? t[key, r, "offline"] + t[key, r, "unbind"] : ""
		} else if (who == "daxctl") {
			bo = t[key, r, "system_ram"]; uu = t[key, r, "devdax"]
		} else continue
		if (bo != "") print key FS "bind+online" FS r FS bo
		if (uu != "") print key FS "unplug+unbind" FS r FS uu
	}
}' "$DIR/raw.tsv" | sort -t"$(printf '\t')" -k1,1 -k2,2 -k3,3 -k5,5 -k6,6 -k7,7n >"$DIR/all.tsv"

# stats.tsv: kernel layout col gib who op n median min max
sort -t"$(printf '\t')" -k1,1 -k2,2 -k3,3 -k5,5 -k6,6 -k8,8g "$DIR/all.tsv" | awk -F'\t' '
function flush() {
	if (n) print pk FS n FS (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) FS v[1] FS v[n]
	n = 0
}
{ k = $1 FS $2 FS $3 FS $4 FS $5 FS $6; if (k != pk) { flush(); pk = k } v[++n] = $8 }
END { flush() }' >"$DIR/stats.tsv"

# ratio_stats KERNEL COL OP_A WHO_A OP_B WHO_B: per-repetition ratios A/B of
# the same run: "median min max n", or nothing
ratio_stats() {
	awk -F'\t' -v k="$1" -v c="$2" -v oa="$3" -v wa="$4" -v ob="$5" -v wb="$6" '
	$1 == k && $3 == c && $2 != "interf" {
		if ($5 == wa && $6 == oa) a[$7] = $8
		if ($5 == wb && $6 == ob) b[$7] = $8
	}
	END { for (r in a) if ((r in b) && b[r] > 0) print a[r] / b[r] }' "$DIR/all.tsv" | sort -g | awk '
	{ v[++n] = $1 }
	END { if (n) printf "%.2f %.2f %.2f %d\n", (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[1], v[n], n }'
}

# cell KERNEL COL WHO OP: "median (min–max)" in ms
cell() {
	awk -F'\t' -v k="$1" -v c="$2" -v w="$3" -v o="$4" '
	$1 == k && $3 == c && $5 == w && $6 == o && $2 != "interf" { printf "%.0f (%.0f–%.0f)", $8, $9, $10; found = 1 }
	END { if (!found) printf "–" }' "$DIR/stats.tsv"
}

# per_gib KERNEL COL WHO OP: median ms/GiB
per_gib() {
	awk -F'\t' -v k="$1" -v c="$2" -v w="$3" -v o="$4" '
	$1 == k && $3 == c && $5 == w && $6 == o && $2 == "single" { printf "%.1f", $8 / $4 }' "$DIR/stats.tsv"
}

meta() {
	[ -e "$DIR/$1.meta" ] || return 0
	sed -n "s/.*\<$2=\([^ ]*\).*/\1/p" "$DIR/$1.meta" | head -n 1
}

KERNELS=("$@")
COLS_SINGLE=$(awk -F'\t' '$2 == "single" {print $3}' "$DIR/stats.tsv" | sort -un | tr '\n' ' ')
COLS_MULTI=$(awk -F'\t' '$2 ~ /^multi/ {print $3}' "$DIR/stats.tsv" | sort -u | tr '\n' ' ')
read -r -a SINGLE <<<"$COLS_SINGLE"
read -r -a MULTIC <<<"$COLS_MULTI"
COLS=("${SINGLE[@]}" "${MULTIC[@]}")
SMALL="" LARGE=""
if [ ${#SINGLE[@]} -gt 0 ]; then
	SMALL=${SINGLE[0]}
	LARGE=${SINGLE[${#SINGLE[@]} - 1]}
fi

colname() { case "$1" in *x*) echo "${1%x*} GiB, ${1#*x} ranges" ;; *) echo "$1 GiB" ;; esac; }

# Operations shown, in order: "WHO OP label"
ROWS=(
	"ours bind bind (probe, policy offline)"
	"ours online_movable unplugged → online_movable"
	"ours unplug_from_online_movable online_movable → unplugged"
	"ours online_kernel unplugged → online_kernel"
	"ours unplug_from_online_kernel online_kernel → unplugged"
	"ours online unplugged → online"
	"ours unplug_from_online online → unplugged"
	"ours bind_online bind, policy online_movable (probe + online)"
	"ours bind+online bind+online (= the above)"
	"ours unplug+unbind unplug+unbind (online_movable → unplugged, unbind)"
	"ours_wr unplug_from_online_movable online_movable → unplugged, kernel's offline_and_remove_memory()"
	"ours_wr unplug_from_online_kernel online_kernel → unplugged, the same"
	"ours_wr unplug_from_online online → unplugged, the same"
	"ours_wr unplug+unbind unplug+unbind, the same"
	"kmem bind bind (probe, policy offline)"
	"kmem online_movable unplugged → online_movable"
	"kmem unplug_from_online_movable online_movable → unplugged"
	"kmem online_kernel unplugged → online_kernel"
	"kmem unplug_from_online_kernel online_kernel → unplugged"
	"kmem online unplugged → online"
	"kmem unplug_from_online online → unplugged"
	"kmem bind_online bind, policy online_movable (probe + online)"
	"kmem bind+online bind+online (= the above)"
	"kmem unplug+unbind unplug+unbind (online_movable → unplugged, unbind)"
	"shell bind bind kmem (policy offline: add)"
	"shell online loop: online_movable > memoryN/state"
	"shell offline loop: offline > memoryN/state"
	"shell unbind unbind kmem (remove)"
	"shell bind+online bind+online (bind + loop)"
	"shell unplug+unbind unplug+unbind (loop + unbind)"
	"daxctl bind+online reconfigure-device --mode=system-ram"
	"daxctl unplug+unbind reconfigure-device --mode=devdax --force"
)

has() { awk -F'\t' -v k="$1" -v w="$2" '$1 == k && $5 == w {f = 1} END {exit !f}' "$DIR/stats.tsv"; }

# mark VALUE LIMIT: ✓ when VALUE <= LIMIT
mark() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l ? "✓" : "✗") }'; }

report() {
	local k kver accel reps rss w op label row c a b
	echo "# make bench: results"
	echo
	echo "Generated by \`tests/bench.sh\` ($(date -u +%Y-%m-%d) UTC, run took $(sed -n 's/^total=//p' "$DIR/run.meta" 2>/dev/null || echo '?') s)."
	echo "Times are wall-clock in the guest (sysfs-write -t for one write(2), the"
	echo "monotonic clock around shell loops and daxctl), in ms: median (min–max) over"
	echo "the repetitions. Under TCG, time is emulated: compare contenders of one"
	echo "kernel (same boot, same device layout, taking turns in every repetition),"
	echo "not absolute figures. Ratios are the median of the per-repetition ratios"
	echo "(min–max)."
	for k in "${KERNELS[@]}"; do
		kver=$(meta "$k" kver)
		accel=$(meta "$k" accel)
		rss=$(meta "$k" qemu_maxrss_kb)
		reps=$(awk -F'\t' -v k="$k" '$1 == k {print $7}' "$DIR/stats.tsv" | sort -n | tail -n 1)
		echo
		echo "## $kver"
		echo
		echo "QEMU ${accel:-?}, 2 vCPUs, guest $(meta "$k" guest_gib) GiB (node 1: dax range $(meta "$k" dax_gib) GiB + 2 GiB RAM), $reps repetitions;"
		echo "host memory: QEMU max RSS $(awk -v r="$rss" 'BEGIN { if (r + 0) printf "%.1f GiB", r / 1048576; else print "?" }')."
		echo "Memory blocks of 128 MiB (8 per GiB); the policy (\`auto_online_blocks\`) is"
		echo "offline except where a row says otherwise."
		echo
		printf '| contender | operation |'
		for c in "${COLS[@]}"; do printf ' %s |' "$(colname "$c")"; done
		printf ' ms/GiB %s → %s GiB |\n' "$SMALL" "$LARGE"
		printf '|---|---|'
		for c in "${COLS[@]}"; do printf -- '---|'; done
		printf -- '---|\n'
		for row in "${ROWS[@]}"; do
			read -r w op label <<<"$row"
			has "$k" "$w" || continue
			printf '| %s | %s |' "$w" "$label"
			for c in "${COLS[@]}"; do printf ' %s |' "$(cell "$k" "$c" "$w" "$op")"; done
			a=$(per_gib "$k" "$SMALL" "$w" "$op")
			b=$(per_gib "$k" "$LARGE" "$w" "$op")
			if [ -n "$a" ] && [ -n "$b" ]; then
				printf ' %s → %s (%s) |\n' "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "×%.2f", b / a }')"
			else
				printf ' – |\n'
			fi
		done
		echo
		echo "Ratios (same run, per repetition):"
		echo
		printf '| ratio | target |'
		for c in "${COLS[@]}"; do printf ' %s |' "$(colname "$c")"; done
		printf '\n|---|---|'
		for c in "${COLS[@]}"; do printf -- '---|'; done
		printf '\n'
		line() {
			local label=$1 target=$2 oa=$3 wa=$4 ob=$5 wb=$6 c s
			has "$k" "$wa" && has "$k" "$wb" || return 0
			printf '| %s | %s |' "$label" "${target:-–}"
			for c in "${COLS[@]}"; do
				s=$(ratio_stats "$k" "$c" "$oa" "$wa" "$ob" "$wb")
				if [ -z "$s" ]; then printf ' – |'; continue; fi
				read -r ratio a b _ <<<"$s"
				if [ -n "$target" ]; then
					printf ' %s (%s–%s) %s |' "$ratio" "$a" "$b" "$(mark "$ratio" "${target#≤ }")"
				else
					printf ' %s (%s–%s) |' "$ratio" "$a" "$b"
				fi
			done
			printf '\n'
		}
		for op in online_movable online_kernel online unplug_from_online_movable \
			unplug_from_online_kernel unplug_from_online bind bind_online; do
			line "ours / 7.3 kmem: $op" "≤ 1.1" "$op" ours "$op" kmem
		done
		for op in unplug_from_online_movable unplug_from_online_kernel unplug_from_online; do
			line "ours with offline_and_remove_memory() / ours block by block: $op" "" "$op" ours_wr "$op" ours
		done
		line "ours / shell loop: bind+online" "≤ 0.5" bind+online ours bind+online shell
		line "ours / shell loop: unplug+unbind" "≤ 0.5" unplug+unbind ours unplug+unbind shell
		line "ours (unplugged → online_movable) / shell loop: bind+online" "" online_movable ours bind+online shell
		line "7.3 kmem / shell loop: bind+online" "" bind+online kmem bind+online shell
		line "7.3 kmem / shell loop: unplug+unbind" "" unplug+unbind kmem unplug+unbind shell
		line "ours / daxctl: bind+online" "" bind+online ours bind+online daxctl
		line "ours / daxctl: unplug+unbind" "" unplug+unbind ours unplug+unbind daxctl
		line "shell loop / daxctl: bind+online" "" bind+online shell bind+online daxctl
		echo
		interference "$k"
		trace_table "$k"
	done
	echo
	echo "![time per GiB against size](bench.png)"
}

# interference KERNEL: writer waits while a big transition runs
interference() {
	local k=$1 gib
	tr -d '\r' <"$DIR/$k.console.log" | awk '/^@@BENCH-LAT /' >"$DIR/$k.lat"
	[ -s "$DIR/$k.lat" ] || return 0
	gib=$(sed -n '1s/.* gib=\([0-9]*\) .*/\1/p' "$DIR/$k.lat")
	echo "Interference: while dax0.0 ($gib GiB) makes a transition, a loop offlines and"
	echo "onlines one block of dax0.1 (1 GiB, in-kernel kmem) with memoryN/state and times"
	echo "each write (all repetitions pooled; ms):"
	echo
	echo "| contender | transition | transition ms | writes timed | writer wait median | worst |"
	echo "|---|---|---|---|---|---|"
	awk -v k="$k" '
	{
		for (i = 2; i <= NF && $i != "ms="; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		key = v["who"] " " v["op"]
		if (!(key in seen)) { seen[key] = 1; order[++no] = key }
		for (i++; i <= NF; i++) print key "\t" $i
	}' "$DIR/$k.lat" | sort -t"$(printf '\t')" -k1,1 -k2,2g | awk -F'\t' '
	function flush() {
		if (n) print pk "\t" n "\t" (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) "\t" v[n]
		n = 0
	}
	{ if ($1 != pk) { flush(); pk = $1 } v[++n] = $2 }
	END { flush() }' >"$DIR/$k.latstats"
	while IFS=$'\t' read -r key n med worst; do
		read -r w op <<<"$key"
		local t="–" top=$op
		case "$w/$op" in
		none/idle) top="(none: the loop alone)" ;;
		shell/online) t=$(cell_op "$k" shell i_online); top="bind done; loop online_movable" ;;
		shell/offline) t=$(cell_op "$k" shell i_offline); top="loop offline" ;;
		*/online_movable) t=$(cell_op "$k" "$w" i_online_movable); top="unplugged → online_movable" ;;
		*/unplug) t=$(cell_op "$k" "$w" i_unplug); top="online_movable → unplugged" ;;
		esac
		printf '| %s | %s | %s | %s | %.1f | %.0f |\n' "$w" "$top" "$t" "$n" "$med" "$worst"
	done < <(sort -k1,1 "$DIR/$k.latstats")
}

# trace_table KERNEL: where the time goes, from the @@TRACE lines of the
# one traced run of each kind (function_graph: the figures include its
# overhead; compare shares, not times)
trace_table() {
	local k=$1
	tr -d '\r' <"$DIR/$k.console.log" | awk '/^@@TRACE /' >"$DIR/$k.trace"
	[ -s "$DIR/$k.trace" ] || return 0
	echo
	echo "Where the time goes: one run of each at $(sed -n '1s/.* gib=\([0-9]*\) .*/\1/p' "$DIR/$k.trace") GiB with ftrace's function_graph on the"
	echo "hotplug functions (ms, inclusive; tracing adds its own overhead). *add*: add_memory_driver_managed"
	echo "(vmemmap_populate: allocating and, with Debian's init_on_alloc=1, zeroing the struct pages);"
	echo "*online*: the blocks' memory_subsys_online (memmap init = memmap_init_range; zone resize = the rest"
	echo "of move_pfn_range_to_zone, which re-checks the contiguity of the whole zone for every block; free ="
	echo "pages to the buddy allocator); *offline*: memory_subsys_offline (isolate = start_isolate_page_range);"
	echo "*remove*: try_remove_memory; *outside*: the wall time minus add, online, offline and remove"
	echo "(user space, sysfs, our own code; 7.3's kmem onlines inside its add)."
	echo
	echo "| contender | operation | wall | add | vmemmap_populate | online | memmap init | zone resize | free | offline | isolate | remove | outside | zone resize per block (µs) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk -v k="$k" '
	FNR == NR {
		if ($1 == k && $2 == "trace") wall[$5 " " $6] = $8
		next
	}
	{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		key = v["who"] " " v["op"]
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		us[key, v["fn"]] = v["us"]
		hits[key, v["fn"]] = v["hits"]
	}
	function ms(key, f) { return (key, f) in us ? sprintf("%.0f", us[key, f] / 1000) : "–" }
	function get(key, f) { return (key, f) in us ? us[key, f] : 0 }
	END {
		# the @@BENCH op of each traced operation
		bop["ours online_movable"] = "ours online_movable"; bop["kmem online_movable"] = "kmem online_movable"
		bop["ours unplug"] = "ours unplug_from_online_movable"; bop["kmem unplug"] = "kmem unplug_from_online_movable"
		bop["shell bind"] = "shell bind"; bop["shell online"] = "shell online"
		bop["shell offline"] = "shell offline"; bop["shell unbind"] = "shell unbind"
		for (j = 1; j <= n; j++) {
			key = order[j]; split(key, a, " ")
			add = (key, "__add_memory_driver_managed") in us ? "__add_memory_driver_managed" : "add_memory_driver_managed"
			w = wall[bop[key]]
			# the kernel work: add (7.3 kmem onlines inside it) + online +
			# offline + remove, which do not nest otherwise
			kus = get(key, add) + get(key, "memory_subsys_offline") + get(key, "try_remove_memory")
			if (a[1] != "kmem") kus += get(key, "memory_subsys_online")
			out = w != "" ? sprintf("%.0f", w - kus / 1000) : "–"
			# move_pfn_range_to_zone = memmap_init_range + the zone resize
			# and contiguity re-check, which walks the whole zone
			zr = "–"; zb = "–"
			if ((key, "move_pfn_range_to_zone") in us && (key, "memmap_init_range") in us) {
				z = us[key, "move_pfn_range_to_zone"] - us[key, "memmap_init_range"]
				zr = sprintf("%.0f", z / 1000)
				zb = sprintf("%.0f", z / hits[key, "move_pfn_range_to_zone"])
			}
			printf "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", a[1], a[2], w,
				ms(key, add), ms(key, "vmemmap_populate"), ms(key, "memory_subsys_online"),
				ms(key, "memmap_init_range"), zr, ms(key, "generic_online_page"),
				ms(key, "memory_subsys_offline"), ms(key, "start_isolate_page_range"),
				ms(key, "try_remove_memory"), out, zb
		}
	}' "$DIR/raw.tsv" "$DIR/$k.trace"
}

# cell_op KERNEL WHO OP: "median (min–max)" ms of an interference-run operation
cell_op() {
	awk -F'\t' -v k="$1" -v w="$2" -v o="$3" '
	$1 == k && $2 == "interf" && $5 == w && $6 == o { printf "%.0f (%.0f–%.0f)", $8, $9, $10 }' "$DIR/stats.tsv"
}

# ---- the plot: ms/GiB against size, one panel per kernel and direction ----
plot() {
	local k series w op title f n=0 gp="$DIR/bench.gp" panel
	local -a plots
	{
		echo "set terminal pngcairo size 1400,$((560 * ${#KERNELS[@]})) font 'sans,10' noenhanced"
		echo "set output '$DIR/bench.png'"
		echo "set multiplot layout ${#KERNELS[@]},2"
		echo "set logscale x 2"
		echo "set xlabel 'device size (GiB)'"
		echo "set ylabel 'ms per GiB (median, min–max)'"
		echo "set key top left box opaque font ',8' noenhanced"
		echo "set xtics ($(echo "${SINGLE[*]}" | tr ' ' ','))"
		echo "set xrange [$(awk -v a="$SMALL" 'BEGIN { print a / 1.3 }'):$(awk -v a="$LARGE" 'BEGIN { print a * 1.3 }')]"
		echo "set grid"
		echo "set yrange [0:*]"
	} >"$gp"
	for k in "${KERNELS[@]}"; do
		for panel in online unplug; do
			plots=()
			if [ $panel = online ]; then
				series="ours:online_movable ours:bind+online kmem:online_movable kmem:bind+online shell:bind+online shell:online daxctl:bind+online"
			else
				series="ours:unplug_from_online_movable ours:unplug+unbind kmem:unplug_from_online_movable kmem:unplug+unbind shell:unplug+unbind shell:offline daxctl:unplug+unbind"
			fi
			for s in $series; do
				w=${s%%:*} op=${s#*:}
				f="$DIR/plot-$k-$w-$op.dat"
				awk -F'\t' -v k="$k" -v w="$w" -v o="$op" '
				$1 == k && $2 == "single" && $5 == w && $6 == o { print $4, $8 / $4, $9 / $4, $10 / $4 }' \
					"$DIR/stats.tsv" | sort -n >"$f"
				[ -s "$f" ] || continue
				title="$w $op"
				plots+=("'$f' using 1:2:3:4 with yerrorlines title '$title'")
				n=$((n + 1))
			done
			echo "set title '$(meta "$k" kver): $([ $panel = online ] && echo 'bind / online' || echo 'unplug / offline')'" >>"$gp"
			if [ ${#plots[@]} -gt 0 ]; then
				(IFS=,; echo "plot ${plots[*]}") >>"$gp"
			fi
		done
	done
	echo "unset multiplot" >>"$gp"
	gnuplot "$gp"
}

report >"$DIR/bench.md"
plot
cat "$DIR/bench.md"
