#!/usr/bin/env bash
# .ci/galera.sh - a throwaway 3-node MariaDB Galera cluster on loopback for Sunshine's
# tests, without systemd (issue 21: several writers on a multi-primary cluster).
#
# Needs the Debian packages mariadb-server, mariadb-client, galera-4 and rsync; as root
# it installs galera-4 and rsync with apt-get when dpkg-query says they are missing.
#
# Developers, from the repo root (make galera-test does all of this):
#   eval "$(bash .ci/galera.sh start)"     # start 3 nodes, export SUNSHINE_TEST_GALERA_DSNS & co.
#   go test -count=1 -run '^TestGaleraTwoWriters$' ./cmd/sunshine
#   bash .ci/galera.sh kill 3  [DIR]       # kill -9 node 3 (the cluster goes on with 2)
#   bash .ci/galera.sh start 3 [DIR]       # restart node 3: it rejoins by IST (or SST by rsync)
#   bash .ci/galera.sh status  [DIR]       # wsrep_cluster_size / state of every node
#   bash .ci/galera.sh env     [DIR]       # print the export lines again
#   bash .ci/galera.sh stop    [DIR]       # kill every node and delete DIR
#   bash .ci/galera.sh run CMD...          # start, run CMD with the variables exported, stop
#   (DIR defaults to $SUNSHINE_GALERA_DIR.)  A shell that did not eval can use: . DIR/env
#
# What `start` does:
#   * mktemp -d (under $TMPDIR or /tmp) -> DIR with node1/ node2/ node3/, each with data/,
#     tmp/, my.cnf, mysqld.sock, mariadbd.pid, mariadbd.err (error log), binlog.*, ports;
#   * picks 4 free loopback ports per node from $SUNSHINE_GALERA_BASE_PORT (default 34306):
#     SQL, group communication (Galera's 4567), IST (4568) and SST (4444);
#   * writes each node's my.cnf: wsrep_on=ON, libgalera_smm.so, gcomm:// of the 3 nodes,
#     binlog_format=ROW, log_bin, innodb_autoinc_lock_mode=2, wsrep_sst_method=rsync, the
#     durable settings innodb_flush_log_at_trx_commit=1 and sync_binlog=1,
#     log_bin_trust_function_creators=1 (a non-SUPER user may create triggers), a 64M
#     buffer pool and a 64M gcache (the machine is small);
#   * mariadb-install-db into node1, bootstraps node 1 (--wsrep-new-cluster), then starts
#     node 2 and node 3, which join by SST (rsync); waits until wsrep_cluster_size=3 and
#     every node is Synced (at most $SUNSHINE_GALERA_START_TIMEOUT s each, default 120);
#   * creates 'sunshine'@'127.0.0.1' / @'localhost' (ALL PRIVILEGES ... WITH GRANT OPTION)
#     and the database sunshine_test once, on node 1 (Galera replicates them);
#   * checks a TCP login as sunshine on every node.
#   Progress goes to stderr as short "==>" lines; stdout gets only the export lines.
#
# `kill N` sends SIGKILL to node N. `start N` runs mariadbd --wsrep-recover on its data to
# find the last committed position (as Debian's galera_recovery does under systemd), starts
# it with --wsrep-start-position, and waits until it is Synced in a 3-node cluster again.
#
# Variables exported by start:
#   SUNSHINE_TEST_GALERA_DSNS  dsn1,dsn2,dsn3: sunshine:<pw>@tcp(127.0.0.1:<port N>)/sunshine_test?parseTime=true
#   SUNSHINE_GALERA_DIR SUNSHINE_GALERA_SCRIPT (this file, absolute: the test calls kill/start)
#   SUNSHINE_GALERA_PORTS (the 3 SQL ports) SUNSHINE_GALERA_PASSWORD
# Knobs: SUNSHINE_GALERA_BASE_PORT, SUNSHINE_GALERA_START_TIMEOUT, SUNSHINE_GALERA_PASSWORD.
#
# Manual SQL on node N as admin: mariadb --no-defaults --socket="$SUNSHINE_GALERA_DIR/nodeN/mysqld.sock" -uroot

case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

_sgal_log() { echo "==> galera: $*" >&2; }

_sgal_self() {
    local s="${BASH_SOURCE[0]}"
    case "$s" in /*) ;; *) s="$PWD/$s" ;; esac
    echo "$s"
}

_sgal_port_busy() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_sgal_is_mariadbd() {
    local pid=$1 comm
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
    case "$comm" in mariadbd | mysqld) return 0 ;; *) return 1 ;; esac
}

# _sgal_pid NODEDIR: the pid of the node's live server.
_sgal_pid() {
    local nd=$1 pid f
    for f in "$nd/mariadbd.pid" "$nd/launch.pid"; do
        [ -s "$f" ] || continue
        pid=$(tr -dc 0-9 <"$f")
        if _sgal_is_mariadbd "$pid"; then echo "$pid"; return 0; fi
    done
    return 1
}

# As root the nodes run as mysql (as under systemd): rsync's SST daemon, started by the
# joining node, drops root for nobody, who could not write a root-owned datadir.
_sgal_run_user() {
    if [ "$(id -u)" -eq 0 ]; then
        if id mysql >/dev/null 2>&1; then echo mysql; else echo root; fi
    else
        id -un
    fi
}

_sgal_admin() { if [ "$(id -u)" -eq 0 ]; then echo root; else id -un; fi; }

# _sgal_sql NODEDIR [args...]: the mariadb client as admin over the node's socket.
_sgal_sql() {
    local nd=$1; shift
    mariadb --no-defaults --socket="$nd/mysqld.sock" -u"$(_sgal_admin)" --connect-timeout=5 "$@"
}

# _sgal_status_var NODEDIR NAME: the value of a global status variable, or nothing.
_sgal_status_var() {
    _sgal_sql "$1" -N -B -e "SHOW GLOBAL STATUS LIKE '$2'" </dev/null 2>/dev/null | cut -f2
}

_sgal_resolve_dir() {
    local dir="${1:-${SUNSHINE_GALERA_DIR:-}}"
    if [ -z "$dir" ]; then
        _sgal_log "give the cluster dir, or set SUNSHINE_GALERA_DIR"
        return 1
    fi
    dir="${dir%/}"
    if [ ! -e "$dir/.sunshine-galera" ]; then
        _sgal_log "$dir was not made by .ci/galera.sh"
        return 1
    fi
    echo "$dir"
}

# _sgal_ensure_packages: galera-4 and rsync, installed by apt-get when missing (as root).
_sgal_ensure_packages() {
    local missing=() p
    for p in galera-4 rsync; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
            _sgal_log "missing ${missing[*]}: apt-get install -y ${missing[*]} (as root)"
            return 1
        fi
        _sgal_log "apt-get install -y ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 || return 1
    fi
    local b
    for b in mariadbd mariadb-install-db mariadb mariadb-admin rsync wsrep_sst_rsync; do
        if ! command -v "$b" >/dev/null 2>&1; then
            _sgal_log "missing $b: apt-get install mariadb-server mariadb-client galera-4 rsync"
            return 1
        fi
    done
    if [ ! -e /usr/lib/galera/libgalera_smm.so ]; then
        _sgal_log "missing /usr/lib/galera/libgalera_smm.so: apt-get install galera-4"
        return 1
    fi
}

# _sgal_pick_ports: 12 free ports from the base port (SQL, gcomm, IST, SST per node).
_sgal_pick_ports() {
    local port="${SUNSHINE_GALERA_BASE_PORT:-34306}" last=$((${SUNSHINE_GALERA_BASE_PORT:-34306} + 400))
    local -a got=()
    while [ "${#got[@]}" -lt 12 ] && [ "$port" -le "$last" ]; do
        _sgal_port_busy "$port" || got+=("$port")
        port=$((port + 1))
    done
    [ "${#got[@]}" -eq 12 ] || return 1
    echo "${got[*]}"
}

# _sgal_write_cnf DIR N: node N's my.cnf from DIR/nodeN/ports and DIR/cluster.
_sgal_write_cnf() {
    local dir=$1 n=$2 nd="$1/node$2"
    local sql gcomm ist sst addr name
    read -r sql gcomm ist sst <"$nd/ports"
    read -r name addr <"$dir/cluster"
    local userline=""
    [ "$(id -u)" -eq 0 ] && userline="user=$(_sgal_run_user)"
    cat >"$nd/my.cnf" <<EOF
[mysqld]
$userline
datadir=$nd/data
tmpdir=$nd/tmp
socket=$nd/mysqld.sock
pid-file=$nd/mariadbd.pid
log-error=$nd/mariadbd.err
bind-address=127.0.0.1
port=$sql
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
max-connections=300
innodb_buffer_pool_size=64M
innodb_log_file_size=48M
innodb_flush_log_at_trx_commit=1
sync_binlog=1
log_bin=$nd/binlog
log_slave_updates=ON
server_id=$n
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
log_bin_trust_function_creators=1
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=$name
wsrep_cluster_address=gcomm://$addr
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$gcomm
wsrep_node_incoming_address=127.0.0.1:$sql
wsrep_provider_options="base_port=$gcomm;gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$ist;gcache.size=64M;gcs.fc_limit=64"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$sst
wsrep_slave_threads=2

[sst]
EOF
}

# _sgal_launch DIR N [mariadbd args...]: start node N in the background.
_sgal_launch() {
    local dir=$1 n=$2 nd="$1/node$2"
    shift 2
    rm -f "$nd/mariadbd.pid" "$nd/launch.pid"
    mariadbd --defaults-file="$nd/my.cnf" "$@" </dev/null >>"$nd/mariadbd.out" 2>&1 &
    echo $! >"$nd/launch.pid"
}

# _sgal_wait_synced DIR N: until node N answers, is Synced and sees 3 nodes.
_sgal_wait_synced() {
    local dir=$1 n=$2 nd="$1/node$2" timeout="${SUNSHINE_GALERA_START_TIMEOUT:-120}"
    local deadline=$((SECONDS + timeout)) lpid size state
    lpid=$(tr -dc 0-9 <"$nd/launch.pid" 2>/dev/null)
    while [ "$SECONDS" -lt "$deadline" ]; do
        size=$(_sgal_status_var "$nd" wsrep_cluster_size)
        state=$(_sgal_status_var "$nd" wsrep_local_state_comment)
        if [ "$size" = 3 ] && [ "$state" = Synced ]; then
            return 0
        fi
        if [ -n "$lpid" ] && ! kill -0 "$lpid" 2>/dev/null; then
            _sgal_log "node $n exited during startup; error log:"
            tail -n 40 "$nd/mariadbd.err" >&2 2>/dev/null
            return 1
        fi
        sleep 0.3
    done
    _sgal_log "node $n not Synced in a 3-node cluster within ${timeout}s (size=$size state=$state); error log:"
    tail -n 40 "$nd/mariadbd.err" >&2 2>/dev/null
    return 1
}

# _sgal_wait_primary DIR N: until node N answers and is Synced (the cluster may be smaller).
_sgal_wait_primary() {
    local dir=$1 n=$2 nd="$1/node$2" timeout="${SUNSHINE_GALERA_START_TIMEOUT:-120}"
    local deadline=$((SECONDS + timeout)) lpid
    lpid=$(tr -dc 0-9 <"$nd/launch.pid" 2>/dev/null)
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(_sgal_status_var "$nd" wsrep_local_state_comment)" = Synced ] &&
            [ "$(_sgal_status_var "$nd" wsrep_cluster_status)" = Primary ]; then
            return 0
        fi
        if [ -n "$lpid" ] && ! kill -0 "$lpid" 2>/dev/null; then
            _sgal_log "node $n exited during startup; error log:"
            tail -n 40 "$nd/mariadbd.err" >&2 2>/dev/null
            return 1
        fi
        sleep 0.3
    done
    _sgal_log "node $n did not become a Synced primary within ${timeout}s; error log:"
    tail -n 40 "$nd/mariadbd.err" >&2 2>/dev/null
    return 1
}

# _sgal_fail DIR: a start that failed shows the other nodes' logs, then stops the cluster
# (SUNSHINE_GALERA_KEEP=1 keeps DIR to look at).
_sgal_fail() {
    local dir=$1 n
    for n in 1 2 3; do
        [ -s "$dir/node$n/mariadbd.err" ] || continue
        _sgal_log "node $n error log (last 15 lines):"
        tail -n 15 "$dir/node$n/mariadbd.err" >&2
    done
    if [ "${SUNSHINE_GALERA_KEEP:-}" = 1 ]; then
        _sgal_log "SUNSHINE_GALERA_KEEP=1: left $dir as it is"
        return 0
    fi
    sunshine_galera_stop "$dir"
}

sunshine_galera_start() {
    _sgal_ensure_packages || return 1
    local base="${TMPDIR:-/tmp}"
    [ "${#base}" -le 50 ] && [ -d "$base" ] && [ -w "$base" ] || base=/tmp
    local dir
    dir=$(mktemp -d "$base/sunshine-galera.XXXXXX") || { _sgal_log "mktemp failed"; return 1; }
    chmod 755 "$dir"
    : >"$dir/.sunshine-galera"
    export SUNSHINE_GALERA_DIR="$dir"
    local began=$SECONDS

    local ports
    if ! ports=$(_sgal_pick_ports); then
        _sgal_log "not 12 free ports from ${SUNSHINE_GALERA_BASE_PORT:-34306}"
        _sgal_fail "$dir"
        return 1
    fi
    local -a p
    read -r -a p <<<"$ports"
    local n addr="" sqlports=()
    for n in 1 2 3; do
        mkdir -p "$dir/node$n/data" "$dir/node$n/tmp"
        local i=$(((n - 1) * 4))
        echo "${p[i]} ${p[i + 1]} ${p[i + 2]} ${p[i + 3]}" >"$dir/node$n/ports"
        addr+="${addr:+,}127.0.0.1:${p[i + 1]}"
        sqlports+=("${p[i]}")
    done
    echo "sunshine-$(basename "$dir" | tr -dc 'A-Za-z0-9') $addr" >"$dir/cluster"
    for n in 1 2 3; do _sgal_write_cnf "$dir" "$n"; done

    local -a userarg=()
    if [ "$(id -u)" -eq 0 ]; then
        userarg=(--user="$(_sgal_run_user)")
        chown -R "$(_sgal_run_user)": "$dir/node1" "$dir/node2" "$dir/node3"
    else
        userarg=(--auth-root-socket-user="$(id -un)")
    fi
    _sgal_log "install-db into $dir/node1/data"
    if ! mariadb-install-db --no-defaults --datadir="$dir/node1/data" "${userarg[@]}" \
        --auth-root-authentication-method=socket --skip-test-db \
        >"$dir/node1/install-db.log" 2>&1 </dev/null; then
        _sgal_log "mariadb-install-db failed:"
        tail -n 30 "$dir/node1/install-db.log" >&2
        _sgal_fail "$dir"
        return 1
    fi

    _sgal_log "bootstrapping node 1 on 127.0.0.1:${p[0]} (gcomm ${p[1]})"
    _sgal_launch "$dir" 1 --wsrep-new-cluster
    if ! _sgal_wait_primary "$dir" 1; then
        _sgal_fail "$dir"
        return 1
    fi
    for n in 2 3; do
        local i=$(((n - 1) * 4))
        _sgal_log "starting node $n on 127.0.0.1:${p[i]} (gcomm ${p[i + 1]}, IST ${p[i + 2]}, SST ${p[i + 3]})"
        _sgal_launch "$dir" "$n"
        if ! _sgal_wait_primary "$dir" "$n"; then
            _sgal_fail "$dir"
            return 1
        fi
    done
    for n in 1 2 3; do
        if ! _sgal_wait_synced "$dir" "$n"; then
            _sgal_fail "$dir"
            return 1
        fi
    done

    local pw="${SUNSHINE_GALERA_PASSWORD:-}"
    [ -n "$pw" ] || pw="pw$(od -An -N12 -tx1 /dev/urandom | tr -dc 0-9a-f)"
    local qpw=${pw//\\/\\\\}
    qpw=${qpw//\'/\\\'}
    _sgal_log "creating user sunshine@127.0.0.1 / sunshine@localhost and database sunshine_test"
    if ! _sgal_sql "$dir/node1" </dev/null -e "
        CREATE USER 'sunshine'@'127.0.0.1' IDENTIFIED BY '$qpw';
        CREATE USER 'sunshine'@'localhost' IDENTIFIED BY '$qpw';
        GRANT ALL PRIVILEGES ON *.* TO 'sunshine'@'127.0.0.1' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO 'sunshine'@'localhost' WITH GRANT OPTION;
        CREATE DATABASE sunshine_test CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
        FLUSH PRIVILEGES;" >&2; then
        _sgal_log "creating the user/database failed"
        _sgal_fail "$dir"
        return 1
    fi

    local dsns="" info k
    for n in 1 2 3; do
        # The user is replicated: wait until every node lets it in.
        info=""
        for ((k = 0; k < 50; k++)); do
            if info=$(MYSQL_PWD="$pw" mariadb --no-defaults -h127.0.0.1 -P"${sqlports[n - 1]}" -usunshine \
                --connect-timeout=5 -N -B -e 'SELECT VERSION(), @@log_bin, @@wsrep_on' sunshine_test </dev/null 2>/dev/null); then
                break
            fi
            sleep 0.2
        done
        if [ -z "$info" ]; then
            _sgal_log "TCP login as sunshine@127.0.0.1:${sqlports[n - 1]} (node $n) failed"
            _sgal_fail "$dir"
            return 1
        fi
        _sgal_log "node $n: pid $(_sgal_pid "$dir/node$n"), port ${sqlports[n - 1]}, version/log_bin/wsrep_on $(tr '\t' ' ' <<<"$info"), dir $dir/node$n"
        dsns+="${dsns:+,}sunshine:$pw@tcp(127.0.0.1:${sqlports[n - 1]})/sunshine_test?parseTime=true"
    done

    export SUNSHINE_TEST_GALERA_DSNS="$dsns"
    export SUNSHINE_GALERA_SCRIPT
    SUNSHINE_GALERA_SCRIPT=$(_sgal_self)
    export SUNSHINE_GALERA_PORTS="${sqlports[*]}"
    export SUNSHINE_GALERA_PASSWORD="$pw"
    local v
    for v in SUNSHINE_TEST_GALERA_DSNS SUNSHINE_GALERA_DIR SUNSHINE_GALERA_SCRIPT SUNSHINE_GALERA_PORTS \
        SUNSHINE_GALERA_PASSWORD; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done >"$dir/env"
    _sgal_log "ready in $((SECONDS - began)) s: wsrep_cluster_size=$(_sgal_status_var "$dir/node1" wsrep_cluster_size)"
    return 0
}

# sunshine_galera_kill N [DIR]: SIGKILL node N.
sunshine_galera_kill() {
    local n=$1 dir pid
    dir=$(_sgal_resolve_dir "${2:-}") || return 1
    case "$n" in 1 | 2 | 3) ;; *) _sgal_log "kill: node is 1, 2 or 3"; return 2 ;; esac
    if ! pid=$(_sgal_pid "$dir/node$n"); then
        _sgal_log "node $n is not running"
        return 0
    fi
    _sgal_log "kill -9 node $n (pid $pid)"
    kill -KILL "$pid"
    local i
    for ((i = 0; i < 100; i++)); do
        _sgal_is_mariadbd "$pid" || break
        sleep 0.1
    done
    return 0
}

# sunshine_galera_start_node N [DIR]: restart node N after a kill; it rejoins (IST or SST).
sunshine_galera_start_node() {
    local n=$1 dir
    dir=$(_sgal_resolve_dir "${2:-}") || return 1
    case "$n" in 1 | 2 | 3) ;; *) _sgal_log "start: node is 1, 2 or 3"; return 2 ;; esac
    local nd="$dir/node$n"
    if _sgal_pid "$nd" >/dev/null; then
        _sgal_log "node $n is running already"
        return 0
    fi
    local began=$SECONDS pos="" from
    local -a extra=()
    from=$(($(wc -l <"$nd/mariadbd.err" 2>/dev/null || echo 0) + 1))
    # What Debian's galera_recovery does: the last committed position from InnoDB, so
    # that the node can ask for only what it missed (IST) rather than a full copy (SST).
    if mariadbd --defaults-file="$nd/my.cnf" --wsrep-recover --log-error="$nd/recover.err" \
        --pid-file="$nd/recover.pid" </dev/null >/dev/null 2>&1; then
        pos=$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$nd/recover.err" | tail -n 1)
    fi
    if [ -n "$pos" ]; then
        extra=(--wsrep-start-position="$pos")
        _sgal_log "restarting node $n from recovered position $pos"
    else
        _sgal_log "restarting node $n (no position recovered: full SST)"
    fi
    # rsync's SST daemon sometimes dies at once on a port another transfer
    # just used ("terminated unexpectedly", status 16): the node then
    # aborts. Try again, up to 3 times.
    local try
    for try in 1 2 3; do
        _sgal_launch "$dir" "$n" "${extra[@]}"
        if _sgal_wait_synced "$dir" "$n"; then
            break
        fi
        if _sgal_pid "$nd" >/dev/null || [ "$try" -eq 3 ]; then
            return 1
        fi
        _sgal_log "node $n exited while joining (try $try); starting it again in 3 s"
        sleep 3
    done
    local how="state transfer" log
    log=$(tail -n +"$from" "$nd/mariadbd.err")
    if grep -q 'rsync IST completed' <<<"$log"; then
        how="IST (rsync found its data current)"
    elif grep -q 'rsync SST completed' <<<"$log"; then
        how="SST (rsync copied the data)"
    fi
    _sgal_log "node $n Synced again after $((SECONDS - began)) s by $how (pid $(_sgal_pid "$nd"))"
    return 0
}

sunshine_galera_stop() {
    local dir="${1:-${SUNSHINE_GALERA_DIR:-}}"
    if [ -z "$dir" ]; then
        _sgal_log "stop: give the cluster dir, or set SUNSHINE_GALERA_DIR"
        return 1
    fi
    dir="${dir%/}"
    if [ ! -d "$dir" ]; then
        _sgal_log "stop: $dir is gone already"
        return 0
    fi
    if [ ! -e "$dir/.sunshine-galera" ]; then
        _sgal_log "stop: $dir was not made by .ci/galera.sh, leaving it alone"
        return 1
    fi
    local n pid
    for n in 1 2 3; do
        [ -d "$dir/node$n" ] || continue
        if pid=$(_sgal_pid "$dir/node$n"); then
            _sgal_log "kill -9 node $n (pid $pid)"
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    local i
    for n in 1 2 3; do
        if pid=$(_sgal_pid "$dir/node$n"); then
            for ((i = 0; i < 100; i++)); do
                _sgal_is_mariadbd "$pid" || break
                sleep 0.1
            done
        fi
        if [ -s "$dir/node$n/launch.pid" ]; then
            wait "$(tr -dc 0-9 <"$dir/node$n/launch.pid")" 2>/dev/null
        fi
    done
    # An rsync daemon an interrupted SST left behind, if any: only ours, by its pid file.
    local f
    for f in "$dir"/node*/data/rsync_sst.pid; do
        [ -s "$f" ] || continue
        pid=$(tr -dc 0-9 <"$f")
        [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = rsync ] && kill -KILL "$pid" 2>/dev/null
    done
    rm -rf -- "$dir"
    [ "${SUNSHINE_GALERA_DIR:-}" = "$dir" ] && unset SUNSHINE_GALERA_DIR
    _sgal_log "stopped, removed $dir"
    return 0
}

_sgal_main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
    start)
        if [ -n "${1:-}" ]; then
            sunshine_galera_start_node "$@"
            return $?
        fi
        sunshine_galera_start || return 1
        cat "$SUNSHINE_GALERA_DIR/env"
        _sgal_log "stop it with: bash .ci/galera.sh stop $SUNSHINE_GALERA_DIR"
        ;;
    kill)
        sunshine_galera_kill "$@"
        ;;
    run)
        # run CMD...: start a cluster, run CMD with its variables exported, stop it.
        [ "$#" -gt 0 ] || { _sgal_log "run: give a command"; return 2; }
        local t0=$SECONDS rc
        trap 'sunshine_galera_stop "${SUNSHINE_GALERA_DIR:-}"' EXIT
        sunshine_galera_start || return 1
        _sgal_log "cluster up in $((SECONDS - t0)) s; running: $*"
        local t1=$SECONDS
        "$@"
        rc=$?
        _sgal_log "command exited $rc after $((SECONDS - t1)) s (cluster start included: $((SECONDS - t0)) s)"
        return "$rc"
        ;;
    stop)
        sunshine_galera_stop "$@"
        ;;
    status)
        local dir n nd
        dir=$(_sgal_resolve_dir "${1:-}") || return 1
        for n in 1 2 3; do
            nd="$dir/node$n"
            if _sgal_pid "$nd" >/dev/null; then
                echo "node $n: pid $(_sgal_pid "$nd") size $(_sgal_status_var "$nd" wsrep_cluster_size) $(_sgal_status_var "$nd" wsrep_cluster_status) $(_sgal_status_var "$nd" wsrep_local_state_comment)" >&2
            else
                echo "node $n: down" >&2
            fi
        done
        ;;
    env)
        local dir
        dir=$(_sgal_resolve_dir "${1:-}") || return 1
        cat "$dir/env"
        ;;
    *)
        echo "usage: bash .ci/galera.sh start | start N [DIR] | kill N [DIR] | status [DIR] | env [DIR] | stop [DIR] | run CMD..." >&2
        # shellcheck disable=SC2016 # literal text
        echo '  e.g. eval "$(bash .ci/galera.sh start)"; ...; bash .ci/galera.sh stop "$SUNSHINE_GALERA_DIR"' >&2
        return 2
        ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _sgal_main "$@"
    exit $?
fi
