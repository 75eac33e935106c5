#!/bin/sh
# Copies the front-end files the pages load from node_modules/ (installed by `npm ci` from package-lock.json) to
# core/static/vendor/, the app's own static files (the CSP allows only 'self'). Used by .ci/setup and the Dockerfile.
#   sh vendor.sh [TARGET]     TARGET defaults to ../static/vendor next to this folder
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-"$here/../static/vendor"}
modules="$here/node_modules"
kern="$modules/@kern-ux/native"
rm -rf "$target/kern"
mkdir -p "$target/kern/fonts/fira-sans"
# KERN UX: one stylesheet (components, grid, utilities) and its font, Fira Sans, with only the weights it names
cp "$kern/dist/kern.min.css" "$kern/LICENSE.md" "$target/kern/"
cp "$kern/dist/fonts/fira-sans.css" "$target/kern/fonts/"
for font in $(sed -n 's|.*url("\./fira-sans/\([A-Za-z-]*\.woff2\)").*|\1|p' "$kern/dist/fonts/fira-sans.css"); do
  cp "$kern/dist/fonts/fira-sans/$font" "$target/kern/fonts/fira-sans/"
done
# htmx for pages that update in part
cp "$modules/htmx.org/dist/htmx.min.js" "$target/"
cp "$modules/htmx.org/LICENSE" "$target/htmx.LICENSE"
# the browser tests inject axe-core from node_modules/ (a dev dependency, never served)
echo "vendored into $target"
