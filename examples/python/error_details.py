"""Reads the standard error details of a failed gRPC call: google.rpc.ErrorInfo (a stable
UPPER_SNAKE reason) and, for bad input, google.rpc.BadRequest (one violation per field).

gRPC carries them in the `grpc-status-details-bin` trailer: a serialized google.rpc.Status whose
details are Any messages. grpcio-status would unpack it, but Debian bookworm packages neither it nor
googleapis-common-protos, so the google.rpc messages come from gen/python, generated from the same
googleapis protos as every other client (buf.gen.yaml). Put gen/python on sys.path first.
"""
import grpc
from google.rpc import error_details_pb2, status_pb2


def status_of(err: grpc.RpcError):
    """The google.rpc.Status a failed call carried, or None when the server sent none."""
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None


def _detail(err: grpc.RpcError, message_class):
    status = status_of(err)
    for detail in status.details if status else ():
        if detail.Is(message_class.DESCRIPTOR):
            message = message_class()
            detail.Unpack(message)
            return message
    return None


def error_info(err: grpc.RpcError):
    """The google.rpc.ErrorInfo detail of a failed call, or None when the server sent none."""
    return _detail(err, error_details_pb2.ErrorInfo)


def bad_request(err: grpc.RpcError):
    """The google.rpc.BadRequest detail of a failed call (INVALID_ARGUMENT), or None."""
    return _detail(err, error_details_pb2.BadRequest)
