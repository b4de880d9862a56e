#!/usr/bin/env bash
# make-base.sh OUT.tar: a base image for the server (Debian bookworm, minimal, with
# openjdk-17-jre-headless), made from Debian packages alone, written as a `docker save` archive
# that Jib reads with -Dimage.base=tar://OUT.tar. For machines that reach Debian's mirror but no
# image registry. Needs root (debootstrap) and about 300 MB of disk.
set -euo pipefail
out="$(realpath -m "${1:?usage: make-base.sh OUT.tar}")"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v debootstrap >/dev/null || { echo "make-base.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm \
  "$work/rootfs" "$mirror" >&2
# Keep the image small: package caches and docs are not needed at run time.
rm -rf "$work/rootfs/var/cache/apt/archives"/*.deb "$work/rootfs/var/lib/apt/lists"/* \
  "$work/rootfs/usr/share/doc" "$work/rootfs/usr/share/man"
java_home="$(dirname "$(dirname "$(readlink -f "$work/rootfs/usr/bin/java" | sed "s|^$work/rootfs||")")")"
tar -C "$work/rootfs" --numeric-owner -cf "$work/layer.tar" .
python3 - "$work" "$out" "$java_home" <<'PY'
import hashlib, json, os, sys, tarfile
work, out, java_home = sys.argv[1:]
layer = os.path.join(work, "layer.tar")
digest = hashlib.sha256(open(layer, "rb").read()).hexdigest()
config = {
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "JAVA_HOME=" + java_home]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest]},
    "history": [{"created_by": "deploy/image/make-base.sh (debootstrap bookworm + openjdk-17-jre-headless)"}],
}
cfg = json.dumps(config).encode()
cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
open(os.path.join(work, cfg_name), "wb").write(cfg)
manifest = [{"Config": cfg_name, "RepoTags": ["ke-bridge-base:17"], "Layers": ["layer.tar"]}]
open(os.path.join(work, "manifest.json"), "w").write(json.dumps(manifest))
with tarfile.open(out, "w") as t:
    for name in ("manifest.json", cfg_name, "layer.tar"):
        t.add(os.path.join(work, name), arcname=name)
print(out)
PY
