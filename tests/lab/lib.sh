# tests/lab/lib.sh -- helpers shared by the lab scripts. Sourced, not run.
#
# After `lab_init`:
#   LAB        the lab directory (MAILNOC_LAB_DIR, default /tmp/mailnoc-lab)
#   LAB_HERE   the directory holding these scripts (tests/lab)
#   LAB_*_PORT every port, from tests/lab/ports
# shellcheck shell=bash

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=${PROG:-$(basename "$0")}
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH

die()  { echo "$PROG: error: $*" >&2; exit 1; }
warn() { echo "$PROG: warning: $*" >&2; }
say()  { echo "$PROG: $*"; }

lab_init() {
    LAB=${MAILNOC_LAB_DIR:-/tmp/mailnoc-lab}
    while [ "${LAB%/}" != "$LAB" ] && [ "$LAB" != / ]; do LAB=${LAB%/}; done
    case "$LAB" in
        /*) ;;
        *) die "MAILNOC_LAB_DIR must be an absolute path, got '$LAB'" ;;
    esac
    # Postfix lists config dirs separated by commas/spaces and Dovecot puts
    # unix sockets under the lab (108-byte limit): keep the path plain and short.
    [[ $LAB =~ ^(/[A-Za-z0-9_.-]+)+$ ]] ||
        die "MAILNOC_LAB_DIR '$LAB' must contain only letters, digits and . _ - /"
    [[ /$LAB/ != */./* && /$LAB/ != */../* ]] ||
        die "MAILNOC_LAB_DIR '$LAB' must not contain . or .. components"
    [ "$(printf '%s' "$LAB" | tr -cd / | wc -c)" -ge 2 ] ||
        die "MAILNOC_LAB_DIR '$LAB' is too close to / (use e.g. /tmp/mailnoc-lab)"
    [ ${#LAB} -le 60 ] ||
        die "MAILNOC_LAB_DIR '$LAB' is longer than 60 characters (unix socket paths)"
    # shellcheck source=ports
    . "$LAB_HERE/ports"
    LAB_RE="${LAB//./\\.}([^A-Za-z0-9._-]|\$)"
    # The console's SSH user on the lab's node, and its sudoers drop-in (one
    # per lab: no '.' in the name, or sudo skips the file).
    LAB_SSH_USER=mailnoc
    LAB_SUDOERS=/etc/sudoers.d/mailnoc-lab-$(printf '%s' "$LAB" | cksum | cut -d' ' -f1)
}

# The lab directory is made by root, mode 711 (the postfix, dovecot and mail
# users must pass through it; nobody else may list or change it), with the
# marker .mailnoc-lab holding the boot it was made in. Root runs programs
# (postfix -c DIR stop reads DIR/main.cf) and kills pids from pid files in
# it only when it is that; a directory anyone else could have prepared in
# the shared /tmp is refused.
lab_boot_id() { cat /proc/sys/kernel/random/boot_id; }

# lab_state -> none | ours (made by root in this boot) | stale (made by root
# in an earlier boot: nothing of it runs) | "foreign: WHY"
lab_state() {
    local owner mode m=$LAB/.mailnoc-lab
    if [ ! -e "$LAB" ] && [ ! -L "$LAB" ]; then echo none; return; fi
    if [ -L "$LAB" ] || [ ! -d "$LAB" ]; then
        echo "foreign: it is not a directory"; return
    fi
    read -r owner mode < <(stat -c '%u %a' "$LAB")
    if [ "$owner" != 0 ]; then echo "foreign: it is owned by uid $owner, not root"; return; fi
    # 711 as made; an older lab (755) is root's too: only writable is wrong
    if [ $((8#$mode & 8#022)) != 0 ]; then
        echo "foreign: its mode is $mode, writable by others than root"; return
    fi
    if [ -L "$m" ] || [ ! -f "$m" ] || [ "$(stat -c %u "$m")" != 0 ]; then
        echo "foreign: it has no .mailnoc-lab marker made by root"; return
    fi
    if [ "$(head -c 64 "$m")" = "$(lab_boot_id)" ]; then echo ours; else echo stale; fi
}

# Creates the lab directory, which must not exist.
lab_create() {
    mkdir -m 711 "$LAB" || die "cannot create $LAB"
    lab_boot_id > "$LAB/.mailnoc-lab"
}

# Serialise up/down (and up's own teardown) on one lock. The lock file is
# this directory's `ports` file, so nothing is left behind in /tmp.
lab_lock() {
    [ "${MAILNOC_LAB_LOCKED:-}" = "$LAB" ] && return 0
    exec 9<"$LAB_HERE/ports"
    flock -w 120 9 || die "another tests/lab/up or down is still running (waited 120 s)"
    MAILNOC_LAB_LOCKED=$LAB
    export MAILNOC_LAB_LOCKED
}

# port_listening PORT -> true if something listens on 127.0.0.1:PORT or *:PORT
port_listening() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# Pids of processes listening on one of the given TCP ports.
port_pids() {
    local filter="" p
    for p in "$@"; do filter="${filter:+$filter or }sport = :$p"; done
    ss -Hltnp "( $filter )" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# Every pid that belongs to the lab: pid files, processes whose command line
# or working/root directory is inside $LAB, listeners on the lab ports, and
# all their descendants. Never this script, its ancestors or pid 1.
lab_pids() {
    local -A ppid_of=() keep=() skip=()
    local pid ppid f line cmd
    local -a args
    while read -r pid ppid; do ppid_of[$pid]=$ppid; done < <(ps -e -o pid=,ppid=)
    pid=$$
    while [ -n "$pid" ] && [ "$pid" != 0 ]; do skip[$pid]=1; pid=${ppid_of[$pid]:-}; done
    skip[$BASHPID]=1; skip[1]=1
    # pid files (the lab's own and the daemons'), only in a lab of this boot
    if [ "$(lab_state)" = ours ]; then
        for f in "$LAB"/run/*.pid "$LAB"/*/run/*.pid "$LAB"/*/spool/pid/master.pid \
                 "$LAB"/redis/redis.pid; do
            [ -f "$f" ] || continue
            read -r line 2>/dev/null < "$f" || continue
            [[ $line =~ ^[0-9]+$ ]] && [ -d "/proc/$line" ] && keep[$line]=1
        done
    fi
    # command lines mentioning the lab directory
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}; pid=${pid%/cmdline}
        mapfile -d "" -t args 2>/dev/null < "$f" || continue
        [ ${#args[@]} -gt 0 ] || continue
        cmd="${args[*]}"
        [[ $cmd =~ $LAB_RE ]] && keep[$pid]=1
    done
    # working or root directory inside the lab (postfix daemons chdir to the queue)
    while read -r f line; do
        if [ "$line" = "$LAB" ] || [ "${line#"$LAB"/}" != "$line" ]; then
            pid=${f#/proc/}; pid=${pid%%/*}
            keep[$pid]=1
        fi
    done < <(find /proc/[0-9]*/cwd /proc/[0-9]*/root -maxdepth 0 -printf '%p %l\n' 2>/dev/null)
    # listeners on the lab ports
    # shellcheck disable=SC2086
    for pid in $(port_pids $LAB_PORTS); do keep[$pid]=1; done
    # descendants
    local changed=1
    while [ $changed = 1 ]; do
        changed=0
        for pid in "${!ppid_of[@]}"; do
            if [ -z "${keep[$pid]:-}" ] && [ -n "${keep[${ppid_of[$pid]}]:-}" ]; then
                keep[$pid]=1; changed=1
            fi
        done
    done
    local stat
    for pid in "${!keep[@]}"; do
        [ -n "${skip[$pid]:-}" ] && continue
        # zombies are dead already; init reaps them when it gets round to it
        read -r stat 2>/dev/null < "/proc/$pid/stat" || continue
        stat=${stat##*) }
        [ "${stat%% *}" = Z ] && continue
        echo "$pid"
    done | sort -n
}

# Stop every lab process and remove the lab directory and the lab's entries
# in /etc/postfix/main.cf. Safe to run when nothing is running.
lab_teardown() {
    local d pid pids i state
    state=$(lab_state)
    case "$state" in
        foreign*) die "$LAB is not a lab made by root in this boot (${state#foreign: }); not touching it: remove it yourself or set MAILNOC_LAB_DIR" ;;
    esac
    # Graceful stops first, so daemons flush and exit in order; a lab of an
    # earlier boot has nothing running and its pid files name others.
    if [ "$state" = ours ]; then
        for d in "$LAB"/gw*/etc; do
            [ -f "$d/main.cf" ] || continue
            timeout 15 postfix -c "$d" stop >/dev/null 2>&1 || true
        done
        for d in "$LAB"/mbx*/run/master.pid "$LAB"/redis/redis.pid "$LAB"/run/*.pid; do
            [ -f "$d" ] || continue
            read -r pid 2>/dev/null < "$d" || continue
            [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] && kill -TERM "$pid" 2>/dev/null || true
        done
    fi
    # Then everything else that still references the lab.
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        pids=$(lab_pids)
        [ -z "$pids" ] && break
        if [ "$i" -le 10 ]; then
            # shellcheck disable=SC2086
            kill -TERM $pids 2>/dev/null || true
        else
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
        sleep 0.3
    done
    pids=$(lab_pids)
    [ -z "$pids" ] || die "could not stop lab processes: $(echo $pids)"
    # Mounts (the lab makes none, but never leave one behind).
    while read -r _ d _; do
        case "$d" in "$LAB"|"$LAB"/*) umount -l "$d" 2>/dev/null || warn "cannot unmount $d" ;; esac
    done < <(sort -r -k2 /proc/self/mounts)
    postfix_unregister
    rm -f "$LAB_SUDOERS"
    rm -rf "$LAB"
    [ ! -e "$LAB" ] || die "could not remove $LAB"
}

# Edit /etc/postfix/main.cf list parameters: add or remove this lab's gateway
# config directories in alternate_config_directories and
# multi_instance_directories; other entries are kept as they are.
postfix_list_edit() {   # add|remove
    local op=$1 param cur new item gw
    local -a items
    [ -f /etc/postfix/main.cf ] || return 0
    for param in alternate_config_directories multi_instance_directories; do
        cur=$(postconf -h "$param" 2>/dev/null) || cur=""
        new=""
        read -r -a items <<< "${cur//,/ }"
        for item in "${items[@]}"; do
            case "$item" in "$LAB"/gw*/etc) continue ;; esac
            new="${new:+$new, }$item"
        done
        if [ "$op" = add ]; then
            for gw in $LAB_GATEWAYS; do new="${new:+$new, }$LAB/$gw/etc"; done
        fi
        [ "$new" = "$(echo "$cur" | sed 's/[ ,]\+/, /g')" ] && continue
        postconf -e "$param = $new" || die "cannot set $param in /etc/postfix/main.cf"
        postfix_settle /etc/postfix/main.cf
    done
}

# Postfix programs refuse to read a main.cf (or map source) younger than ~2 s
# and poll every 0.3 s until it has "settled". The lab writes its files in one
# go, so date them 5 s back instead of sleeping.
postfix_settle() {
    touch -m -d "@$(( $(date +%s) - 5 ))" "$@"
}
postfix_unregister() { postfix_list_edit remove; }

LAB_GATEWAYS="gw1 gw2"
LAB_MAILBOXES="mbx1 mbx2"
LAB_USERS="alice bob carol"
# The role mailboxes the agents watch (mailbox.roles' default): a live INBOX
# only, some of it unread (tests/lab/up make_role_data).
LAB_ROLE_USERS="abuse postmaster"
# The agencies' own domain the gateways take inbound mail for (relay_domains),
# and its valid recipients (relay_recipient_maps); any other address of it
# gets 550 5.1.1 at RCPT. bouncy.test's sink refuses nouser*@ and gone*@.
LAB_INBOUND_DOMAIN=inbound.test
LAB_INBOUND_USERS="alice bob carol postmaster"
