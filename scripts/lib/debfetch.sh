# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# debfetch.sh: fetch Debian binary packages of a FOREIGN architecture
# (riscv64 or arm64) without touching the host's apt state.
#
# Sourced, not run.  It keeps a private apt root per Debian architecture,
# build/apt/<debarch>/, with its own sources.list, lists, cache and an empty
# dpkg status, and drives the host's apt-get/apt-cache against it:
#
#   deb [arch=<debarch> signed-by=<keyring>] <mirror> <suite> main
#
# Signatures are verified by apt against the Debian archive keyring
# (bookworm's debian-archive-keyring >= 2023.3+deb12u1 carries the trixie
# keys); package files are checked against the SHA256 in the signed index.
#
# The mirror is the first Debian archive URI of the host's apt configuration
# (/etc/apt/sources.list, then /etc/apt/sources.list.d/*.list and *.sources),
# so no mirror host is named here.
#
# Environment:
#   KEEL_DEBIAN_MIRROR   mirror URI to use instead of the host's (e.g. http://host/debian)
#   KEEL_DEBIAN_SUITE    suite, default trixie
#   KEEL_DEBIAN_KEYRING  keyring for signed-by, default the Debian archive keyring
#   KEEL_BUILD_DIR       build tree, default <repo>/build
#   KEEL_APT_MAX_AGE     seconds after which the private lists are refreshed
#                        (default 86400; 0 = refresh on every run)
#
# Functions (all print errors naming the cause and exit 1):
#   debfetch_debarch ARCH                -> riscv64 | arm64   (accepts riscv64, aarch64, arm64)
#   debfetch_mirror                      -> mirror URI
#   debfetch_init DEBARCH                set up build/apt/<debarch>, update lists if needed
#   debfetch_apt DEBARCH CMD ARGS...     run apt-get/apt-cache (CMD) on the private root
#   debfetch_dep DEBARCH PKG REGEX       name of PKG's first Depends matching REGEX
#                                        (resolves e.g. linux-image-riscv64 -> linux-image-6.x.y-riscv64)
#   debfetch_version DEBARCH PKG         candidate version of PKG
#   debfetch_download DEBARCH PKG...     download (cached, hash-checked) .debs into
#                                        build/apt/<debarch>/debs and print their paths

if [[ -n "${_KEEL_DEBFETCH_SOURCED:-}" ]]; then
    return 0
fi
_KEEL_DEBFETCH_SOURCED=1

_debfetch_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${KEEL_ROOT:=$(cd "$_debfetch_lib_dir/../.." && pwd)}"
: "${KEEL_BUILD_DIR:=$KEEL_ROOT/build}"
: "${KEEL_DEBIAN_SUITE:=trixie}"
: "${KEEL_DEBIAN_KEYRING:=/usr/share/keyrings/debian-archive-keyring.gpg}"
: "${KEEL_APT_MAX_AGE:=86400}"

debfetch_die() {
    echo "debfetch: error: $*" >&2
    exit 1
}

debfetch_debarch() {
    case "${1:-}" in
        riscv64) echo riscv64 ;;
        aarch64 | arm64) echo arm64 ;;
        *) debfetch_die "unsupported architecture '${1:-}' (expected riscv64, aarch64 or arm64)" ;;
    esac
}

# Debian suite names whose URIs are the main archive (not security, not ports).
_debfetch_is_debian_suite() {
    local s="${1%/}"
    s="${s%-updates}"
    s="${s%-backports}"
    s="${s%-proposed-updates}"
    case "$s" in
        *-security) return 1 ;;
        buster | bullseye | bookworm | trixie | forky | duke | sid | experimental | \
            stable | testing | unstable | oldstable | oldoldstable) return 0 ;;
    esac
    return 1
}

# One-line format: "deb [opts] URI SUITE COMP..."; prints the first match.
_debfetch_mirror_from_list() {
    local file="$1" line uri suite
    local -a w
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line%%#*}"
        # drop the [ option ] block, which may contain spaces
        if [[ "$line" == *\[*\]* ]]; then
            line="${line%%\[*}${line#*\]}"
        fi
        read -r -a w <<<"$line" || true
        [[ ${#w[@]} -ge 4 && "${w[0]}" == deb ]] || continue
        uri="${w[1]}"
        suite="${w[2]}"
        [[ "$uri" == cdrom:* ]] && continue
        _debfetch_is_debian_suite "$suite" || continue
        [[ " ${w[*]:3} " == *" main "* ]] || continue
        echo "${uri%/}"
        return 0
    done <"$file"
    return 1
}

# deb822 format: stanzas separated by blank lines; prints the first match.
_debfetch_mirror_from_sources() {
    local file="$1"
    awk '
        function flush() {
            if (types ~ /(^| )deb( |$)/ && enabled != "no" && comps ~ /(^| )main( |$)/ && uris != "") {
                n = split(suites, s, " ")
                ok = 0
                for (i = 1; i <= n; i++) {
                    x = s[i]; sub(/\/$/, "", x)
                    if (x ~ /-security$/) continue
                    sub(/-(updates|backports|proposed-updates)$/, "", x)
                    if (x ~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|experimental|stable|testing|unstable|oldstable|oldoldstable)$/) ok = 1
                }
                split(uris, u, " ")
                if (ok && u[1] !~ /^cdrom:/) { sub(/\/$/, "", u[1]); print u[1]; found = 1; exit 0 }
            }
            types = ""; uris = ""; suites = ""; comps = ""; enabled = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[A-Za-z-]+:/ {
            key = tolower($0); sub(/:.*/, "", key)
            val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val); sub(/ $/, "", val)
            if (key == "types") types = val
            else if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "components") comps = val
            else if (key == "enabled") enabled = tolower(val)
        }
        END { if (!found) flush(); if (!found) exit 1 }
    ' "$file"
}

debfetch_mirror() {
    if [[ -n "${KEEL_DEBIAN_MIRROR:-}" ]]; then
        echo "${KEEL_DEBIAN_MIRROR%/}"
        return 0
    fi
    local f uri
    local -a files=()
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] && files+=("$f")
    done
    for f in "${files[@]}"; do
        case "$f" in
            *.sources) uri="$(_debfetch_mirror_from_sources "$f")" || continue ;;
            *) uri="$(_debfetch_mirror_from_list "$f")" || continue ;;
        esac
        if [[ -n "$uri" ]]; then
            echo "$uri"
            return 0
        fi
    done
    debfetch_die "no Debian archive URI (Types deb, component main, a Debian suite) found in" \
        "/etc/apt/sources.list or /etc/apt/sources.list.d/; set KEEL_DEBIAN_MIRROR=http://<mirror>/debian"
}

_debfetch_root() { echo "$KEEL_BUILD_DIR/apt/$1"; }

# Write the private apt root's configuration (only when it changed).
_debfetch_write_config() {
    local debarch="$1" root mirror conf list tmp
    root="$(_debfetch_root "$debarch")"
    mirror="$(debfetch_mirror)"
    conf="$root/apt.conf"
    list="$root/sources.list"
    mkdir -p "$root/sources.list.d" "$root/preferences.d" "$root/state/lists/partial" \
        "$root/cache/archives/partial" "$root/debs"
    [[ -e "$root/state/status" ]] || : >"$root/state/status"

    tmp="$(mktemp "$root/.sources.XXXXXX")"
    chmod 0644 "$tmp"
    echo "deb [arch=$debarch signed-by=$KEEL_DEBIAN_KEYRING] $mirror $KEEL_DEBIAN_SUITE main" >"$tmp"
    if cmp -s "$tmp" "$list"; then rm -f "$tmp"; else mv -f "$tmp" "$list"; rm -f "$root/.updated"; fi

    tmp="$(mktemp "$root/.conf.XXXXXX")"
    chmod 0644 "$tmp"
    cat >"$tmp" <<EOF
// generated by scripts/lib/debfetch.sh: private apt root for $debarch
Dir::State "$root/state";
Dir::State::lists "$root/state/lists";
Dir::State::status "$root/state/status";
Dir::Cache "$root/cache";
Dir::Cache::archives "$root/cache/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Dir::Etc::sourcelist "$list";
Dir::Etc::sourceparts "$root/sources.list.d";
Dir::Etc::preferences "$root/preferences";
Dir::Etc::preferencesparts "$root/preferences.d";
APT::Architecture "$debarch";
APT::Architectures { "$debarch"; };
APT::Sandbox::User "$(id -un)";
APT::Get::AllowUnauthenticated "false";
Acquire::AllowInsecureRepositories "false";
Acquire::AllowDowngradeToInsecureRepositories "false";
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
Acquire::IndexTargets::deb::Contents-udeb::DefaultEnabled "false";
Binary::apt-get::Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
Acquire::Retries "3";
EOF
    if cmp -s "$tmp" "$conf"; then rm -f "$tmp"; else mv -f "$tmp" "$conf"; fi
}

# debfetch_apt DEBARCH apt-get|apt-cache ARGS...
debfetch_apt() {
    local debarch="$1" cmd="$2"
    shift 2
    # -c is read after the host's apt.conf.d (so host proxy settings still
    # apply) and overrides every Dir/Architecture setting that matters.
    "$cmd" -c "$(_debfetch_root "$debarch")/apt.conf" "$@"
}

_debfetch_lock() {
    local root="$1"
    # one lock per apt root, held until the calling script exits
    local var="_debfetch_lockfd_${2}"
    [[ -n "${!var:-}" ]] && return 0
    local fd
    exec {fd}>"$root/lock"
    if ! flock -w 900 "$fd"; then
        debfetch_die "timed out waiting for $root/lock (another fetch running?)"
    fi
    printf -v "$var" '%s' "$fd"
}

# _debfetch_update DEBARCH: refresh the private lists; prints the cause and
# returns 1 on failure.
_debfetch_update() {
    local debarch="$1" root log
    root="$(_debfetch_root "$debarch")"
    log="$root/update.log"
    if ! debfetch_apt "$debarch" apt-get -q update >"$log" 2>&1; then
        sed 's/^/  /' "$log" >&2
        echo "debfetch: error: apt-get update of the private $debarch root failed (suite $KEEL_DEBIAN_SUITE," \
            "mirror $(debfetch_mirror)); see above, full log in $log" >&2
        return 1
    fi
    # apt-get update may exit 0 with a warning when a source failed
    if grep -qE '^(W|E): .*(Failed to fetch|not signed|NO_PUBKEY|EXPKEYSIG|is not valid|Release file|does not have a Release)' "$log"; then
        sed 's/^/  /' "$log" >&2
        echo "debfetch: error: apt-get update of the private $debarch root reported errors (signature or" \
            "download); is the keyring $KEEL_DEBIAN_KEYRING current and the mirror reachable? full log in $log" >&2
        return 1
    fi
    if ! _debfetch_have_lists "$debarch"; then
        echo "debfetch: error: no Packages index for $KEEL_DEBIAN_SUITE/main/binary-$debarch after apt-get update; see $log" >&2
        return 1
    fi
    touch "$root/.updated"
}

_debfetch_have_lists() {
    compgen -G "$(_debfetch_root "$1")/state/lists/*_dists_${KEEL_DEBIAN_SUITE}_main_binary-${1}_Packages*" >/dev/null
}

debfetch_init() {
    local debarch="$1" root age
    root="$(_debfetch_root "$debarch")"
    command -v apt-get >/dev/null || debfetch_die "apt-get not found (needs a Debian host)"
    [[ -r "$KEEL_DEBIAN_KEYRING" ]] || debfetch_die "keyring $KEEL_DEBIAN_KEYRING missing: install debian-archive-keyring"
    mkdir -p "$root"
    _debfetch_lock "$root" "$debarch"
    _debfetch_write_config "$debarch"
    if [[ -e "$root/.updated" ]]; then
        age=$(($(date +%s) - $(stat -c %Y "$root/.updated")))
        ((age < KEEL_APT_MAX_AGE)) && return 0
        # stale lists: refresh, but keep working offline with what we have
        if ! _debfetch_update "$debarch"; then
            _debfetch_have_lists "$debarch" || exit 1
            echo "debfetch: warning: using the $debarch package lists of $(date -r "$root/.updated" '+%F %T')" >&2
        fi
        return 0
    fi
    _debfetch_update "$debarch" || exit 1
}

debfetch_version() {
    local debarch="$1" pkg="$2" v
    v="$(debfetch_apt "$debarch" apt-cache policy "$pkg" 2>/dev/null | awk '/^  Candidate:/ { print $2; exit }')"
    [[ -n "$v" && "$v" != "(none)" ]] || debfetch_die "package $pkg not found in $KEEL_DEBIAN_SUITE/main for $debarch"
    echo "$v"
}

# debfetch_dep DEBARCH PKG REGEX: first "Depends:" of PKG's candidate whose name matches REGEX.
debfetch_dep() {
    local debarch="$1" pkg="$2" re="$3" dep
    debfetch_version "$debarch" "$pkg" >/dev/null
    dep="$(debfetch_apt "$debarch" apt-cache depends --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances "$pkg" 2>/dev/null |
        awk -v re="$re" '$1 ~ /Depends:$/ { n = $2; gsub(/[<>]/, "", n); if (n ~ re) { print n; exit } }')"
    [[ -n "$dep" ]] || debfetch_die "package $pkg ($debarch) has no dependency matching /$re/"
    echo "$dep"
}

# debfetch_download DEBARCH PKG...: prints the .deb paths, one a line.
debfetch_download() {
    local debarch="$1" pkg uri file _size hash dir line need
    shift
    dir="$(_debfetch_root "$debarch")/debs"
    mkdir -p "$dir"
    for pkg in "$@"; do
        line="$(debfetch_apt "$debarch" apt-get download --print-uris "$pkg" 2>&1 | grep "^'" | head -n1)" || true
        if [[ -z "$line" ]]; then
            # the index may be stale (old versions vanish from the mirror): refresh once
            _debfetch_update "$debarch" || exit 1
            line="$(debfetch_apt "$debarch" apt-get download --print-uris "$pkg" 2>&1 | grep "^'" | head -n1)" ||
                debfetch_die "package $pkg not downloadable for $debarch from $KEEL_DEBIAN_SUITE/main"
        fi
        read -r uri file _size hash <<<"$line"
        uri="${uri//\'/}"
        need=1
        if [[ -f "$dir/$file" && "$hash" == SHA256:* ]]; then
            [[ "$(sha256sum "$dir/$file" | cut -d' ' -f1)" == "${hash#SHA256:}" ]] && need=0
        fi
        if ((need)); then
            rm -f "$dir/$file"
            if ! (cd "$dir" && debfetch_apt "$debarch" apt-get -q download "$pkg" >"$dir/.download.log" 2>&1); then
                sed 's/^/  /' "$dir/.download.log" >&2
                debfetch_die "downloading $pkg ($debarch) from $uri failed"
            fi
            [[ -f "$dir/$file" ]] || debfetch_die "apt-get download $pkg did not produce $dir/$file"
            if [[ "$hash" == SHA256:* && "$(sha256sum "$dir/$file" | cut -d' ' -f1)" != "${hash#SHA256:}" ]]; then
                rm -f "$dir/$file"
                debfetch_die "SHA256 mismatch for $file (expected ${hash#SHA256:})"
            fi
            # drop older versions of the same package
            find "$dir" -maxdepth 1 -name "${file%%_*}_*.deb" ! -name "$file" -delete
        fi
        echo "$dir/$file"
    done
}
