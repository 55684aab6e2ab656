from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LICENSE_REGION_STATE_ACTIVE: LicenseRegionState
LICENSE_REGION_STATE_RETIRED: LicenseRegionState
LICENSE_REGION_STATE_UNSPECIFIED: LicenseRegionState
READINESS_CHECK_STATE_FAILED: ReadinessCheckState
READINESS_CHECK_STATE_NOT_APPLICABLE: ReadinessCheckState
READINESS_CHECK_STATE_PASSED: ReadinessCheckState
READINESS_CHECK_STATE_UNSPECIFIED: ReadinessCheckState
READINESS_VERDICT_ISSUED: ReadinessVerdict
READINESS_VERDICT_REFUSED: ReadinessVerdict
READINESS_VERDICT_UNSPECIFIED: ReadinessVerdict

class App(_message.Message):
    __slots__ = ["allowed_domains", "app_id", "client_id", "create_time", "database_code", "display_name", "enabled", "keys", "last_used_time", "license_region", "plan_id", "secrets", "tenant_id", "token_endpoint_auth_method", "token_lifetime", "update_time"]
    ALLOWED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DATABASE_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ENDPOINT_AUTH_METHOD_FIELD_NUMBER: _ClassVar[int]
    TOKEN_LIFETIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    allowed_domains: _containers.RepeatedScalarFieldContainer[str]
    app_id: str
    client_id: str
    create_time: _timestamp_pb2.Timestamp
    database_code: str
    display_name: str
    enabled: bool
    keys: _containers.RepeatedCompositeFieldContainer[AppKey]
    last_used_time: _timestamp_pb2.Timestamp
    license_region: str
    plan_id: str
    secrets: _containers.RepeatedCompositeFieldContainer[AppSecret]
    tenant_id: str
    token_endpoint_auth_method: str
    token_lifetime: _duration_pb2.Duration
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, app_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., display_name: _Optional[str] = ..., client_id: _Optional[str] = ..., license_region: _Optional[str] = ..., database_code: _Optional[str] = ..., allowed_domains: _Optional[_Iterable[str]] = ..., enabled: bool = ..., plan_id: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., secrets: _Optional[_Iterable[_Union[AppSecret, _Mapping]]] = ..., token_lifetime: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., token_endpoint_auth_method: _Optional[str] = ..., keys: _Optional[_Iterable[_Union[AppKey, _Mapping]]] = ...) -> None: ...

class AppKey(_message.Message):
    __slots__ = ["algorithm", "create_time", "key_id", "last_used_time", "public_jwk_json"]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_JWK_JSON_FIELD_NUMBER: _ClassVar[int]
    algorithm: str
    create_time: _timestamp_pb2.Timestamp
    key_id: str
    last_used_time: _timestamp_pb2.Timestamp
    public_jwk_json: str
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., public_jwk_json: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AppSecret(_message.Message):
    __slots__ = ["create_time", "last_used_time", "secret_id"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    last_used_time: _timestamp_pb2.Timestamp
    secret_id: str
    def __init__(self, secret_id: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LicenseRegion(_message.Message):
    __slots__ = ["aliases", "code", "create_time", "database_code", "display_name", "state", "update_time"]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DATABASE_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    aliases: _containers.RepeatedScalarFieldContainer[str]
    code: str
    create_time: _timestamp_pb2.Timestamp
    database_code: str
    display_name: str
    state: LicenseRegionState
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, code: _Optional[str] = ..., display_name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., database_code: _Optional[str] = ..., state: _Optional[_Union[LicenseRegionState, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReadinessCheck(_message.Message):
    __slots__ = ["description", "name", "state"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    state: ReadinessCheckState
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ReadinessCheckState, str]] = ..., description: _Optional[str] = ...) -> None: ...

class LicenseRegionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ReadinessCheckState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ReadinessVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
