#!/bin/sh
# Install courtnews as a systemd service on Debian, from a checkout at /opt/courtnews with `make install` done
# (README "Deploying" gives the commands before this one). Run as root:
#
#   sudo /opt/courtnews/deploy/install.sh            # user, folders, config, units; then starts both services
#   sudo /opt/courtnews/deploy/install.sh --no-start # everything but starting them
#   DESTDIR=/tmp/stage deploy/install.sh             # the files only, under /tmp/stage: no user, no systemctl
#   deploy/install.sh --dry-run                      # print every command, run none
#
# What it does, each step skipped when already done (run it again after an upgrade: it keeps your config):
#   1. the system user and group `courtnews` (no login, home /var/lib/courtnews);
#   2. /etc/courtnews (root:courtnews 0750) with courtnews.env (0640, from deploy/courtnews.env.example) and
#      sources.toml (0640, a copy of the shipped crawler/config/sources.toml: edit it to choose your courts);
#   3. /var/lib/courtnews and /var/lib/courtnews/backups (courtnews:courtnews 0750);
#   4. the units in /etc/systemd/system, then systemctl daemon-reload, enable --now.
set -eu

PREFIX=/opt/courtnews
DESTDIR=${DESTDIR:-}
DRY_RUN=0
START=1
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        --no-start) START=0 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (use --dry-run, --no-start, or DESTDIR=...)" >&2; exit 2 ;;
    esac
done

HERE=$(cd "$(dirname "$0")/.." && pwd)
ETC="$DESTDIR/etc/courtnews"
STATE="$DESTDIR/var/lib/courtnews"
UNITS="$DESTDIR/etc/systemd/system"

run() {
    echo "+ $*"
    if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

# ownership only on the real system: under DESTDIR the user may not exist
owned() {  # owned OWNER:GROUP MODE PATH
    if [ -z "$DESTDIR" ]; then run chown "$1" "$3"; fi
    run chmod "$2" "$3"
}

if [ -z "$DESTDIR" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo), or with DESTDIR=FOLDER to stage the files, or --dry-run" >&2
    exit 1
fi
if [ ! -x "$HERE/.venv/bin/courtnews" ] && [ -z "$DESTDIR" ] && [ "$DRY_RUN" = 0 ]; then
    echo "install.sh: $HERE/.venv/bin/courtnews is missing: run 'make install' in $HERE first" >&2
    exit 1
fi
if [ "$HERE" != "$PREFIX" ] && [ -z "$DESTDIR" ]; then
    echo "install.sh: the units run courtnews from $PREFIX; this checkout is $HERE (clone it to $PREFIX)" >&2
    [ "$DRY_RUN" = 1 ] || exit 1
fi

# 1. the user
if [ -z "$DESTDIR" ]; then
    if ! id courtnews >/dev/null 2>&1; then
        run useradd --system --user-group --home-dir /var/lib/courtnews --no-create-home \
            --shell /usr/sbin/nologin --comment "courtnews archive" courtnews
    fi
fi

# 2. configuration, never overwritten
run mkdir -p "$ETC"
owned root:courtnews 0750 "$ETC"
if [ ! -e "$ETC/courtnews.env" ]; then
    run cp "$HERE/deploy/courtnews.env.example" "$ETC/courtnews.env"
    owned root:courtnews 0640 "$ETC/courtnews.env"
fi
if [ ! -e "$ETC/sources.toml" ]; then
    run cp "$HERE/crawler/config/sources.toml" "$ETC/sources.toml"
    owned root:courtnews 0640 "$ETC/sources.toml"
fi

# 3. data
for folder in "$STATE" "$STATE/backups"; do
    run mkdir -p "$folder"
    owned courtnews:courtnews 0750 "$folder"
done

# 4. units
run mkdir -p "$UNITS"
for unit in "$HERE"/deploy/systemd/*.service; do
    run install -m 0644 "$unit" "$UNITS/$(basename "$unit")"
done
if [ -z "$DESTDIR" ]; then
    run systemctl daemon-reload
    if [ "$START" = 1 ]; then
        run systemctl enable --now courtnews-daemon.service courtnews-datasette.service
    else
        run systemctl enable courtnews-daemon.service courtnews-datasette.service
    fi
fi
echo "courtnews installed${DESTDIR:+ under $DESTDIR}: edit $ETC/sources.toml and $ETC/courtnews.env, then" \
    "'systemctl restart courtnews-daemon'; check with: sudo -u courtnews $PREFIX/.venv/bin/courtnews status"
