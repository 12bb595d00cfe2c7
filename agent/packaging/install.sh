#!/bin/sh
# Installs or upgrades the Muster agent on this machine (as root): the executable, the systemd
# unit, a user of its own, its config directory and its state directory. Safe to run again:
# an upgrade replaces the executable and the unit, keeps the config (and its secret) and the
# spool, and restarts the agent if it was running.
#
#   sudo ./install.sh [--docker]
#
# --docker puts the agent's user in the docker group, so that it reports containers (that
# group can control Docker, which amounts to root: grant it knowingly).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
binary="$here/muster-agent"
[ -x "$binary" ] || binary="$here/../dist/muster-agent"
unit="$here/muster-agent.service"
[ -f "$unit" ] || unit="$here/../packaging/muster-agent.service"

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh must run as root (sudo $0)" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "no executable beside install.sh: build it with npm run build -w agent" >&2
  exit 1
fi

if ! id muster-agent > /dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /var/lib/muster-agent --shell /usr/sbin/nologin muster-agent
fi
if [ "${1:-}" = "--docker" ] && getent group docker > /dev/null; then
  usermod -a -G docker muster-agent
fi

install -d -m 0755 /usr/local/bin
# Through a temporary name: a running agent keeps its old executable until it restarts.
install -m 0755 "$binary" /usr/local/bin/.muster-agent.new
mv -f /usr/local/bin/.muster-agent.new /usr/local/bin/muster-agent
install -d -m 0700 -o muster-agent -g muster-agent /etc/muster-agent /var/lib/muster-agent
install -m 0644 "$unit" /etc/systemd/system/muster-agent.service

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl try-restart muster-agent.service
fi
echo "installed /usr/local/bin/muster-agent ($(/usr/local/bin/muster-agent --help | head -n 1 | cut -d: -f1))"
echo "next: muster-agent register --url URL --secret SECRET, then systemctl enable --now muster-agent"
