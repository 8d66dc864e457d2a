#!/usr/bin/env bash
# `make install` into temporary directories, checked the way an operator would use the result (docs/install.md):
# - with PREFIX=/usr: exactly the expected files with the expected modes; the units point at /usr/bin/spoolctl
#   and pass `systemd-analyze verify` with their Documentation= resolved to the installed man page; the man
#   page renders without a warning and documents every subcommand; bash completes subcommands and options;
# - a second `make install` keeps an edited configuration; `make uninstall` leaves only the configuration;
# - with the default PREFIX (/usr/local) and SYSCONFDIR=/opt/etc: the paths follow.
# Run by `make test` after its release build, which `make install` reuses.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() {
    echo "test-install: FAIL: $*" >&2
    failures=$((failures + 1))
}

destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT
subcommands=(publish list show replay sweep stats purge verify)

make --no-print-directory install DESTDIR="$destdir/usr-prefix" PREFIX=/usr >"$destdir/install.log" 2>&1 || {
    cat "$destdir/install.log" >&2
    fail "make install PREFIX=/usr"
    exit 1
}
root="$destdir/usr-prefix"

# Exactly these files, with these modes.
expected="0755 usr/bin/spoolctl
0644 usr/share/man/man1/spoolctl.1
0644 usr/share/bash-completion/completions/spoolctl
0644 usr/share/zsh/site-functions/_spoolctl
0644 usr/share/fish/vendor_completions.d/spoolctl.fish
0644 usr/lib/systemd/system/eventspool-sweep.service
0644 usr/lib/systemd/system/eventspool-sweep.timer
0644 usr/lib/systemd/system/eventspool-failure@.service
0644 usr/lib/sysusers.d/eventspool.conf
0644 usr/lib/tmpfiles.d/eventspool.conf
0640 etc/eventspool/eventspool.json"
actual=$(cd "$root" && find . -type f -printf '%m %P\n' | sed 's/^\([0-7]\{3\}\) /0\1 /' | sort -k2)
if [ "$actual" != "$(sort -k2 <<<"$expected")" ]; then
    fail "installed files differ:"
    diff <(sort -k2 <<<"$expected") <(echo "$actual") >&2 || true
fi

# The installed binary is the release spoolctl and runs.
"$root/usr/bin/spoolctl" --version >/dev/null || fail "the installed spoolctl does not run"

# The units run the installed binary and read the installed configuration.
grep -q '^ExecStart=/usr/bin/spoolctl sweep --config /etc/eventspool/eventspool.json ' \
    "$root/usr/lib/systemd/system/eventspool-sweep.service" || fail "ExecStart= does not name /usr/bin/spoolctl"
cmp -s Config/sysusers.d/eventspool.conf "$root/usr/lib/sysusers.d/eventspool.conf" || fail "sysusers.d changed"
cmp -s Config/tmpfiles.d/eventspool.conf "$root/usr/lib/tmpfiles.d/eventspool.conf" || fail "tmpfiles.d changed"
cmp -s Config/eventspool.json "$root/etc/eventspool/eventspool.json" || fail "the configuration changed"

# systemd-analyze verify, Documentation=man:spoolctl(1) included: copies whose ExecStart names the installed binary
# (which is under DESTDIR, not /usr/bin), and MANPATH pointing at the installed man page.
units="$destdir/units"
mkdir "$units"
for unit in "$root"/usr/lib/systemd/system/*; do
    sed "s|/usr/bin/spoolctl|$root/usr/bin/spoolctl|" "$unit" >"$units/$(basename "$unit")"
done
if ! output=$(MANPATH="$root/usr/share/man" systemd-analyze verify --man=yes "$units"/* 2>&1) \
    || grep -q eventspool <<<"$output"; then
    fail "systemd-analyze verify --man=yes: $output"
fi

# The man page: found by man, renders without a warning, and documents every subcommand and option shown by --help.
page="$root/usr/share/man/man1/spoolctl.1"
[ "$(MANPATH="$root/usr/share/man" man -w spoolctl 2>/dev/null)" = "$page" ] || fail "man -w spoolctl does not find $page"
warnings=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1) || fail "groff failed on $page"
[ -z "$warnings" ] || fail "groff warns about $page: $warnings"
rendered=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
for subcommand in "${subcommands[@]}"; do
    grep -Eq "^ +$subcommand( |$)" <<<"$rendered" || fail "the man page lacks the subcommand $subcommand"
    for option in $("$root/usr/bin/spoolctl" "$subcommand" --help | grep -Eo '^ +(-[a-z], )?--[a-z-]+' | grep -Eo -- '--[a-z-]+'); do
        grep -q -- "$option" <<<"$rendered" || fail "the man page lacks $subcommand $option"
    done
done
grep -q "78 *configuration error" <<<"$rendered" || fail "the man page lacks the exit codes"
! grep -q "0 on success, and >0" <<<"$rendered" || fail "the man page ends with the generic EXIT STATUS"

# bash completes subcommands and their options from the installed script.
completion() {
    bash -c '
        source "$1"
        COMP_LINE="$2"
        COMP_POINT=${#COMP_LINE}
        read -ra COMP_WORDS <<<"$COMP_LINE"
        [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _spoolctl spoolctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"
    ' completion "$root/usr/share/bash-completion/completions/spoolctl" "$1"
}
[ "$(completion "spoolctl sw")" = "sweep" ] || fail "bash does not complete 'spoolctl sw' to sweep"
[ "$(completion "spoolctl sweep --max")" = "--max-time" ] || fail "bash does not complete 'spoolctl sweep --max'"
# Paths for the options that take one (a file, or the spool's directory).
[ "$(completion "spoolctl list --config $root/etc/eventspool/eventspool.j")" = "$root/etc/eventspool/eventspool.json" ] \
    || fail "bash does not complete a path after --config"
[ "$(completion "spoolctl sweep --spool-dir $root/et")" = "$root/etc" ] || fail "bash does not complete --spool-dir"
all=$(completion "spoolctl ")
for subcommand in "${subcommands[@]}"; do
    grep -qx "$subcommand" <<<"$all" || fail "bash does not offer the subcommand $subcommand"
done
# zsh and fish check their scripts' syntax where they are installed (they are not part of `make deps`).
if command -v zsh >/dev/null; then
    zsh -n "$root/usr/share/zsh/site-functions/_spoolctl" || fail "zsh rejects _spoolctl"
else
    echo "test-install: zsh is not installed: _spoolctl checked for its subcommands only" >&2
fi
if command -v fish >/dev/null; then
    fish --no-execute "$root/usr/share/fish/vendor_completions.d/spoolctl.fish" || fail "fish rejects spoolctl.fish"
else
    echo "test-install: fish is not installed: spoolctl.fish checked for its subcommands only" >&2
fi
for subcommand in "${subcommands[@]}"; do
    grep -q "$subcommand" "$root/usr/share/zsh/site-functions/_spoolctl" || fail "_spoolctl lacks $subcommand"
    grep -q "$subcommand" "$root/usr/share/fish/vendor_completions.d/spoolctl.fish" || fail "spoolctl.fish lacks $subcommand"
done

# Installing again keeps an operator's configuration; uninstalling leaves only it.
echo '{"broker": {"url": "https://broker.example/events"}}' >"$root/etc/eventspool/eventspool.json"
edited=$(cat "$root/etc/eventspool/eventspool.json")
make --no-print-directory install DESTDIR="$root" PREFIX=/usr >"$destdir/install.log" 2>&1 || fail "make install again"
[ "$(cat "$root/etc/eventspool/eventspool.json")" = "$edited" ] || fail "make install replaced an edited configuration"
grep -q "kept $root/etc/eventspool/eventspool.json" "$destdir/install.log" || fail "make install did not say it kept it"
make --no-print-directory uninstall DESTDIR="$root" PREFIX=/usr >/dev/null || fail "make uninstall"
left=$(cd "$root" && find . -type f -printf '%P\n')
[ "$left" = "etc/eventspool/eventspool.json" ] || fail "make uninstall left: $left"

# The default PREFIX, and another SYSCONFDIR: the units and tmpfiles.d follow.
make --no-print-directory install-service DESTDIR="$destdir/default" SYSCONFDIR=/opt/etc >/dev/null \
    || fail "make install-service SYSCONFDIR=/opt/etc"
sweep="$destdir/default/usr/local/lib/systemd/system/eventspool-sweep.service"
grep -q '^ExecStart=/usr/local/bin/spoolctl sweep --config /opt/etc/eventspool/eventspool.json ' "$sweep" \
    || fail "ExecStart= does not follow PREFIX and SYSCONFDIR"
grep -q '^z /opt/etc/eventspool/eventspool.json ' <(tr -s ' ' <"$destdir/default/usr/local/lib/tmpfiles.d/eventspool.conf") \
    || fail "tmpfiles.d does not follow SYSCONFDIR"
[ -f "$destdir/default/opt/etc/eventspool/eventspool.json" ] || fail "the configuration is not in SYSCONFDIR"

if [ "$failures" -gt 0 ]; then
    echo "test-install: $failures failure(s)" >&2
    exit 1
fi
echo "test-install: make install lays out and installs every file as docs/install.md says"
