#!/usr/bin/env bash
# verify-image.sh IMAGE.tar REPO: checks the server image that `mvn -Pimage package` built, without
# Docker. It unpacks the OCI tarball's layers (in order, whiteouts applied) into a root file
# system, copies the model repository REPO to /models in it, and runs the image's own entrypoint
# and arguments, as the image's user, with chroot inside private network, mount and pid
# namespaces (binding 0.0.0.0 exposes nothing; /proc and /dev are mounted there only); then it asks
# the health, metadata and inference endpoints over REST and checks that the gRPC port answers. Needs root, python3, unshare, chroot and curl; skopeo, when
# present, also validates the archive.
set -euo pipefail
image="$(realpath "${1:?usage: verify-image.sh IMAGE.tar REPO}")"
repo="$(realpath "${2:?usage: verify-image.sh IMAGE.tar REPO}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if command -v skopeo >/dev/null; then
  skopeo inspect "oci-archive:$image" >/dev/null && echo "skopeo: a valid OCI archive"
fi
python3 - "$image" "$work" <<'PY'
import gzip, io, json, os, shutil, sys, tarfile
image, work = sys.argv[1:]
root = os.path.join(work, "rootfs")
os.makedirs(root)
with tarfile.open(image) as t:
    def blob(digest):
        return t.extractfile("blobs/" + digest.replace(":", "/")).read()
    index = json.loads(t.extractfile("index.json").read())
    manifest = json.loads(blob(index["manifests"][0]["digest"]))
    config = json.loads(blob(manifest["config"]["digest"]))
    for layer in manifest["layers"]:
        data = blob(layer["digest"])
        if layer["mediaType"].endswith("gzip"):
            data = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(data)) as lt:
            for m in lt.getmembers():
                base = os.path.basename(m.name)
                if base.startswith(".wh."):
                    target = os.path.join(root, os.path.dirname(m.name), base[4:])
                    if base == ".wh..wh..opq":
                        d = os.path.join(root, os.path.dirname(m.name))
                        for e in os.listdir(d):
                            p = os.path.join(d, e)
                            shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
                    elif os.path.lexists(target):
                        shutil.rmtree(target) if os.path.isdir(target) and not os.path.islink(target) else os.remove(target)
                    continue
                lt.extract(m, root, set_attrs=True, numeric_owner=True)
c = config["config"]
json.dump({"entrypoint": c.get("Entrypoint") or [], "cmd": c.get("Cmd") or [],
           "env": c.get("Env") or [], "user": c.get("User") or "0",
           "workdir": c.get("WorkingDir") or "/", "ports": sorted(c.get("ExposedPorts", {}))},
          open(os.path.join(work, "run.json"), "w"))
print("unpacked", len(manifest["layers"]), "layers; entrypoint", c.get("Entrypoint"), "cmd", c.get("Cmd"),
      "user", c.get("User"), "ports", sorted(c.get("ExposedPorts", {})))
PY
mkdir -p "$work/rootfs/models"
cp -a "$repo/." "$work/rootfs/models/"
chmod -R a+rX "$work/rootfs/models"
chmod 1777 "$work/rootfs/tmp"
python3 - "$work" > "$work/run.sh" <<'PY'
import json, shlex, sys
work = sys.argv[1]
r = json.load(open(work + "/run.json"))
user = r["user"] if ":" in r["user"] else r["user"] + ":" + r["user"]
argv = r["entrypoint"] + r["cmd"]
print("exec chroot --userspec=%s %s /usr/bin/env -i %s sh -c %s" % (
    user, shlex.quote(work + "/rootfs"), " ".join(shlex.quote(e) for e in r["env"]),
    shlex.quote("cd %s && exec %s" % (shlex.quote(r["workdir"]), " ".join(shlex.quote(a) for a in argv)))))
PY
cat > "$work/check.sh" <<'EOF2'
set -euo pipefail
ip link set lo up
# What a container runtime gives every container: /proc (the JVM finds its libraries through
# /proc/self/exe) and /dev; mounted in this private mount namespace only.
mount -t proc proc "$1/rootfs/proc"
mount --rbind /dev "$1/rootfs/dev"
bash "$1/run.sh" > "$1/server.log" 2>&1 &
server=$!
for i in $(seq 1 120); do
  if curl -fsS -o /dev/null http://127.0.0.1:8000/v2/health/ready 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "the server exited:"; cat "$1/server.log"; exit 1; fi
  sleep 1
done
curl -fsS http://127.0.0.1:8000/v2/health/ready; echo
curl -fsS http://127.0.0.1:8000/v2; echo
model="$(curl -fsS -X POST http://127.0.0.1:8000/v2/repository/index | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["name"])')"
meta="$(curl -fsS "http://127.0.0.1:8000/v2/models/$model")"
echo "$meta"
body="$(python3 -c '
import json, sys
m = json.loads(sys.argv[1]); i = m["inputs"][0]
shape = [1 if d < 0 else d for d in i["shape"]]
n = 1
for d in shape: n *= d
print(json.dumps({"inputs": [{"name": i["name"], "shape": shape, "datatype": "FP32", "data": [0.5] * n}]}))
' "$meta")"
curl -fsS -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:8000/v2/models/$model/infer" | head -c 300; echo
# gRPC: an HTTP/2 prior-knowledge request to the service answers with a gRPC status.
curl -sS --http2-prior-knowledge -o /dev/null -w 'grpc port answered HTTP %{http_code}\n' \
  -H 'content-type: application/grpc' -X POST --data-binary $'\x00\x00\x00\x00\x00' \
  http://127.0.0.1:8001/inference.GRPCInferenceService/ServerLive
grep -E "ke-serve: listening|serving .* model" "$1/server.log" || true
kill -TERM "$server"; wait "$server" || true
grep -E "server stopped" "$1/server.log" || { echo "no graceful stop in the log"; cat "$1/server.log"; exit 1; }
echo "verify-image: OK"
EOF2
unshare --net --mount --pid --fork bash "$work/check.sh" "$work"
