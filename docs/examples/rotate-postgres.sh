#!/bin/sh
# rotate-postgres.sh: a tresor rotator that changes a PostgreSQL role's
# password. Copy it into your repository (e.g. ops/rotate-postgres.sh) and
# name it in the signed policy, pinned by its SHA-256 (sha256sum FILE):
#
#   settings:
#     rotators:
#       pg-app: {run: [sh, ops/rotate-postgres.sh, user=app, host=db.internal, dbname=app, sslmode=verify-full],
#                timeout: 30s, sha256: <64 hex digits>}
#
# tresor runs it with the NEW password on stdin and the CURRENT one on file
# descriptor 3. It logs in as the role itself with the current password,
# runs ALTER ROLE CURRENT_USER PASSWORD with the new one, and checks that
# the new one logs in. It is idempotent: when the current password is
# refused but the new one logs in (an earlier run changed it, then failed or
# was killed before tresor recorded it), it exits 0, so `tresor rotate NAME
# --resume` finishes the rotation.
#
# Arguments are libpq settings as KEY=VALUE: user (the role, required),
# host, port, dbname, sslmode, sslrootcert, connect_timeout. Those not given
# come from the usual PG* environment variables (PGHOST, ...).
#
# The passwords never appear in argv: psql gets them in its environment
# (PGPASSWORD, and TRESOR_PG_NEW, which psql's \getenv reads into a variable
# that :'pw' quotes), readable only by the same user and root. The server
# receives the new password in the ALTER ROLE statement, as with any client:
# use TLS (sslmode=verify-full) across a network, and keep statement logging
# off for the role (a superuser can run ALTER ROLE app SET log_statement =
# 'none'; and log_min_error_statement = 'panic' so a refused statement is
# not logged either). Needs psql 15 or newer (\getenv) and a POSIX sh.
set -eu

me=rotate-postgres
fail() {
	echo "$me: $*" >&2
	exit 1
}

for arg in "$@"; do
	case $arg in
	user=*) PGUSER=${arg#*=} ;;
	host=*) PGHOST=${arg#*=} ;;
	port=*) PGPORT=${arg#*=} ;;
	dbname=*) PGDATABASE=${arg#*=} ;;
	sslmode=*) PGSSLMODE=${arg#*=} ;;
	sslrootcert=*) PGSSLROOTCERT=${arg#*=} ;;
	connect_timeout=*) PGCONNECT_TIMEOUT=${arg#*=} ;;
	*)
		echo "$me: unknown argument ${arg%%=*} (give user=, host=, port=, dbname=, sslmode=, sslrootcert=, connect_timeout=)" >&2
		exit 2
		;;
	esac
done
[ -n "${PGUSER:-}" ] || fail "give the role as user=ROLE"
export PGUSER PGHOST PGPORT PGDATABASE PGSSLMODE PGSSLROOTCERT
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
export PGPASSFILE=/dev/null # only the passwords tresor gives count
unset PGPASSWORD TRESOR_PG_NEW

version=$(psql --version 2>/dev/null | sed -n 's/^psql (PostgreSQL) \([0-9][0-9]*\).*/\1/p')
[ "${version:-0}" -ge 15 ] || fail "needs psql 15 or newer (for \\getenv), found: ${version:-no psql}"

# The values, byte for byte (a trailing newline survives the "x" guard).
new=$(
	cat
	echo x
)
new=${new%x}
(: <&3) 2>/dev/null || fail "no current password on file descriptor 3 (run it through tresor rotate)"
current=$(
	cat <&3
	echo x
)
current=${current%x}
exec 3<&-
[ -n "$new" ] || fail "no new password on stdin"
[ -n "$current" ] || fail "no current password on file descriptor 3 (run it through tresor rotate)"

# Errors stay terse: psql's full report can quote the statement, which
# holds the new password.
psql_run() { # $1: password to log in with; SQL on stdin
	PGPASSWORD=$1 TRESOR_PG_NEW=$new psql -X -w -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=terse -v SHOW_CONTEXT=never -f -
}

logs_in() { # $1: password; psql's error in $login_err
	login_err=$(printf 'SELECT 1;\n' | psql_run "$1" 2>&1 >/dev/null)
}

if err=$(
	psql_run "$current" 2>&1 >/dev/null <<'SQL'
\getenv pw TRESOR_PG_NEW
ALTER ROLE CURRENT_USER PASSWORD :'pw';
SQL
); then
	logs_in "$new" || fail "changed the password of role $PGUSER, but the new one does not log in: $login_err"
	echo "$me: changed the password of role $PGUSER" >&2
	exit 0
fi
if logs_in "$new"; then
	echo "$me: role $PGUSER already has the new password (an earlier run changed it)" >&2
	exit 0
fi
fail "could not change the password of role $PGUSER: $err (and the new password does not log in either: $login_err)"
