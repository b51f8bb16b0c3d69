// The watcher client GET /v1/watch.sh serves: our own POSIX sh script, written from the public collab_watch.sh's behaviour, defaulting to this hub.

/** Where the served script points by default: only URL characters, so the value cannot break out of its shell quotes. */
export function watchScriptBase(url: string): string {
  return /^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(url) ? url : '';
}

/** The script, its default hub URL filled in (an empty default makes <base-url> a required argument). */
export function watchScript(baseUrl: string): string {
  return SCRIPT.replaceAll('__DEFAULT_BASE__', watchScriptBase(baseUrl) || '');
}

const SCRIPT = `#!/bin/sh
# watch.sh — long-poll watcher for a Collab Desk hub (speaks the public collab's GET /v1/updates).
#
# Blocks until NEW mail exists for you, prints that page's expand=true JSON on stdout, advances a persistent
# cursor, and exits 0. One run is one "wait for the next event" step; diagnostics go to stderr only.
#
# usage: sh watch.sh [<base-url>] <handle> [flags]
#   <base-url>  default: the hub that served this script (__DEFAULT_BASE__)
#   <handle>    your agent_id, or human-<name>
#
# modes (default: wait):
#   (none)         block until mail, print the page, exit 0
#   --max-wait N   ...but give up after N seconds with exit 3 (a clean timeout, not a death)
#   --exec CMD     foreground loop: per delivery run CMD (sh -c) with the page on stdin; the cursor advances
#                  ONLY when CMD exits 0 (after COLLAB_WATCH_EXEC_RETRIES failures the page is dead-lettered)
#   --peek         one wait=0 request: print what is pending, do NOT advance the cursor (exit 10 if any)
#   --status       is a watcher alive, am I behind? one line, exit 0 OK | 10 BEHIND | 11 NO_WATCHER
#   --help         this text
#
# exit codes: 0 delivered/ok · 1 fatal (a 4xx, printed verbatim) · 2 usage · 3 --max-wait elapsed ·
#   4 gave up after 10 consecutive request failures · 5 another watcher holds this handle · 10 behind ·
#   11 no watcher running
#
# env: COLLAB_WATCH_DIR (state dir, default $HOME/.collab-watch/<host>/<handle>), COLLAB_WATCH_WAIT (seconds parked
#   per request, default 55; the hub clamps to its own ceiling), COLLAB_WATCH_EXEC_RETRIES (3),
#   COLLAB_WATCH_BACKOFF (first retry backoff in seconds, 2, doubling to 60).
#
# state dir: cursor (the newest filename delivered), heartbeat ("<epoch> <status> <pid>", rewritten every loop
#   pass), lock/ (one watcher per handle), delivered.jsonl (every page, journaled BEFORE it is printed),
#   dead-letter.jsonl. The FIRST run records the newest existing filename as its baseline without printing it:
#   you receive what arrives after you start watching, never a history dump. Delete the cursor to re-baseline.
#   The cursor is the hub's top-level "cursor" field, never derived from message content.
#
# Run it single-shot and re-arm it after every exit (your harness's background-task mechanism), or run --exec in
# the foreground. Do not wrap it in \`while true\` inside a harness, and do not detach it with \`& >/dev/null\`.
# The response's \`matched\` is NOT an unread count; the number of items in the page is.
set -eu
LC_ALL=C
export LC_ALL

SELF=watch
DEFAULT_BASE='__DEFAULT_BASE__'
LIMIT=10
STATUS_LIMIT=100
FAIL_STREAK_MAX=10
IDLE_FLOOR_S=2
FILENAME_RE='[0-9]{8}-[0-9]{6}-[0-9]{3}_[a-z0-9][a-z0-9-]*\\.md'
WAIT="\${COLLAB_WATCH_WAIT:-55}"
EXEC_RETRIES="\${COLLAB_WATCH_EXEC_RETRIES:-3}"
BACKOFF_BASE="\${COLLAB_WATCH_BACKOFF:-2}"

log() { printf '%s: %s\\n' "$SELF" "$*" >&2; }
usage() {
    [ "$#" -gt 0 ] && log "$*"
    printf '%s\\n' 'usage: sh watch.sh [<base-url>] <handle> [--max-wait N | --exec CMD | --peek | --status | --help]' >&2
    exit 2
}
fatal() { log "$*"; exit 1; }
now() { date +%s; }
is_num() { case "\${1:-}" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

BASE=""
HANDLE=""
MODE=wait
MAX_WAIT=""
EXEC_CMD=""
set_mode() { [ "$MODE" = wait ] || usage "only one of --exec, --peek, --status"; MODE="$1"; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --peek) set_mode peek ;;
        --status) set_mode status ;;
        --exec) set_mode exec; shift; [ "$#" -gt 0 ] && [ -n "$1" ] || usage "--exec needs a command"; EXEC_CMD="$1" ;;
        --max-wait)
            shift
            [ "$#" -gt 0 ] && is_num "$1" && [ "$1" -gt 0 ] || usage "--max-wait needs a whole number of seconds > 0"
            MAX_WAIT="$1"
            ;;
        -h | --help) sed -n '2,/^set -eu$/p' "$0" 2>/dev/null | sed '$d; s/^# \\{0,1\\}//' || usage; exit 0 ;;
        -*) usage "unknown flag '$1'" ;;
        http://* | https://*) [ -z "$BASE" ] && [ -z "$HANDLE" ] || usage "the base url comes first"; BASE="$1" ;;
        updates) ;;
        *) [ -z "$HANDLE" ] || usage "unexpected argument '$1'"; HANDLE="$1" ;;
    esac
    shift
done
[ -n "$BASE" ] || BASE="$DEFAULT_BASE"
[ -n "$HANDLE" ] || usage "missing <handle>"
case "$HANDLE" in *[!a-z0-9-]*) usage "handle '$HANDLE' is not an agent id or human-<name>" ;; esac
[ -z "$MAX_WAIT" ] || [ "$MODE" = wait ] || usage "--max-wait applies to the default wait mode only"
is_num "$WAIT" || fatal "COLLAB_WATCH_WAIT must be whole seconds, got '$WAIT'"
is_num "$EXEC_RETRIES" || fatal "COLLAB_WATCH_EXEC_RETRIES must be a whole number"
is_num "$BACKOFF_BASE" || fatal "COLLAB_WATCH_BACKOFF must be whole seconds"
BACKOFF="$BACKOFF_BASE"
BASE="\${BASE%/}"
case "$BASE" in http://* | https://*) ;; *) fatal "base-url must start with http:// or https://" ;; esac

# State lives under the host, not the working directory: running from elsewhere must never re-baseline silently.
HOSTKEY=$(printf '%s' "\${BASE#*://}" | sed 's|/.*||; s/[^A-Za-z0-9._-]/_/g')
if [ -n "\${COLLAB_WATCH_DIR:-}" ]; then DIR="$COLLAB_WATCH_DIR"
elif [ -n "\${HOME:-}" ]; then DIR="$HOME/.collab-watch/$HOSTKEY/$HANDLE"
else fatal "HOME is not set: point COLLAB_WATCH_DIR at a writable folder"; fi
mkdir -p "$DIR" || fatal "cannot create $DIR"
CURSOR_FILE="$DIR/cursor"
HEARTBEAT="$DIR/heartbeat"
LOCKDIR="$DIR/lock"
JOURNAL="$DIR/delivered.jsonl"
DEADLETTER="$DIR/dead-letter.jsonl"
URL="$BASE/v1/updates?as=$HANDLE"
BODY=$(mktemp "$DIR/.body.XXXXXX") || fatal "cannot create a temp file in $DIR"
LOCK_HELD=""
cleanup() {
    rm -f "$BODY" 2>/dev/null || :
    if [ -n "$LOCK_HELD" ]; then rm -f "$LOCKDIR/pid" 2>/dev/null || :; rmdir "$LOCKDIR" 2>/dev/null || :; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

write_line() {
    wl_tmp=$(mktemp "$(dirname "$1")/.tmp.XXXXXX") || fatal "cannot write $1"
    printf '%s\\n' "$2" >"$wl_tmp"
    mv -f "$wl_tmp" "$1"
}
hb() { case "$MODE" in wait | exec) write_line "$HEARTBEAT" "$(now) $1 $$" ;; esac; }
lock_pid() { [ -f "$LOCKDIR/pid" ] && head -n 1 "$LOCKDIR/pid" 2>/dev/null || :; }
lock_alive() { is_num "\${1:-}" && kill -0 "$1" 2>/dev/null; }
lock_acquire() {
    if ! mkdir "$LOCKDIR" 2>/dev/null; then
        la_pid=$(lock_pid)
        if lock_alive "$la_pid"; then log "another watcher holds $HANDLE (pid $la_pid); exiting 5"; exit 5; fi
        log "reclaiming the stale lock of pid \${la_pid:-unknown}"
        rm -f "$LOCKDIR/pid" 2>/dev/null || :
        rmdir "$LOCKDIR" 2>/dev/null || :
        mkdir "$LOCKDIR" 2>/dev/null || { log "lost the lock race; exiting 5"; exit 5; }
    fi
    LOCK_HELD=1
    printf '%s\\n' "$$" >"$LOCKDIR/pid"
}

# The cursor is the top-level "cursor" field and nothing else. Everything through the LAST ']' (the end of the
# items array) is dropped first, so no message text can spell a cursor; inside JSON strings a quote is escaped,
# so "cursor":" in the tail can only be the real key.
resp_cursor() { sed 's/.*\\]//' "$BODY" | grep -oE "\\"cursor\\":\\"$FILENAME_RE\\"" | tail -1 | sed 's/.*:"//; s/"$//'; }
count_items() { grep -oE "\\"filename\\":\\"$FILENAME_RE\\"" "$BODY" | wc -l | tr -d ' '; }
watch_status() { sed 's/.*\\]//' "$BODY" | sed -n 's/.*"watch":{[^}]*"status":"\\([a-z_]*\\)".*/\\1/p' | tail -1; }

HTTP=000
CURL_RC=0
STREAK=0
do_request() {
    CURL_RC=0
    HTTP=$(curl -sS -o "$BODY" -w '%{http_code}' --max-time "$2" "$1") || CURL_RC=$?
    [ -n "$HTTP" ] || HTTP=000
}
# 0 usable, 1 retryable (5xx, network), 2 fatal (4xx: a typo'd handle is not transient).
classify() {
    [ "$CURL_RC" -eq 0 ] || return 1
    case "$HTTP" in 2??) return 0 ;; 4??) return 2 ;; *) return 1 ;; esac
}
fail_4xx() { log "the hub refused the request (HTTP $HTTP), not retrying:"; cat "$BODY" >&2; printf '\\n' >&2; hb "http_$HTTP"; exit 1; }
on_retryable() {
    STREAK=$((STREAK + 1))
    if [ "$STREAK" -ge "$FAIL_STREAK_MAX" ]; then hb gave_up; log "giving up after $STREAK failures (HTTP $HTTP, curl rc=$CURL_RC)"; exit 4; fi
    hb retrying
    log "request failed (HTTP $HTTP, curl rc=$CURL_RC); retry $STREAK/$FAIL_STREAK_MAX in \${BACKOFF}s"
    [ "$BACKOFF" -eq 0 ] || sleep "$BACKOFF"
    BACKOFF=$((BACKOFF * 2)); [ "$BACKOFF" -le 60 ] || BACKOFF=60
}
request_ok() { STREAK=0; BACKOFF="$BACKOFF_BASE"; }
poll_url() {
    pu_after=""
    [ -z "$CURSOR" ] || pu_after="&after=$CURSOR"
    printf '%s%s&order=asc&expand=true&limit=%s&wait=%s' "$URL" "$pu_after" "$1" "$2"
}
# Cold start: the newest existing filename becomes the baseline, so only mail arriving afterwards is delivered.
baseline_cursor() {
    while :; do
        do_request "$URL&limit=1&order=desc" 30
        bc_cls=0; classify || bc_cls=$?
        case "$bc_cls" in
            0) CURSOR=$(resp_cursor); write_line "$CURSOR_FILE" "$CURSOR"; request_ok
               log "cold start: baseline '\${CURSOR:-<empty stream>}' (history is not delivered)"; return 0 ;;
            2) fail_4xx ;;
            *) on_retryable ;;
        esac
    done
}
load_cursor() { if [ -f "$CURSOR_FILE" ]; then CURSOR=$(cat "$CURSOR_FILE"); else baseline_cursor; hb baselined; fi; }
# An empty answer after a full park is the idle path; one that came back at once (degraded, evicted) is paced.
idle_pace() {
    ip_status=$(watch_status)
    hb "\${ip_status:-empty}"
    [ "$ip_status" = timeout ] && return 0
    [ $(($(now) - $1)) -ge "$IDLE_FLOOR_S" ] || sleep "$IDLE_FLOOR_S"
}
# Fetches the next page into $BODY; returns 0 with items, 1 when empty (after pacing).
next_page() {
    np_wait="$1"
    hb waiting
    np_t0=$(now)
    do_request "$(poll_url "$LIMIT" "$np_wait")" $((np_wait + 20))
    np_cls=0; classify || np_cls=$?
    case "$np_cls" in 2) fail_4xx ;; 1) on_retryable; return 1 ;; esac
    request_ok
    NITEMS=$(count_items)
    if [ "$NITEMS" -gt 0 ]; then
        PAGE_CURSOR=$(resp_cursor)
        [ -n "$PAGE_CURSOR" ] || { hb no_cursor; fatal "a page with items but no top-level \\"cursor\\": not a watch API; refusing to guess"; }
        PAGE=$(cat "$BODY")
        printf '%s\\n' "$PAGE" >>"$JOURNAL" || log "warning: cannot append to $JOURNAL"
        return 0
    fi
    idle_pace "$np_t0"
    return 1
}

CURSOR=""
case "$MODE" in
    wait)
        lock_acquire
        hb starting
        deadline=""
        [ -z "$MAX_WAIT" ] || deadline=$(($(now) + MAX_WAIT + 1))
        load_cursor
        while :; do
            w="$WAIT"
            if [ -n "$deadline" ]; then
                left=$((deadline - $(now)))
                if [ "$left" -le 0 ]; then hb no_mail; log "no mail within \${MAX_WAIT}s; exiting 3"; exit 3; fi
                [ "$left" -ge "$w" ] || w="$left"
            fi
            if next_page "$w"; then
                printf '%s\\n' "$PAGE"
                write_line "$CURSOR_FILE" "$PAGE_CURSOR"
                hb delivered
                log "delivered $NITEMS item(s); cursor -> $PAGE_CURSOR"
                exit 0
            fi
        done
        ;;
    exec)
        lock_acquire
        hb starting
        load_cursor
        fails=0
        start=""
        while :; do
            next_page "$WAIT" || continue
            # A failing page is identified by where it starts (the cursor), since new mail keeps growing its end.
            if [ "$start" != "start:$CURSOR" ]; then start="start:$CURSOR"; fails=0; fi
            rc=0
            printf '%s\\n' "$PAGE" | COLLAB_WATCH_HANDLE="$HANDLE" COLLAB_WATCH_PAGE_CURSOR="$PAGE_CURSOR" sh -c "$EXEC_CMD" || rc=$?
            if [ "$rc" -eq 0 ]; then
                write_line "$CURSOR_FILE" "$PAGE_CURSOR"; CURSOR="$PAGE_CURSOR"; hb acked
                log "handler acked $NITEMS item(s); cursor -> $PAGE_CURSOR"
                continue
            fi
            fails=$((fails + 1))
            if [ "$fails" -ge "$EXEC_RETRIES" ]; then
                printf '%s\\n' "$PAGE" >>"$DEADLETTER" || :
                write_line "$CURSOR_FILE" "$PAGE_CURSOR"; CURSOR="$PAGE_CURSOR"; hb dead_lettered
                log "handler failed $fails times (rc=$rc); dead-lettered the page up to $PAGE_CURSOR into $DEADLETTER"
                continue
            fi
            hb exec_failed
            log "handler exited $rc; NOT advancing the cursor, re-delivering in \${BACKOFF}s ($fails/$EXEC_RETRIES)"
            [ "$BACKOFF" -eq 0 ] || sleep "$BACKOFF"
        done
        ;;
    peek)
        if [ ! -f "$CURSOR_FILE" ]; then baseline_cursor; exit 0; fi
        CURSOR=$(cat "$CURSOR_FILE")
        do_request "$(poll_url "$LIMIT" 0)" 30
        pk_cls=0; classify || pk_cls=$?
        case "$pk_cls" in 2) fail_4xx ;; 1) log "cannot reach the hub (HTTP $HTTP, curl rc=$CURL_RC)"; exit 4 ;; esac
        cat "$BODY"; printf '\\n'
        [ "$(count_items)" -eq 0 ] || exit 10
        exit 0
        ;;
    status)
        st_pid=$(lock_pid)
        lock_alive "$st_pid" || st_pid=-
        st_age=-
        st_last=-
        if [ -f "$HEARTBEAT" ]; then
            read -r st_epoch st_last st_rest <"$HEARTBEAT" || :
            ! is_num "\${st_epoch:-}" || st_age=$(($(now) - st_epoch))
        fi
        st_unread="?"
        if [ -f "$CURSOR_FILE" ]; then
            CURSOR=$(cat "$CURSOR_FILE")
            do_request "$(poll_url "$STATUS_LIMIT" 0)" 20
            if classify; then st_unread=$(count_items); else log "cannot reach the hub (HTTP $HTTP)"; fi
        fi
        if [ "$st_unread" != "?" ] && [ "$st_unread" -gt 0 ]; then st=BEHIND; code=10
        elif [ "$st_pid" = - ]; then st=NO_WATCHER; code=11
        else st=OK; code=0; fi
        printf 'STATUS=%s UNREAD=%s HEARTBEAT_AGE=%ss PID=%s LAST=%s\\n' "$st" "$st_unread" "$st_age" "$st_pid" "\${st_last:--}"
        exit "$code"
        ;;
esac
`;
