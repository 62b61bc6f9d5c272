#!/usr/bin/env bash
# Debian packages the test suite and the PDF features need and pip cannot provide:
# Chromium for the browser tests, fonts with Vietnamese glyphs, and Pango for WeasyPrint.
# Installs only what is missing; does nothing when everything is there.
set -euo pipefail

needed=()
[ -x /usr/bin/chromium ] || needed+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ] || needed+=(fonts-noto-core)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || needed+=(fonts-dejavu-core)
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  dpkg -s "$lib" >/dev/null 2>&1 || needed+=("$lib")
done

if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi

echo "==> installing Debian packages: ${needed[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "These Debian packages are missing and this user cannot install them: ${needed[*]}" >&2
  echo "Ask an administrator to run: apt-get install ${needed[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${needed[@]}" >/dev/null
