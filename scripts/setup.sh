#!/usr/bin/env bash
# `npm run setup` (or `bash scripts/setup.sh`): everything a fresh machine needs to run edge-sso
# and its tests. Safe to run again: apt and npm skip what is already in place.
#   1. Debian packages the tests use (apt-get; sudo when not root; skipped with a message when
#      this is not a Debian/Ubuntu system).
#   2. npm packages: `npm ci` when package-lock.json matches package.json, else `npm install`;
#      kept as they are when node_modules is already complete and up to date.
#      Node 22 comes with them (the `node` devDependency), so always run things through npm.
# Flags: --ci  always `npm ci` (fail instead of updating the lock); --no-apt  skip step 1.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
apt=1
for arg in "$@"; do
  case "$arg" in
    --ci) ci=1 ;;
    --no-apt) apt=0 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (use --ci, --no-apt or --help)" >&2; exit 2 ;;
  esac
done

# Chromium for the browser tests; Flask, PyJWT and cryptography for the Flask kit; Authlib and
# requests for the OIDC relying-party example; aiosmtpd, the local SMTP catcher, and openssl for
# its test certificate (the Python packages are seen by /usr/bin/python3, which the tests use);
# slapd and ldap-utils for the directory tests; a font so the browser tests render text.
PACKAGES=(chromium python3-flask python3-jwt python3-cryptography python3-authlib python3-requests python3-aiosmtpd openssl slapd ldap-utils fonts-dejavu-core python3-pysaml2 xmlsec1 python3-onelogin-saml2)

install_debian_packages() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: installing Debian packages needs root or sudo. As root, run:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "Installing Debian packages: ${PACKAGES[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  # slapd is preseeded so that the package sets up no system directory (the tests run their own
  # slapd on a free loopback port).
  echo 'slapd slapd/no_configuration boolean true' | "${sudo[@]}" debconf-set-selections
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

if [ "$apt" -eq 0 ]; then
  echo "Skipping Debian packages (--no-apt). The tests need: ${PACKAGES[*]}"
elif command -v apt-get >/dev/null 2>&1 && command -v debconf-set-selections >/dev/null 2>&1; then
  install_debian_packages
else
  echo "Not a Debian/Ubuntu system (no apt-get): skipping system packages."
  echo "'npm run dev' needs none of them; 'npm test' needs the equivalents of these Debian packages:"
  echo "  ${PACKAGES[*]}"
  echo "(Chromium at /usr/bin/chromium; the Python packages importable by /usr/bin/python3.)"
fi

# npm packages, exactly as locked when the lock matches package.json. Outside CI, an install that
# is already complete and newer than both files is kept (npm ci would delete and redo it).
npm_installed() {
  [ -f node_modules/.package-lock.json ] &&
    [ ! node_modules/.package-lock.json -ot package-lock.json ] &&
    [ ! node_modules/.package-lock.json -ot package.json ] &&
    npm ls --depth=0 >/dev/null 2>&1
}
if [ "$ci" -eq 1 ]; then
  npm ci --no-audit --no-fund
elif npm_installed; then
  echo "npm packages already installed and up to date (node_modules)."
elif [ -f package-lock.json ] && npm ci --no-audit --no-fund; then
  :
else
  echo "package-lock.json is missing or does not match package.json: running npm install instead."
  npm install --no-audit --no-fund
fi

echo
echo "Set-up done. Next: 'npm run dev' (the worker on http://localhost:8787 with a seeded demo) or 'npm test'."
