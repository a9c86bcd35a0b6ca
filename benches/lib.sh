# Shell helpers the bench scripts source (benches/chunks.sh,
# benches/components.sh): the simulated fileset they share, and timing.

# sim_fileset KINDRED N M: makes simN xM.{bed,bim,fam,pheno.tsv} (3
# subpopulations, 10 chromosomes, seed 1) in the current directory unless
# it is there; prints its prefix.
sim_fileset() {
  local kindred=$1 n=$2 m=$3
  if [ ! -s "sim${n}x${m}.bed" ]; then
    "$kindred" simulate --n-samples "$n" --n-variants "$m" --n-pops 3 --n-chrom 10 --seed 1 \
      --out "sim${n}x${m}" --quiet
  fi
  echo "sim${n}x${m}"
}

# timed CMD...: runs CMD (stdout dropped); prints its wall seconds and peak MB.
timed() {
  /usr/bin/time -f "%e %M" -o t.txt "$@" >/dev/null
  awk '{printf "%s %.0f\n", $1, $2 / 1024}' t.txt
}

# median: of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
