from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
OUTBOX_MESSAGE_STATE_DEAD: OutboxMessageState
OUTBOX_MESSAGE_STATE_PENDING: OutboxMessageState
OUTBOX_MESSAGE_STATE_SENT: OutboxMessageState
OUTBOX_MESSAGE_STATE_UNSPECIFIED: OutboxMessageState

class OutboxMessage(_message.Message):
    __slots__ = ["attempts", "create_time", "last_error", "message_id", "next_attempt_time", "recipient", "sent_time", "state", "template", "tenant_id"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    create_time: _timestamp_pb2.Timestamp
    last_error: str
    message_id: str
    next_attempt_time: _timestamp_pb2.Timestamp
    recipient: str
    sent_time: _timestamp_pb2.Timestamp
    state: OutboxMessageState
    template: str
    tenant_id: str
    def __init__(self, message_id: _Optional[str] = ..., template: _Optional[str] = ..., recipient: _Optional[str] = ..., tenant_id: _Optional[str] = ..., state: _Optional[_Union[OutboxMessageState, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OutboxMessageState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
