"""Reads the control plane's ErrorInfo (a stable UPPER_SNAKE reason) from a failed gRPC call.

gRPC carries rich errors in the `grpc-status-details-bin` trailer: a serialized google.rpc.Status
whose details are Any messages. grpcio-status / googleapis-common-protos would decode it, but
Debian bookworm packages neither, so the three-field Status message is declared here instead.
"""
import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory

from trueparser.controlplane.v1 import error_pb2


def _status_class():
    # google/rpc/status.proto: message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    proto = descriptor_pb2.FileDescriptorProto(name="google/rpc/status.proto", package="google.rpc", syntax="proto3")
    proto.dependency.append("google/protobuf/any.proto")
    status = proto.message_type.add(name="Status")
    F = descriptor_pb2.FieldDescriptorProto
    status.field.add(name="code", number=1, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    status.field.add(name="message", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    status.field.add(name="details", number=3, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".google.protobuf.Any")
    pool.Add(proto)
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("google.rpc.Status"))


_Status = _status_class()


def error_info(err: grpc.RpcError):
    """The ErrorInfo detail of a failed call, or None when the server sent none."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = _Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_pb2.ErrorInfo()
                    detail.Unpack(info)
                    return info
    return None
