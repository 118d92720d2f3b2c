#!/bin/sh
# Starts redis-server with infra/redis/users.acl (comments stripped), filling in the SHA-256 of REDIS_PASSWORD for the `nezuko` user.
# The rendered file goes to a private temp directory (tmpfs in compose); the password never touches the disk.
# Extra arguments are passed to redis-server. infra/test/redis.test.ts runs this script against a local server.
set -eu

: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
template="${REDIS_ACL_TEMPLATE:-/usr/local/etc/redis/users.acl}"
rendered_dir="$(mktemp -d "${TMPDIR:-/tmp}/redis-acl.XXXXXX")"
rendered="$rendered_dir/users.acl"

hash="$(printf '%s' "$REDIS_PASSWORD" | sha256sum | cut -d ' ' -f 1)"
umask 077
# Redis rejects comments in ACL files, so the template's comment and blank lines are dropped here.
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e "s/@NEZUKO_PASSWORD_SHA256@/$hash/" "$template" > "$rendered"
if grep -q '@NEZUKO_PASSWORD_SHA256@' "$rendered" || ! grep -q "#$hash" "$rendered"; then
  echo "start.sh: could not render $template" >&2
  exit 1
fi

exec redis-server --aclfile "$rendered" "$@"
