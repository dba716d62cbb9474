#!/usr/bin/env bash
# .ci/mariadb.sh - a throwaway MariaDB server for Sunshine's tests, without systemd.
#
# Needs the Debian packages mariadb-server and mariadb-client (.ci/run installs them).
#
# Developers, from the repo root:
#   eval "$(bash .ci/mariadb.sh start)"        # start a server, export SUNSHINE_TEST_MYSQL_DSN & co.
#   go test ./...
#   bash .ci/mariadb.sh stop "$SUNSHINE_MARIADB_DIR"   # stop it and delete its temp dir
#   bash .ci/mariadb.sh status [DIR]           # is it answering?
#   bash .ci/mariadb.sh env [DIR]              # print the export lines again
#   (DIR defaults to $SUNSHINE_MARIADB_DIR.)  A shell that did not eval can use: . DIR/env
#
# From another bash script (this is what .ci/run does):
#   source .ci/mariadb.sh
#   sunshine_mariadb_start || exit 1   # sets and exports the variables below in this shell
#   ...
#   sunshine_mariadb_stop              # stops the server ($SUNSHINE_MARIADB_DIR) and removes its dir
#
# What `start` does:
#   * mktemp -d (under $TMPDIR or /tmp) -> DIR with data/, mysqld.sock, mariadbd.pid,
#     mariadbd.err (error log), binlog.*, and env (the export lines);
#   * mariadb-install-db into DIR/data (root@localhost authenticates by unix socket);
#   * mariadbd in the background (--user=root when run as root) on 127.0.0.1, on the first
#     free port from $SUNSHINE_MARIADB_BASE_PORT (default 33306), with binary logging on
#     (ROW format, server-id 1), log_bin_trust_function_creators=1 (so a non-SUPER user
#     can create triggers with binlog on), skip-name-resolve, utf8mb4, 256M buffer pool,
#     max_connections=500; waits at most $SUNSHINE_MARIADB_START_TIMEOUT s (default 60);
#   * creates 'sunshine'@'127.0.0.1' and 'sunshine'@'localhost' (ALL PRIVILEGES ON *.*
#     WITH GRANT OPTION) and the database sunshine_test;
#   * checks a TCP login as sunshine, prints the version and that @@log_bin is 1.
#   Progress goes to stderr as short "==>" lines; stdout gets only the export lines.
#
# Variables exported by start:
#   SUNSHINE_TEST_MYSQL_DSN   sunshine:<pw>@tcp(127.0.0.1:<port>)/sunshine_test?parseTime=true
#   SUNSHINE_MARIADB_DIR SUNSHINE_MARIADB_SOCKET SUNSHINE_MARIADB_PORT
#   SUNSHINE_MARIADB_USER SUNSHINE_MARIADB_PASSWORD SUNSHINE_MARIADB_ADMIN_USER
# Knobs: SUNSHINE_MARIADB_BASE_PORT, SUNSHINE_MARIADB_START_TIMEOUT,
#   SUNSHINE_MARIADB_PASSWORD (default: random hex), SUNSHINE_MARIADB_EXTRA_ARGS (extra
#   mariadbd flags, split on spaces).
#
# Manual SQL as admin: mariadb --no-defaults --socket="$SUNSHINE_MARIADB_SOCKET" -u"$SUNSHINE_MARIADB_ADMIN_USER"

# mariadbd and friends live in /usr/sbin on Debian.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

_smdb_log() { echo "==> mariadb: $*" >&2; }

# True if something accepts TCP connections on 127.0.0.1:$1.
_smdb_port_busy() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True if $1 is the pid of a live mariadbd (or mysqld) process.
_smdb_is_mariadbd() {
    local pid=$1 comm
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0 # no /proc: trust kill -0
    case "$comm" in mariadbd | mysqld) return 0 ;; *) return 1 ;; esac
}

# Pid of the server whose files are in DIR (pid file first, then the pid we launched).
_smdb_pid() {
    local dir=$1 pid f
    for f in "$dir/mariadbd.pid" "$dir/launch.pid"; do
        [ -s "$f" ] || continue
        pid=$(tr -dc 0-9 <"$f")
        if _smdb_is_mariadbd "$pid"; then echo "$pid"; return 0; fi
    done
    return 1
}

# Run the mariadb client as the admin user over the socket of DIR: _smdb_sql DIR [args...]
_smdb_sql() {
    local dir=$1; shift
    local user=root
    [ "$(id -u)" -eq 0 ] || user=$(id -un)
    mariadb --no-defaults --socket="$dir/mysqld.sock" -u"$user" --connect-timeout=10 "$@"
}

sunshine_mariadb_start() {
    local b
    for b in mariadbd mariadb-install-db mariadb mariadb-admin; do
        if ! command -v "$b" >/dev/null 2>&1; then
            _smdb_log "missing $b: apt-get install mariadb-server mariadb-client"
            return 1
        fi
    done

    # Unix socket paths must stay short (about 107 bytes), so fall back to /tmp.
    local base="${TMPDIR:-/tmp}"
    [ "${#base}" -le 60 ] && [ -d "$base" ] && [ -w "$base" ] || base=/tmp
    local dir
    dir=$(mktemp -d "$base/sunshine-mariadb.XXXXXX") || { _smdb_log "mktemp failed"; return 1; }
    chmod 755 "$dir"
    : >"$dir/.sunshine-mariadb" # marks the dir as ours, so stop only ever deletes such dirs
    mkdir -p "$dir/data" "$dir/tmp"
    # Set at once, so a caller's EXIT trap can clean up even if start is interrupted.
    export SUNSHINE_MARIADB_DIR="$dir"
    local sock="$dir/mysqld.sock"

    local -a userarg=()
    local adminuser=root
    if [ "$(id -u)" -eq 0 ]; then
        userarg=(--user=root)
    else
        adminuser=$(id -un)
        userarg=(--auth-root-socket-user="$adminuser")
    fi

    _smdb_log "install-db into $dir/data"
    if ! mariadb-install-db --no-defaults --datadir="$dir/data" "${userarg[@]}" \
        --auth-root-authentication-method=socket --skip-test-db \
        >"$dir/install-db.log" 2>&1 </dev/null; then
        _smdb_log "mariadb-install-db failed:"
        tail -n 30 "$dir/install-db.log" >&2
        sunshine_mariadb_stop "$dir"
        return 1
    fi
    [ "$(id -u)" -eq 0 ] || userarg=()

    local port="${SUNSHINE_MARIADB_BASE_PORT:-33306}" last=$((${SUNSHINE_MARIADB_BASE_PORT:-33306} + 50))
    local timeout="${SUNSHINE_MARIADB_START_TIMEOUT:-60}"
    local -a extra=()
    # shellcheck disable=SC2206 # word splitting intended
    [ -n "${SUNSHINE_MARIADB_EXTRA_ARGS:-}" ] && extra=($SUNSHINE_MARIADB_EXTRA_ARGS)
    local pid="" up="" deadline
    while [ "$port" -le "$last" ]; do
        if _smdb_port_busy "$port"; then
            _smdb_log "port $port is busy, trying $((port + 1))"
            port=$((port + 1))
            continue
        fi
        _smdb_log "starting mariadbd on 127.0.0.1:$port (socket $sock)"
        rm -f "$dir/mariadbd.pid" "$dir/launch.pid"
        mariadbd --no-defaults \
            --datadir="$dir/data" --tmpdir="$dir/tmp" \
            --socket="$sock" --pid-file="$dir/mariadbd.pid" --log-error="$dir/mariadbd.err" \
            "${userarg[@]}" \
            --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
            --log-bin="$dir/binlog" --server-id=1 --binlog-format=ROW \
            --log-bin-trust-function-creators=1 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
            --max-connections=500 \
            "${extra[@]}" \
            </dev/null >>"$dir/mariadbd.out" 2>&1 &
        pid=$!
        echo "$pid" >"$dir/launch.pid"

        deadline=$((SECONDS + timeout))
        up=""
        while [ "$SECONDS" -lt "$deadline" ]; do
            if mariadb-admin --no-defaults --socket="$sock" -u"$adminuser" \
                --connect-timeout=2 ping >/dev/null 2>&1; then
                up=1
                break
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.3
        done
        [ -n "$up" ] && break

        if ! kill -0 "$pid" 2>/dev/null &&
            grep -qiE 'address already in use|Do you already have another' "$dir/mariadbd.err" 2>/dev/null; then
            _smdb_log "port $port was taken meanwhile, trying $((port + 1))"
            : >"$dir/mariadbd.err"
            port=$((port + 1))
            continue
        fi
        if kill -0 "$pid" 2>/dev/null; then
            _smdb_log "mariadbd did not answer within ${timeout}s; error log:"
        else
            _smdb_log "mariadbd exited during startup; error log:"
        fi
        tail -n 40 "$dir/mariadbd.err" >&2 2>/dev/null
        sunshine_mariadb_stop "$dir"
        return 1
    done
    if [ -z "$up" ]; then
        _smdb_log "no free port in ${SUNSHINE_MARIADB_BASE_PORT:-33306}..$last"
        sunshine_mariadb_stop "$dir"
        return 1
    fi

    local pw="${SUNSHINE_MARIADB_PASSWORD:-}"
    if [ -z "$pw" ]; then
        pw="pw$(od -An -N12 -tx1 /dev/urandom | tr -dc 0-9a-f)"
    fi
    local qpw=${pw//\\/\\\\}
    qpw=${qpw//\'/\\\'}
    _smdb_log "creating user sunshine@127.0.0.1 / sunshine@localhost and database sunshine_test"
    if ! _smdb_sql "$dir" </dev/null -e "
        CREATE USER 'sunshine'@'127.0.0.1' IDENTIFIED BY '$qpw';
        CREATE USER 'sunshine'@'localhost' IDENTIFIED BY '$qpw';
        GRANT ALL PRIVILEGES ON *.* TO 'sunshine'@'127.0.0.1' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO 'sunshine'@'localhost' WITH GRANT OPTION;
        CREATE DATABASE sunshine_test CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
        FLUSH PRIVILEGES;" >&2; then
        _smdb_log "creating the user/database failed"
        sunshine_mariadb_stop "$dir"
        return 1
    fi

    # Check what the tests will use: TCP login as sunshine.
    local info version logbin
    if ! info=$(MYSQL_PWD="$pw" mariadb --no-defaults -h127.0.0.1 -P"$port" -usunshine \
        --connect-timeout=10 -N -B -e 'SELECT VERSION(), @@log_bin' sunshine_test </dev/null); then
        _smdb_log "TCP login as sunshine@127.0.0.1:$port failed"
        sunshine_mariadb_stop "$dir"
        return 1
    fi
    version=$(cut -f1 <<<"$info")
    logbin=$(cut -f2 <<<"$info")
    _smdb_log "server version $version, @@log_bin=$logbin, pid $(_smdb_pid "$dir")"
    if [ "$logbin" != 1 ]; then
        _smdb_log "binary logging is not on (@@log_bin=$logbin)"
        sunshine_mariadb_stop "$dir"
        return 1
    fi

    export SUNSHINE_MARIADB_SOCKET="$sock"
    export SUNSHINE_MARIADB_PORT="$port"
    export SUNSHINE_MARIADB_USER=sunshine
    export SUNSHINE_MARIADB_PASSWORD="$pw"
    export SUNSHINE_MARIADB_ADMIN_USER="$adminuser"
    export SUNSHINE_TEST_MYSQL_DSN="sunshine:$pw@tcp(127.0.0.1:$port)/sunshine_test?parseTime=true"
    local v
    for v in SUNSHINE_TEST_MYSQL_DSN SUNSHINE_MARIADB_DIR SUNSHINE_MARIADB_SOCKET \
        SUNSHINE_MARIADB_PORT SUNSHINE_MARIADB_USER SUNSHINE_MARIADB_PASSWORD \
        SUNSHINE_MARIADB_ADMIN_USER; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done >"$dir/env"
    _smdb_log "ready: SUNSHINE_TEST_MYSQL_DSN=$SUNSHINE_TEST_MYSQL_DSN"
    return 0
}

# sunshine_mariadb_stop [DIR]: stop the server of DIR (default $SUNSHINE_MARIADB_DIR), delete DIR.
sunshine_mariadb_stop() {
    local dir="${1:-${SUNSHINE_MARIADB_DIR:-}}"
    if [ -z "$dir" ]; then
        _smdb_log "stop: give the server dir, or set SUNSHINE_MARIADB_DIR"
        return 1
    fi
    dir="${dir%/}"
    if [ ! -d "$dir" ]; then
        _smdb_log "stop: $dir is gone already"
        return 0
    fi
    if [ ! -e "$dir/.sunshine-mariadb" ]; then
        _smdb_log "stop: $dir was not made by .ci/mariadb.sh, leaving it alone"
        return 1
    fi
    local pid i adminuser=root
    [ "$(id -u)" -eq 0 ] || adminuser=$(id -un)
    if pid=$(_smdb_pid "$dir"); then
        _smdb_log "stopping mariadbd (pid $pid)"
        timeout 60 mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -u"$adminuser" \
            --connect-timeout=5 shutdown </dev/null >/dev/null 2>&1
        for ((i = 0; i < 300; i++)); do # up to 30 s
            _smdb_is_mariadbd "$pid" || break
            sleep 0.1
        done
        if _smdb_is_mariadbd "$pid"; then
            _smdb_log "mariadbd $pid still running, sending SIGTERM"
            kill -TERM "$pid" 2>/dev/null
            for ((i = 0; i < 150; i++)); do # up to 15 s
                _smdb_is_mariadbd "$pid" || break
                sleep 0.1
            done
        fi
        if _smdb_is_mariadbd "$pid"; then
            _smdb_log "mariadbd $pid still running, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            sleep 0.5
        fi
    fi
    # Reap it if it is our own child (start and stop in the same shell, as in .ci/run).
    if [ -s "$dir/launch.pid" ]; then
        wait "$(tr -dc 0-9 <"$dir/launch.pid")" 2>/dev/null
    fi
    rm -rf -- "$dir"
    [ "${SUNSHINE_MARIADB_DIR:-}" = "$dir" ] && unset SUNSHINE_MARIADB_DIR
    _smdb_log "stopped, removed $dir"
    return 0
}

_smdb_main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
    start)
        sunshine_mariadb_start || return 1
        cat "$SUNSHINE_MARIADB_DIR/env"
        _smdb_log "stop it with: bash .ci/mariadb.sh stop $SUNSHINE_MARIADB_DIR"
        ;;
    stop)
        sunshine_mariadb_stop "$@"
        ;;
    status)
        local dir="${1:-${SUNSHINE_MARIADB_DIR:-}}"
        [ -n "$dir" ] || { _smdb_log "status: give the server dir"; return 1; }
        local user=root
        [ "$(id -u)" -eq 0 ] || user=$(id -un)
        if mariadb-admin --no-defaults --socket="${dir%/}/mysqld.sock" -u"$user" \
            --connect-timeout=2 ping >&2; then
            return 0
        fi
        return 1
        ;;
    env)
        local dir="${1:-${SUNSHINE_MARIADB_DIR:-}}"
        if [ -z "$dir" ] || [ ! -r "${dir%/}/env" ]; then
            _smdb_log "env: no env file"
            return 1
        fi
        cat "${dir%/}/env"
        ;;
    *)
        echo "usage: bash .ci/mariadb.sh start | stop [DIR] | status [DIR] | env [DIR]" >&2
        # shellcheck disable=SC2016 # literal text
        echo '  e.g. eval "$(bash .ci/mariadb.sh start)"; ...; bash .ci/mariadb.sh stop "$SUNSHINE_MARIADB_DIR"' >&2
        return 2
        ;;
    esac
}

# Run as a command only when executed, not when sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _smdb_main "$@"
    exit $?
fi
