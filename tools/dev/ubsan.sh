#!/bin/sh
# Builds the CPU addon with -fsanitize=undefined (abort on the first report) in a scratch copy
# of the tracked sources and runs mocha test files against it:
#   tools/dev/ubsan.sh [dist/test/NN.name.test.js ...]     (default: the int32 tests, test/28)
# The working tree's own build/ and dist/ are left alone. Not part of the addon build. A full
# build of all three ISAs at -O1 takes several minutes on two cores.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${TF_UBSAN_DIR:-${TMPDIR:-/tmp}/tf_ubsan}
mkdir -p "$dir"
cd "$root"
# Tracked and new (unignored) files, so uncommitted work is what gets checked. Only files that
# differ are copied: the others keep their times, so a second run rebuilds incrementally.
git ls-files --cached --others --exclude-standard | while IFS= read -r f; do
  if [ -f "$f" ] && ! cmp -s "$f" "$dir/$f"; then cp --parents "$f" "$dir"; fi
done
[ -e "$dir/node_modules" ] || ln -s "$root/node_modules" "$dir/node_modules"
cd "$dir"
node -e '
  const fs = require("fs");
  const g = JSON.parse(fs.readFileSync("binding.gyp", "utf8"));
  const flags = g.variables.tf_cflags.filter((f) => !/^-O/.test(f));
  g.variables.tf_cflags = ["-O1", "-g", "-fsanitize=undefined", "-fno-sanitize-recover=all", ...flags];
  const addon = g.targets.find((t) => t.target_name === "tensorforge");
  addon.ldflags = [...(addon.ldflags || []), "-fsanitize=undefined"];
  fs.writeFileSync("binding.gyp", JSON.stringify(g, null, 2));
'
[ -f build/config.gypi ] || npx node-gyp configure
npx node-gyp build
npx tsc -p .
[ $# -eq 0 ] && set -- dist/test/28.int32.test.js
npx mocha --no-config --require dist/test/hooks.js --timeout 300000 --node-option expose-gc "$@"
