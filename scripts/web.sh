#!/usr/bin/env bash
# Builds the provisioning web page into web/dist/ (docs/web.md):
#   1. the wasm client crate (crates/web, package uniprov-web) for wasm32-unknown-unknown with the
#      `wasm` profile (release, LTO, one codegen unit, panic = abort: Cargo.toml);
#   2. wasm-bindgen --target web into web/dist/pkg/ (the CLI's version must equal the
#      wasm-bindgen crate's in Cargo.lock: installed with `cargo install` when missing or different);
#   3. wasm-opt -Oz when binaryen is installed (skipped with a note otherwise);
#   4. the static files (index.html, style.css, *.js of web/) copied beside it;
#   5. raw and gzipped sizes per file and in total; fails above the 300 KB gzipped budget.
# Usage: scripts/web.sh            (UNIPROV_WEB_BUDGET_KB overrides the budget, in KB of 1000 bytes)
set -euo pipefail
cd "$(dirname "$0")/.."

budget_kb=${UNIPROV_WEB_BUDGET_KB:-300}
dist=web/dist
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

echo "== web: cargo build -p uniprov-web --target wasm32-unknown-unknown --profile wasm"
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "== web: adding the rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
cargo build -p uniprov-web --target wasm32-unknown-unknown --profile wasm
wasm="$target/wasm32-unknown-unknown/wasm/uniprov_web.wasm"
[ -f "$wasm" ] || { echo "web: $wasm was not built" >&2; exit 1; }

# The bindgen CLI must match the crate exactly (the generated glue and the wasm's custom section
# are versioned together).
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || { echo "web: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "== web: installing wasm-bindgen-cli $want (found: ${have:-none})"
  # Without --locked: the registry mirror may lack the newest versions of its dependencies.
  cargo install wasm-bindgen-cli --version "$want"
fi

rm -rf "$dist"
mkdir -p "$dist/pkg"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# wasm-opt runs on rustc's module, before wasm-bindgen: binaryen 108 (Debian 12) rewrites the
# export of the externref table that wasm-bindgen adds into the function table's, which makes
# the glue fail at start ("WebAssembly.Table.set(): Argument 1 is invalid for table").
input="$work/uniprov_web.wasm"
cp "$wasm" "$input"
optimised=no
if command -v wasm-opt >/dev/null 2>&1; then
  echo "== web: $(wasm-opt --version) -Oz"
  # Recent rustc emits these post-MVP features by default; wasm-opt must be told it may keep them.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$wasm" -o "$input"
  optimised=yes
else
  echo "== web: wasm-opt not found (Debian package binaryen): the module is not size-optimised"
fi

bindgen() {
  echo "== web: wasm-bindgen $want --target web"
  rm -rf "$dist/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$dist/pkg" "$1"
}

# Loads the module in Node as the page does (wasm-bindgen's initSync) and calls version().
smoke() {
  command -v node >/dev/null 2>&1 || return 0
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { pathToFileURL } from "node:url";
    const dir = process.argv[1];
    const pkg = await import(pathToFileURL(`${dir}/uniprov_web.js`));
    pkg.initSync({ module: readFileSync(`${dir}/uniprov_web_bg.wasm`) });
    console.log(`== web: the module loads (uniprov ${pkg.version()})`);
  ' "$dist/pkg"
}

bindgen "$input"
if ! smoke; then
  [ "$optimised" = yes ] || { echo "web: the module does not load" >&2; exit 1; }
  echo "== web: the wasm-opt output does not load: using the unoptimised module"
  bindgen "$wasm"
  smoke
fi

for file in web/index.html web/style.css web/*.js; do
  cp "$file" "$dist/"
done

echo "== web: sizes (bytes; gzip -9)"
total_raw=0
total_gz=0
while IFS= read -r file; do
  raw=$(wc -c <"$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '  %-32s %9d %9d\n' "${file#"$dist"/}" "$raw" "$gz"
done < <(find "$dist" -type f | sort)
printf '  %-32s %9d %9d  (budget %d KB gzipped)\n' total "$total_raw" "$total_gz" "$budget_kb"
if [ "$total_gz" -gt $((budget_kb * 1000)) ]; then
  echo "web: the page is $total_gz bytes gzipped, over the ${budget_kb} KB budget" >&2
  exit 1
fi
echo "== web: built $dist"
