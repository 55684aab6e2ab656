from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
PLAN_STATE_ACTIVE: PlanState
PLAN_STATE_RETIRED: PlanState
PLAN_STATE_UNSPECIFIED: PlanState

class Plan(_message.Message):
    __slots__ = ["create_time", "display_name", "free", "monthly_document_units", "plan_id", "retire_time", "state"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FREE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_DOCUMENT_UNITS_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    RETIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    display_name: str
    free: bool
    monthly_document_units: int
    plan_id: str
    retire_time: _timestamp_pb2.Timestamp
    state: PlanState
    def __init__(self, plan_id: _Optional[str] = ..., display_name: _Optional[str] = ..., free: bool = ..., monthly_document_units: _Optional[int] = ..., state: _Optional[_Union[PlanState, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., retire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlanState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
