#!/usr/bin/env bash
# Proves that the examples and the README's complete programs can be pasted
# into a user's own module: each examples/*/main.go and each ```go block of
# README.md that starts with `package main` goes into its own package of a
# scratch module outside the repo (module example.com/scratch, with a replace
# pointing at this checkout), which is tidied, vetted, built, and run.
# An import of an internal/ package fails the check by name (go build would
# refuse it too, less clearly).
#
#   .ci/scratch-module.sh            KEEP_SCRATCH=1 keeps the temp dir
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd -P)
module=github.com/ssecors/ssecors-go

fail() { printf 'scratch-module: %s\n' "$*" >&2; exit 1; }

scratch=$(mktemp -d)
scratch=$(cd "$scratch" && pwd -P)
if [ "${KEEP_SCRATCH:-}" = 1 ]; then
  echo "scratch module kept at $scratch"
else
  trap 'rm -rf "$scratch"' EXIT
fi
case "$scratch/" in "$repo/"*) fail "temp dir $scratch is inside the repo $repo (set TMPDIR)" ;; esac

goversion=$(awk '$1 == "go" { print $2; exit }' "$repo/go.mod")
cat >"$scratch/go.mod" <<MOD
module example.com/scratch

go $goversion

require $module v0.0.0

replace $module => $repo
MOD

# Each program gets its own directory; sources records where it came from.
declare -A sources=()

for src in "$repo"/examples/*/main.go; do
  [ -e "$src" ] || continue
  name=example-$(basename "$(dirname "$src")")
  mkdir -p "$scratch/$name"
  cp "$src" "$scratch/$name/main.go"
  sources[$name]=${src#"$repo"/}
done

# README: a fenced ```go block whose first non-blank line is `package main`
# is a complete program. Its directory is named for the fence's line number.
if [ -f "$repo/README.md" ]; then
  awk -v out="$scratch" '
    function flush() {
      if (prog) { close(file) }
      inblock = 0; prog = 0; started = 0
    }
    !inblock && /^[ \t]*```go[ \t]*$/ {
      inblock = 1; prog = 0; started = 0; start = NR
      match($0, /^[ \t]*/); indent = RLENGTH
      next
    }
    inblock && /^[ \t]*```[ \t]*$/ { flush(); next }
    inblock {
      line = substr($0, 1, indent) ~ /^[ \t]*$/ ? substr($0, indent + 1) : $0
      if (!started && line ~ /^[ \t]*$/) { next }
      if (!started) {
        started = 1
        if (line ~ /^package main([ \t]|$)/) {
          prog = 1
          dir = out "/readme-line" start
          system("mkdir -p \"" dir "\"")
          file = dir "/main.go"
        }
      }
      if (prog) { print line > file }
    }
  ' "$repo/README.md"
  for dir in "$scratch"/readme-line*; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    sources[$name]="README.md:${name#readme-line} (the \`\`\`go fence)"
  done
fi

total=${#sources[@]}
[ "$total" -gt 0 ] || fail "no examples/*/main.go and no README program found"
echo "programs: $total"
for name in $(printf '%s\n' "${!sources[@]}" | sort); do
  echo "  $name  <- ${sources[$name]}"
done

# The check a user would hit: no internal/ imports, named by file.
bad=0
for name in $(printf '%s\n' "${!sources[@]}" | sort); do
  if hits=$(grep -nE '^[[:space:]]*(import[[:space:]]+)?([[:alnum:]_.]+[[:space:]]+)?"[^"]*/internal(/[^"]*)?"' "$scratch/$name/main.go"); then
    echo "scratch-module: ${sources[$name]} imports an internal package, which a user's module cannot import:" >&2
    printf '%s\n' "$hits" | sed 's/^/    line /' >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || fail "use only public packages in examples and README programs"

cd "$scratch"
export GOFLAGS=-mod=mod GOWORK=off
hint="(directories map to sources as listed above)"
echo "go mod tidy"
timeout 300 go mod tidy || fail "go mod tidy failed in the scratch module $hint"
echo "go vet ./..."
timeout 300 go vet ./... || fail "go vet failed in the scratch module $hint"
echo "go build ./..."
mkdir -p "$scratch/bin"
timeout 300 go build -o "$scratch/bin/" ./... || fail "go build failed in the scratch module $hint"

failed=()
ran=0
for name in $(printf '%s\n' "${!sources[@]}" | sort); do
  log="$scratch/$name.log"
  ran=$((ran + 1))
  if timeout 120 "$scratch/bin/$name" >"$log" 2>&1; then
    echo "ok    $name"
  else
    code=$?
    echo "FAIL  $name (${sources[$name]}): exit $code$([ "$code" = 124 ] && echo ', timed out after 120s')"
    tail -20 "$log" | sed 's/^/    /'
    failed+=("$name")
  fi
done

echo "built $total programs, ran $ran, $((ran - ${#failed[@]})) exited 0"
[ "${#failed[@]}" = 0 ] || fail "${#failed[@]} program(s) failed: ${failed[*]}"
