# shellcheck shell=bash
# Sourced by scripts/backup and scripts/restore (which set -euo pipefail): where the
# PostgreSQL client tools are, and secrets given as NAME_FILE.
#
# The same rule as scripts/services: the highest major under /usr/lib/postgresql wins,
# because Debian puts only version-switching wrappers on PATH, and pg_dump must be at
# least as new as the server it dumps. EXECORA_PGBIN overrides the search (a directory
# holding pg_dump, pg_restore and psql); PATH is the last resort.

# pg_tool NAME: prints the path of NAME (pg_dump, pg_restore, psql) or fails.
pg_tool() {
  local d
  if [[ -n ${EXECORA_PGBIN:-} ]]; then
    [[ -x $EXECORA_PGBIN/$1 ]] || { echo "$EXECORA_PGBIN/$1 not found (EXECORA_PGBIN)" >&2; return 1; }
    echo "$EXECORA_PGBIN/$1"
    return 0
  fi
  while read -r d; do
    if [[ -x $d/$1 ]]; then echo "$d/$1"; return 0; fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
  command -v "$1" && return 0
  echo "$1 not found: install the PostgreSQL client (apt-get install postgresql-client)" >&2
  return 1
}

# load_secret NAME: sets NAME from NAME_FILE when only the file is given, as execora does.
load_secret() {
  local file_var=$1_FILE
  if [[ -z ${!1:-} && -n ${!file_var:-} ]]; then
    printf -v "$1" '%s' "$(<"${!file_var}")"
    export "${1?}"
  fi
}
