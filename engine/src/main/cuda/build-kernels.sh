#!/usr/bin/env bash
# Builds the CUDA kernels into a fatbin packaged as a class-path resource, and records ptxas's
# registers / shared memory / spills per kernel and architecture. Run by the engine's Maven
# build (generate-resources); without nvcc it says so and succeeds, so machines without the
# CUDA toolkit still build (the jar then has no fatbin and the CUDA path reports it missing).
#   build-kernels.sh SRC_DIR TARGET_DIR CLASSES_DIR
set -euo pipefail
src_dir=$1
target_dir=$2
classes_dir=$3
src="$src_dir/gantry_kernels.cu"
out_dir="$classes_dir/dev/gantry/engine/backend/cuda"
fatbin="$out_dir/gantry_kernels.fatbin"
report_dir="$target_dir/cuda"
log="$report_dir/ptxas.log"
report="$report_dir/ptxas-report.tsv"

nvcc=$(command -v nvcc || true)
for candidate in /usr/local/cuda/bin/nvcc /usr/local/bin/nvcc; do
  if [[ -z "$nvcc" && -x "$candidate" ]]; then nvcc=$candidate; fi
done
if [[ -z "$nvcc" ]]; then
  echo "[gantry] nvcc not found (PATH, /usr/local/cuda/bin, /usr/local/bin): CUDA kernels were NOT rebuilt; the jar carries no gantry_kernels.fatbin"
  exit 0
fi
mkdir -p "$out_dir" "$report_dir"
if [[ -f "$fatbin" && -f "$report" && "$fatbin" -nt "$src" && "$fatbin" -nt "$0" ]]; then
  cp "$report" "$out_dir/ptxas-report.tsv" # CudaDevice checks launch shapes against it at run time
  echo "[gantry] CUDA kernels up to date: $fatbin (report $report)"
  exit 0
fi
# sm_80 (A100) and sm_90 (H100/H200) machine code, plus compute_90 PTX for newer GPUs to JIT.
# -Xptxas -v makes ptxas print, per architecture and kernel, registers, shared memory and spills;
# -warn-spills + -Werror fails the build on register spills. Not -warn-lmem-usage: RoPE's double
# cos/sin keeps a 40-byte stack frame for its huge-argument reduction path, reported below.
"$nvcc" -fatbin -O3 -Werror all-warnings -Xptxas -v,-warn-spills \
  -gencode arch=compute_80,code=sm_80 \
  -gencode "arch=compute_90,code=[sm_90,compute_90]" \
  -o "$fatbin.tmp" "$src" 2> "$log" || { cat "$log" >&2; echo "[gantry] nvcc failed on $src" >&2; exit 1; }
mv "$fatbin.tmp" "$fatbin"
# ptxas -v prints "Compiling entry function 'NAME' for 'sm_XX'" then "Used N registers, ... M bytes smem".
awk '
  # POSIX awk (mawk has no capture groups): the matched text with the strip pattern removed.
  function field(line, re, strip,   t) { if (!match(line, re)) return ""; t = substr(line, RSTART, RLENGTH); gsub(strip, "", t); return t }
  BEGIN { OFS = "\t"; print "arch", "kernel", "registers", "static_smem_bytes", "stack_frame_bytes", "spill_stores_bytes", "spill_loads_bytes" }
  /Compiling entry function/ { kernel = field($0, "function .[A-Za-z0-9_]+.", "function |\047"); arch = field($0, "for .sm_[0-9a-z]+.", "for |\047") }
  /spill stores/ && kernel != "" { fr = field($0, "[0-9]+ bytes stack frame", "[^0-9]"); st = field($0, "[0-9]+ bytes spill stores", "[^0-9]"); ld = field($0, "[0-9]+ bytes spill loads", "[^0-9]") }
  /Used [0-9]+ registers/ {
    smem = field($0, "[0-9]+ bytes smem", "[^0-9]")
    if (kernel != "") print arch, kernel, field($0, "Used [0-9]+ registers", "[^0-9]"), smem + 0, fr + 0, st + 0, ld + 0
    kernel = ""; fr = 0; st = 0; ld = 0
  }' "$log" > "$report"
kernels=$(($(wc -l < "$report") - 1))
if [[ $kernels -le 0 ]]; then
  echo "[gantry] nvcc built $fatbin but no ptxas report lines were parsed from $log" >&2
  exit 1
fi
cp "$report" "$out_dir/ptxas-report.tsv" # CudaDevice checks launch shapes against it at run time
echo "[gantry] CUDA kernels built: $fatbin ($(wc -c < "$fatbin") bytes); ptxas report ($kernels kernel x arch rows): $report"
column -t -s $'\t' "$report" 2>/dev/null || cat "$report"
