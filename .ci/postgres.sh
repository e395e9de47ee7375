# shellcheck shell=bash
# Starts a local PostgreSQL for the postgres provider's server tests and exports
# VECTORNATOR_TEST_DATABASE_URL. Meant to be sourced (`source .ci/postgres.sh`), as root or with sudo.
#
# - Installs Debian's `postgresql` only when no server is installed (fast when it is).
# - Uses the newest installed major version's `main` cluster (creating it if missing), on 127.0.0.1.
# - Idempotent: re-running it restarts nothing that is running and resets the test role's password.
# - Debian ships no pgvector package, so this server has none: the tests assert the provider's
#   full-text fallback and its notice there.
# Returns non-zero (and exports nothing) when the server cannot be brought up.

_vn_pg_log() { printf '[postgres.sh] %s\n' "$*" >&2; }

# Runs a command as the postgres OS user.
_vn_pg_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres -- "$@"; fi
}

_vn_pg_setup() {
  local cluster=main role=vectornator password=vectornator db=vectornator_test version port status i

  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    _vn_pg_log "installing Debian's postgresql"
    local sudo=''
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null ||
      { _vn_pg_log 'apt-get install postgresql failed'; return 1; }
  fi

  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  [ -n "$version" ] || { _vn_pg_log 'no PostgreSQL version under /usr/lib/postgresql'; return 1; }
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    _vn_pg_log "creating cluster $version/$cluster"
    pg_createcluster "$version" "$cluster" >/dev/null || return 1
  fi

  read -r port status < <(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3, $4 }')
  if [ "$status" != online ]; then
    pg_ctlcluster "$version" "$cluster" start || { _vn_pg_log "pg_ctlcluster $version $cluster start failed"; return 1; }
  fi
  for i in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    [ "$i" = 50 ] && { _vn_pg_log "PostgreSQL did not accept connections on 127.0.0.1:$port"; return 1; }
    sleep 0.2
  done

  # A plain (non-superuser) role owning its database: what a hosted PostgreSQL usually gives.
  _vn_pg_as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || return 1
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN PASSWORD '$password';
  ELSE
    ALTER ROLE $role LOGIN PASSWORD '$password';
  END IF;
END \$\$;
SQL
  if ! _vn_pg_as_postgres psql -tA -p "$port" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    _vn_pg_as_postgres createdb -p "$port" -O "$role" "$db" || return 1
  fi

  export VECTORNATOR_TEST_DATABASE_URL="postgres://$role:$password@127.0.0.1:$port/$db"
  _vn_pg_log "PostgreSQL $version on 127.0.0.1:$port, database $db (VECTORNATOR_TEST_DATABASE_URL exported)"
}

_vn_pg_setup
_vn_pg_status=$?
unset -f _vn_pg_setup _vn_pg_log _vn_pg_as_postgres
# `return` when sourced; `exit` when run as a script (then the export is lost: source it instead).
return "$_vn_pg_status" 2>/dev/null || exit "$_vn_pg_status"
