# scripts/packages.sh — sourced by scripts/setup and scripts/bench:
#   install_missing_packages PKG...   installs the Debian packages of the
#                                     list that are not installed yet (as
#                                     root, or through sudo when not root)
# Only real package names: a virtual one never shows as installed.

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "$(basename "$0"): need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

install_missing_packages() {
  local p status missing=()
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  echo "$(basename "$0"): installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update
  as_root apt-get install -y --no-install-recommends "${missing[@]}"
}
