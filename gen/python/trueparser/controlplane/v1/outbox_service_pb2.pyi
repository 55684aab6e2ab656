from google.api import field_behavior_pb2 as _field_behavior_pb2
from trueparser.controlplane.v1 import outbox_pb2 as _outbox_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListOutboxMessagesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "state", "tenant_id"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: _outbox_pb2.OutboxMessageState
    tenant_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[_outbox_pb2.OutboxMessageState, str]] = ..., tenant_id: _Optional[str] = ...) -> None: ...

class ListOutboxMessagesResponse(_message.Message):
    __slots__ = ["next_page_token", "outbox_messages"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OUTBOX_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    outbox_messages: _containers.RepeatedCompositeFieldContainer[_outbox_pb2.OutboxMessage]
    def __init__(self, outbox_messages: _Optional[_Iterable[_Union[_outbox_pb2.OutboxMessage, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RetryOutboxMessageRequest(_message.Message):
    __slots__ = ["message_id"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class RetryOutboxMessageResponse(_message.Message):
    __slots__ = ["outbox_message"]
    OUTBOX_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    outbox_message: _outbox_pb2.OutboxMessage
    def __init__(self, outbox_message: _Optional[_Union[_outbox_pb2.OutboxMessage, _Mapping]] = ...) -> None: ...
