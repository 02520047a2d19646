#!/usr/bin/env bash
# Checks the files under deploy/ with the tools that read them:
#   - every systemd unit with `systemd-analyze verify` (Debian systemd), the lvsctl they start
#     being the one built here (its path put in for /usr/local/bin/lvsctl, where a director has it);
#   - the modules-load.d file against `lvsctl modules` for the examples' schedulers;
#   - the CI examples as YAML;
#   - the BIRD configs with `bird -p` (Debian bird2);
#   - the Kubernetes manifests with kubernetes-validate --strict (PyPI), and the config in the
#     ConfigMap with `lvsctl validate`;
#   - deploy/keepalived: keepalived.conf with `keepalived -t` (Debian keepalived) for both
#     directors of the pair (as shipped, and with its `# backup:` values), lb.yaml with `lvsctl validate`.
#
#   scripts/check-deploy.sh [LVSCTL]     LVSCTL: the built program (default .build/debug/lvsctl)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lvsctl=$(realpath "${1:-$repo/.build/debug/lvsctl}")
command -v systemd-analyze > /dev/null || { echo "check-deploy: systemd-analyze missing (Debian package systemd)" >&2; exit 2; }
command -v bird > /dev/null || { echo "check-deploy: bird missing (Debian package bird2)" >&2; exit 2; }
command -v kubernetes-validate > /dev/null || { echo "check-deploy: kubernetes-validate missing (PyPI; scripts/install-deps.sh)" >&2; exit 2; }
command -v keepalived > /dev/null || { echo "check-deploy: keepalived missing (Debian package keepalived)" >&2; exit 2; }
sudo=""
if [[ $(id -u) != 0 ]]; then sudo="sudo -n"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for unit in "$repo"/deploy/systemd/*; do
  sed "s|/usr/local/bin/lvsctl|$lvsctl|g" "$unit" > "$work/$(basename "$unit")"
done
failed=0
for unit in "$work"/*; do
  # verify prints nothing for a good unit; any line is a finding.
  if output=$(systemd-analyze verify "$unit" 2>&1) && [[ -z $output ]]; then
    echo "ok: deploy/systemd/$(basename "$unit")"
  else
    echo "FAILED: deploy/systemd/$(basename "$unit")"; echo "$output"; failed=1
  fi
done

# Every module modules-load.d/lvsctl.conf lists is a name `lvsctl modules` prints for some example.
printed=$(for example in "$repo"/examples/*.yaml; do "$lvsctl" modules -f "$example"; done | grep -v '^#' | sort -u)
while read -r module; do
  [[ -z $module || $module == \#* ]] && continue
  if grep -qx "$module" <<< "$printed"; then echo "ok: modules-load.d lists $module"; else echo "FAILED: modules-load.d lists $module, which no example uses"; failed=1; fi
done < "$repo/deploy/modules-load.d/lvsctl.conf"
for file in "$repo"/deploy/ci/*.yml; do
  if /usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$file"; then echo "ok: deploy/ci/$(basename "$file") is YAML"
  else echo "FAILED: deploy/ci/$(basename "$file")"; failed=1; fi
done
for conf in "$repo"/deploy/bird/*.conf; do
  if output=$(bird -p -c "$conf" 2>&1); then echo "ok: deploy/bird/$(basename "$conf") parses"
  else echo "FAILED: deploy/bird/$(basename "$conf")"; echo "$output"; failed=1; fi
done
for manifest in "$repo"/deploy/kubernetes/*.yaml; do
  if output=$(kubernetes-validate --strict --quiet "$manifest" 2>&1); then echo "ok: deploy/kubernetes/$(basename "$manifest")"
  else echo "FAILED: deploy/kubernetes/$(basename "$manifest")"; echo "$output"; failed=1; fi
done
# The config the ConfigMap carries is one lvsctl accepts.
/usr/bin/python3 -c 'import sys, yaml; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))["data"]["lvsctl.yaml"])' \
  "$repo/deploy/kubernetes/configmap.yaml" > "$work/lvsctl.yaml"
if output=$("$lvsctl" validate -f "$work/lvsctl.yaml" 2>&1); then echo "ok: deploy/kubernetes/configmap.yaml holds a valid config"
else echo "FAILED: deploy/kubernetes/configmap.yaml: its lvsctl.yaml does not validate"; echo "$output"; failed=1; fi
# keepalived -t wants the configured interfaces to exist, so it runs in a network namespace of
# its own holding eth0 and eth1 (which takes root). keepalived 2.2's -t ends itself with SIGTERM
# right after it checks a script as a non-root script_user (it takes itself for a child whose
# parent died), so the copies it checks run their script as root; all else is as shipped.
keepalived_conf=$repo/deploy/keepalived/keepalived.conf
sed 's/^\( *script_user\) .*/\1 root/' "$keepalived_conf" > "$work/master.conf"
# On the backup, a line marked `# backup: VALUE` keeps its keyword and takes VALUE.
sed 's/^\( *[a-z_]*\) .*# backup: \(.*\)$/\1 \2/' "$work/master.conf" > "$work/backup.conf"
for role in master backup; do
  if output=$($sudo unshare --net sh -c 'ip link add eth0 type veth peer name eth1 && keepalived --config-test -f "$1"' \
      check-deploy "$work/$role.conf" 2>&1); then
    echo "ok: deploy/keepalived/keepalived.conf ($role)"
  else
    echo "FAILED: deploy/keepalived/keepalived.conf ($role)"; echo "$output"; failed=1
  fi
done
if output=$("$lvsctl" validate -f "$repo/deploy/keepalived/lb.yaml" 2>&1); then echo "ok: deploy/keepalived/lb.yaml"
else echo "FAILED: deploy/keepalived/lb.yaml"; echo "$output"; failed=1; fi
exit "$failed"
