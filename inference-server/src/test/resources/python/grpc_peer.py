"""An independent gRPC client for ke-bridge's server: Python's grpcio (gRPC C-core) with protobuf
classes that grpc_tools.protoc generates from the project's .proto files at test time. It drives
every RPC the server offers and prints one JSON object with what it saw, for the Java test to
check against ONNX Runtime.

usage: grpc_peer.py PROTO_DIR_1 PROTO_DIR_2 TARGET TOKEN INPUT_JSON
"""
import importlib
import json
import os
import struct
import sys
import tempfile

from grpc_tools import protoc
import grpc


def compile_protos(dirs, out):
    args = ["protoc"] + ["-I" + d for d in dirs] + ["--python_out=" + out,
                                                    "--grpc_python_out=" + out,
                                                    "grpc_service.proto", "model_config.proto"]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out)
    return importlib.import_module("grpc_service_pb2"), importlib.import_module(
        "grpc_service_pb2_grpc")


def main():
    dirs = sys.argv[1:3]
    target, token, input_file = sys.argv[3:6]
    images = json.load(open(input_file))
    out = tempfile.mkdtemp()
    pb, rpc = compile_protos(dirs, out)
    channel = grpc.insecure_channel(target)
    stub = rpc.GRPCInferenceServiceStub(channel)
    auth = [("authorization", "Bearer " + token)]
    seen = {}

    seen["live"] = stub.ServerLive(pb.ServerLiveRequest()).live
    seen["ready"] = stub.ServerReady(pb.ServerReadyRequest()).ready
    try:
        stub.ServerMetadata(pb.ServerMetadataRequest())
        seen["metadata_without_token"] = "OK"
    except grpc.RpcError as e:
        seen["metadata_without_token"] = e.code().name
    meta = stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=auth)
    seen["extensions"] = list(meta.extensions)
    model = stub.ModelMetadata(pb.ModelMetadataRequest(name="digits"), metadata=auth)
    seen["input_shape"] = list(model.inputs[0].shape)
    seen["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name="digits"), metadata=auth).ready
    config = stub.ModelConfig(pb.ModelConfigRequest(name="digits"), metadata=auth).config
    seen["config"] = {"max_batch_size": config.max_batch_size, "platform": config.platform,
                      "dims": list(config.input[0].dims)}

    rows = len(images)
    flat = [v for im in images for v in im]
    request = pb.ModelInferRequest(model_name="digits", id="py-1")
    tensor = request.inputs.add()
    tensor.name, tensor.datatype = "input", "FP32"
    tensor.shape.extend([rows, 1, 8, 8])
    request.raw_input_contents.append(struct.pack("<%df" % len(flat), *flat))
    wanted = request.outputs.add()
    wanted.name = "logits"
    response = stub.ModelInfer(request, metadata=auth)
    seen["id"] = response.id
    raw = response.raw_output_contents[0]
    seen["raw_logits"] = list(struct.unpack("<%df" % (len(raw) // 4), raw))

    typed = pb.ModelInferRequest(model_name="digits", model_version="1")
    t = typed.inputs.add()
    t.name, t.datatype = "input", "FP32"
    t.shape.extend([rows, 1, 8, 8])
    t.contents.fp32_contents.extend(flat)
    c = typed.outputs.add()
    c.name = "logits"
    c.parameters["classification"].int64_param = 1
    classified = stub.ModelInfer(typed, metadata=auth)
    data = classified.raw_output_contents[0]
    strings, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        strings.append(data[i + 4:i + 4 + n].decode())
        i += 4 + n
    seen["classification"] = strings

    codes = {}
    for name, call in [
        ("unknown_model", lambda: stub.ModelInfer(pb.ModelInferRequest(model_name="ghost"),
                                                  metadata=auth)),
        ("bad_shape", lambda: stub.ModelInfer(bad_shape(pb), metadata=auth)),
        ("wrong_token", lambda: stub.ServerMetadata(pb.ServerMetadataRequest(),
                                                    metadata=[("authorization", "Bearer no")])),
        ("load_in_poll_mode", lambda: stub.RepositoryModelLoad(
            pb.RepositoryModelLoadRequest(model_name="digits"), metadata=auth)),
    ]:
        try:
            call()
            codes[name] = "OK"
        except grpc.RpcError as e:
            codes[name] = e.code().name
    seen["codes"] = codes
    stats = stub.ModelStatistics(pb.ModelStatisticsRequest(name="digits"), metadata=auth)
    seen["inference_count"] = stats.model_stats[0].inference_count
    index = stub.RepositoryIndex(pb.RepositoryIndexRequest(), metadata=auth)
    seen["index"] = [m.name + "/" + m.version + " " + m.state for m in index.models]
    print(json.dumps(seen))


def bad_shape(pb):
    r = pb.ModelInferRequest(model_name="digits")
    t = r.inputs.add()
    t.name, t.datatype = "input", "FP32"
    t.shape.extend([1, 64])
    r.raw_input_contents.append(b"\0" * 256)
    return r


if __name__ == "__main__":
    main()
