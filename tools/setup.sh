#!/usr/bin/env bash
# Prepare everything `make run` and `make test` need, idempotently.
#
# Each step leaves a stamp in .cache/stamps named after what it installed, so
# a second call checks the stamps and downloads nothing. Outputs:
#   .cache/odoo/             Odoo 19 unpacked from Debian (unless ODOO_SRC is set)
#   .venv/                   Python virtualenv with Odoo's and the add-on's dependencies
#   .cache/addons/           the add-on under its technical name (links to its files)
#   .cache/odoo.conf         the Odoo configuration used by every make target
# System packages (PostgreSQL when none answers, wkhtmltopdf, Chromium) come
# from the machine's own Debian sources.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/.cache
STAMPS=$CACHE/stamps
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
MODULE=account_receivable_gateway
SELFIE_SEGMENTATION_VERSION=0.1.1675465747
# Debian packages Odoo's web assets link to; fonts-font-awesome and
# fonts-inconsolata come from stable, whose builds match the links.
ODOO_ASSET_PACKAGES=(
    libjs-jquery libjs-underscore libjs-jquery-form fonts-montserrat
    fonts-roboto-unhinted fonts-ocr-b fonts-inconsolata/stable
    fonts-font-awesome/stable
)

mkdir -p "$STAMPS"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
stamped() { [ -e "$STAMPS/$1" ]; }
stamp() { touch "$STAMPS/$1"; }
sha() { cat "$@" | sha256sum | cut -c1-16; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_updated=
apt_install() {
    # Install Debian packages from the machine's own sources.
    is_root || die "needs the Debian packages '$*': install them (sudo apt-get install $*) and retry"
    if [ -z "$apt_updated" ]; then
        apt-get update -q >/dev/null
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# --- System packages --------------------------------------------------------

system_packages() {
    local missing=()
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null || missing+=(chromium)
    # Fonts that reports embed as real text (web fonts would become paths):
    # the add-on's report stylesheet takes Odoo's report fonts from these.
    local font_package
    for font_package in fonts-dejavu-core fonts-lato fonts-roboto-unhinted fonts-open-sans; do
        dpkg-query -W -f='${Status}' "$font_package" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$font_package")
    done
    command -v file >/dev/null || missing+=(file)
    if [ ${#missing[@]} -gt 0 ]; then
        log "Installing Debian packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

# --- PostgreSQL -------------------------------------------------------------

pg_answers() { psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

postgresql() {
    pg_answers && return 0
    if ! command -v psql >/dev/null || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        [ -r /etc/debian_version ] && is_root \
            || die "no PostgreSQL answers on the local socket or PG* variables; start one (or set PGHOST, PGUSER...) and retry"
        log "Installing PostgreSQL"
        apt_install postgresql
    fi
    is_root || die "PostgreSQL is installed but does not answer; start it and retry"
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    log "Starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || pg_ctlcluster "$version" main start
    local user
    user=$(id -un)
    su postgres -c "psql -Atqc \"select 1 from pg_roles where rolname = '$user'\"" | grep -q 1 \
        || su postgres -c "createuser --superuser '$user'"
    pg_answers || die "PostgreSQL was started but does not answer to $(id -un)"
}

# --- Odoo 19 ----------------------------------------------------------------

private_apt() {
    # apt-get with its own sources, lists and cache under .cache/apt, pointing
    # at the Debian mirror this machine is configured with.
    local dir=$CACHE/apt
    apt-get \
        -o Dir::Etc::SourceList="$dir/sources.list" \
        -o Dir::Etc::SourceParts="$dir/sources.list.d" \
        -o Dir::State="$dir/state" \
        -o Dir::State::status="$dir/state/status" \
        -o Dir::Cache="$dir/cache" \
        -o APT::Sandbox::User="$(id -un)" \
        "$@"
}

debian_mirror() {
    # The first Debian archive (not security) URI of the system's sources.
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' | grep -v security | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' \
            | grep -v security | head -n1 || true)
    fi
    [ -n "$uri" ] || die "no Debian mirror found in the system's apt sources; set ODOO_SRC to an Odoo 19 checkout"
    echo "$uri"
}

odoo_from_debian() {
    local dest=$CACHE/odoo packages=(odoo-19 "${ODOO_ASSET_PACKAGES[@]}")
    local key
    key=debian-odoo-$(echo "${packages[*]} $SELFIE_SEGMENTATION_VERSION" | sha256sum | cut -c1-16)
    stamped "$key" && return 0
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
        || die "Odoo 19 comes from Debian's odoo-19 package, which needs apt-get and dpkg-deb; or set ODOO_SRC to an Odoo 19 checkout"

    local dir=$CACHE/apt mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    mirror=$(debian_mirror)
    mkdir -p "$dir/sources.list.d" "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
    touch "$dir/state/status"
    cat >"$dir/sources.list" <<EOF
deb [signed-by=$keyring] $mirror unstable main
deb [signed-by=$keyring] $mirror stable main
EOF
    log "Downloading Odoo 19 from Debian unstable"
    private_apt -q update >/dev/null
    rm -f "$dir"/debs/*.deb
    (cd "$dir/debs" && private_apt -q download "${packages[@]}" >/dev/null)

    rm -rf "$dest.new"
    mkdir -p "$dest.new"
    for deb in "$dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$dest.new"
    done
    local odoo_dir=$dest.new/usr/lib/python3/dist-packages/odoo
    restore_selfie_segmentation "$odoo_dir/addons/mail/static/lib/selfie_segmentation"

    local broken
    broken=$(find "$dest.new" -xtype l | head -n5)
    [ -z "$broken" ] || die "links left unresolved in the unpacked Odoo: $broken"
    rm -rf "$dest"
    mv "$dest.new" "$dest"
    stamp "$key"
}

restore_selfie_segmentation() {
    # Debian leaves this file out for licence reasons; the web client's test
    # bundle needs it. The npm package carries the same file.
    local target=$1 tmp
    command -v npm >/dev/null || apt_install npm
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@mediapipe/selfie_segmentation@$SELFIE_SEGMENTATION_VERSION" >/dev/null)
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/selfie_segmentation.js
    mkdir -p "$target"
    cp "$tmp/package/selfie_segmentation.js" "$target/"
    rm -rf "$tmp"
}

odoo_paths() {
    # Sets ODOO_PYTHONPATH (where `import odoo` finds Odoo) and ODOO_ADDONS.
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree"
        grep -q "version_info = (19, 0" "$ODOO_SRC/odoo/release.py" || die "ODOO_SRC is not Odoo 19.0"
        ODOO_PYTHONPATH=$(cd "$ODOO_SRC" && pwd)
        ODOO_ADDONS=$ODOO_PYTHONPATH/addons,$ODOO_PYTHONPATH/odoo/addons
    else
        odoo_from_debian
        ODOO_PYTHONPATH=$CACHE/odoo/usr/lib/python3/dist-packages
        ODOO_ADDONS=$ODOO_PYTHONPATH/odoo/addons
    fi
}

# --- Python -----------------------------------------------------------------

virtualenv() {
    local version
    version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    case $version in
        3.10 | 3.11 | 3.12 | 3.13) ;;
        *) die "Odoo 19 needs Python 3.10 to 3.13; $PYTHON is $version (set PYTHON=python3.12 for instance)" ;;
    esac
    local key
    key=venv-$version-$(sha "$ROOT"/tools/requirements-*.txt "$ROOT/requirements.txt")
    if ! stamped "$key" || [ ! -x "$VENV/bin/python" ]; then
        # An existing virtualenv is brought up to date in place: wiping it
        # would break an Odoo or a benchmark running from it.
        if [ ! -x "$VENV/bin/python" ]; then
            log "Creating the virtualenv with Python $version"
            "$PYTHON" -m venv "$VENV"
            "$VENV/bin/pip" install -q --upgrade pip
        else
            log "Updating the virtualenv's packages"
        fi
        "$VENV/bin/pip" install -q \
            -r "$ROOT/tools/requirements-odoo.txt" \
            -r "$ROOT/requirements.txt" \
            -r "$ROOT/tools/requirements-dev.txt"
        # OCA add-ons: their `odoo` requirement is what we provide ourselves.
        "$VENV/bin/pip" install -q --no-deps -r "$ROOT/tools/requirements-oca.txt"
        stamp "$key"
    fi
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_PYTHONPATH" >"$site/odoo19.pth"
    OCA_ADDONS=$site/odoo/addons
}

# --- Odoo configuration -----------------------------------------------------

addon_link() {
    # Odoo needs the add-on in a folder named after it. A folder of links to
    # the repository's entries, rather than one link to the repository, keeps
    # .cache and .venv out of what Odoo walks through (translation export
    # follows links and would loop).
    local dir=$CACHE/addons/$MODULE entry name
    rm -rf "$dir"
    mkdir -p "$dir"
    for entry in "$ROOT"/*; do
        name=${entry##*/}
        case $name in
            tools | bench | build | dist) ;;
            *) ln -s "../../../$name" "$dir/$name" ;;
        esac
    done
}

odoo_config() {
    mkdir -p "$CACHE/data"
    addon_link
    cat >"$CACHE/odoo.conf" <<EOF
[options]
addons_path = $CACHE/addons,$OCA_ADDONS,$ODOO_ADDONS
data_dir = $CACHE/data
http_interface = 127.0.0.1
http_port = ${HTTP_PORT:-8069}
server_wide_modules = base,web,queue_job
workers = 0
max_cron_threads = 1
list_db = True
log_level = ${LOG_LEVEL:-info}

[queue_job]
channels = root:2,root.dunning:1,root.einvoice.chorus_pro:2,root.einvoice.pa:2,root.einvoice.sftp:1,root.einvoice.email:1
EOF
}

system_packages
postgresql
odoo_paths
virtualenv
odoo_config
