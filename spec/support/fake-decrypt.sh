#!/bin/sh
# Fake secrets decrypter for the state loader specs (stands in for `sops --decrypt FILE`):
# the "encrypted" file is a line "ENC" followed by base64 of the YAML. Anything else fails
# like sops does, on stderr with exit code 1. Each call is logged to $FAKE_DECRYPT_LOG if set.
f="$1"
[ -n "$FAKE_DECRYPT_LOG" ] && echo "$f" >> "$FAKE_DECRYPT_LOG"
if [ "$(head -n 1 "$f")" != "ENC" ]; then
  echo "fake-decrypt: $f is not encrypted" >&2
  exit 1
fi
tail -n +2 "$f" | base64 -d
