#!/bin/sh
# Fixture of Google Chrome's apt repository upkeep (mlinabox tests/harness/fixture_repos).
# Installed as /opt/google/chrome/cron/google-chrome, linked from /etc/cron.daily and run by the
# postinst, as in the real package. Behaviour mimicked:
#  - creates /etc/default/google-chrome with repo_add_once="true" and
#    repo_reenable_on_distupgrade="true" when it is absent;
#  - installs the repository signing key as /etc/apt/trusted.gpg.d/google-chrome.gpg, whatever
#    the two settings say (a role that wants signed-by only must remove it afterwards);
#  - when repo_add_once is "true": unless google-chrome.list exists or a .list source already
#    names dl.google.com/linux/chrome/deb, writes google-chrome.list with the REAL vendor URL and
#    no signed-by; then sets repo_add_once="false";
#  - when repo_reenable_on_distupgrade is "true": re-enables a google-chrome.list entry that a
#    distribution upgrade commented out ("# disabled on upgrade to ...").
# Paths are prefixed with $DPKG_ROOT (empty under dpkg) so that tests can run it in a scratch root.
ROOT=${DPKG_ROOT:-}
DEFAULTS_FILE="$ROOT/etc/default/google-chrome"
REPOCONFIG="deb [arch=amd64] https://dl.google.com/linux/chrome/deb/ stable main"
SOURCES_PREAMBLE="### THIS FILE IS AUTOMATICALLY CONFIGURED ###
# You may comment out this entry, but any other modifications may be lost."

APT_SOURCESDIR=/etc/apt/sources.list.d/
APT_TRUSTEDDIR=/etc/apt/trusted.gpg.d/
if command -v apt-config >/dev/null 2>&1; then
    eval "$(apt-config shell APT_SOURCESDIR 'Dir::Etc::sourceparts/d' APT_TRUSTEDDIR 'Dir::Etc::trustedparts/d')"
fi
SOURCELIST="$ROOT${APT_SOURCESDIR}google-chrome.list"
KEYRING="$ROOT${APT_TRUSTEDDIR}google-chrome.gpg"

install_key() {
    [ -d "$ROOT$APT_TRUSTEDDIR" ] || return 0
    tmp="$KEYRING.tmp.$$"
    printf '%s' "@@ARCHIVE_KEY_B64@@" | base64 -d > "$tmp" || { rm -f "$tmp"; return 1; }
    if [ -f "$KEYRING" ] && cmp -s "$tmp" "$KEYRING"; then
        rm -f "$tmp"
    else
        chmod 0644 "$tmp" && mv -f "$tmp" "$KEYRING"
    fi
}

find_apt_sources() {
    grep -Eqs '^[[:space:]]*deb[[:space:]].*https?://dl\.google\.com/linux/chrome/deb/?[[:space:]]' \
        "$ROOT/etc/apt/sources.list" "$ROOT$APT_SOURCESDIR"*.list
}

create_sources_lists() {
    [ -d "$ROOT$APT_SOURCESDIR" ] || return 2
    if [ -e "$SOURCELIST" ] || find_apt_sources; then
        return 0
    fi
    printf '%s\n%s\n' "$SOURCES_PREAMBLE" "$REPOCONFIG" > "$SOURCELIST"
}

reenable_after_distupgrade() {
    [ -f "$SOURCELIST" ] || return 0
    if grep -q '# disabled on upgrade to' "$SOURCELIST"; then
        sed -i -e 's,^#[[:space:]]*\(deb .*dl\.google\.com/linux/chrome/deb.*\)[[:space:]]*# disabled on upgrade to.*$,\1,' "$SOURCELIST"
    fi
}

if [ ! -e "$DEFAULTS_FILE" ]; then
    mkdir -p "$(dirname "$DEFAULTS_FILE")"
    printf '%s\n%s\n' 'repo_add_once="true"' 'repo_reenable_on_distupgrade="true"' > "$DEFAULTS_FILE"
fi
repo_add_once=false
repo_reenable_on_distupgrade=false
# shellcheck disable=SC1090
. "$DEFAULTS_FILE"

install_key
if [ "$repo_add_once" = true ]; then
    create_sources_lists
    if [ $? -ne 2 ]; then
        sed -i -e 's/[[:space:]]*repo_add_once=.*/repo_add_once="false"/' "$DEFAULTS_FILE"
    fi
fi
if [ "$repo_reenable_on_distupgrade" = true ]; then
    reenable_after_distupgrade
fi
exit 0
