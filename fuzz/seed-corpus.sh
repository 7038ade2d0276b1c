#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the fixtures, each in the shape its target reads (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
fx=../tests/fixtures
seed() { mkdir -p "corpus/$1"; cat > "corpus/$1/$2"; }
for f in "$fx"/elevenlabs/webhooks/*; do (printf '\0'; cat "$f") | seed webhook_body "el-$(basename "$f")"; done
for f in "$fx"/telephony/twilio/callback_*; do (printf '\1'; cat "$f") | seed webhook_body "tw-$(basename "$f")"; done
for f in "$fx"/telephony/exotel/callback_* "$fx"/telephony/exotel/passthru_*; do
  case "$f" in
    *.json) ct=application/json ;;
    *) ct=application/x-www-form-urlencoded ;;
  esac
  for route in 0 1; do (printf "\\$route"; echo "$ct"; cat "$f") | seed exotel_callback "$route-$(basename "$f")"; done
done
for f in "$fx"/telephony/twilio/*.jsonl; do (printf '\0'; cat "$f") | seed media_frames "$(basename "$f")"; done
for f in "$fx"/telephony/exotel/*.jsonl; do (printf '\1'; cat "$f") | seed media_frames "$(basename "$f")"; done
python3 - "$fx" <<'PY'
import json, os, sys
fx = sys.argv[1]
vectors = json.load(open(f"{fx}/openai-realtime/vectors.json"))["vectors"]
for d in ("corpus/openai_signature", "corpus/sip_event"):
    os.makedirs(d, exist_ok=True)
for v in vectors:
    h, body = v["headers"], v["body"]
    with open(f"corpus/openai_signature/{v['name']}", "w") as out:
        out.write(f"{h.get('webhook-id', '')}\n{h.get('webhook-timestamp', '')}\n{h.get('webhook-signature', '')}\n{body}")
    with open(f"corpus/sip_event/{v['name']}", "w") as out:
        out.write(f"{h.get('webhook-id', '')}\n{body}")
PY
echo "seeded: $(ls corpus | tr '\n' ' ')"
