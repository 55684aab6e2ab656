from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from trueparser.controlplane.v1 import token_pb2 as _token_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IntrospectTokenRequest(_message.Message):
    __slots__ = ["client_assertion", "client_assertion_type", "client_id", "client_secret", "token"]
    CLIENT_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ASSERTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    client_assertion: str
    client_assertion_type: str
    client_id: str
    client_secret: str
    token: str
    def __init__(self, token: _Optional[str] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., client_assertion_type: _Optional[str] = ..., client_assertion: _Optional[str] = ...) -> None: ...

class IntrospectTokenResponse(_message.Message):
    __slots__ = ["active", "allowed_domains", "app_id", "audience", "client_id", "database_code", "expire_time", "issue_time", "issuer", "license_region", "monthly_document_units", "plan_id", "subject", "tenant_id", "token_id", "token_type"]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATABASE_CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_DOCUMENT_UNITS_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    active: bool
    allowed_domains: _containers.RepeatedScalarFieldContainer[str]
    app_id: str
    audience: _containers.RepeatedScalarFieldContainer[str]
    client_id: str
    database_code: str
    expire_time: _timestamp_pb2.Timestamp
    issue_time: _timestamp_pb2.Timestamp
    issuer: str
    license_region: str
    monthly_document_units: int
    plan_id: str
    subject: str
    tenant_id: str
    token_id: str
    token_type: str
    def __init__(self, active: bool = ..., client_id: _Optional[str] = ..., subject: _Optional[str] = ..., audience: _Optional[_Iterable[str]] = ..., issuer: _Optional[str] = ..., token_id: _Optional[str] = ..., token_type: _Optional[str] = ..., issue_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tenant_id: _Optional[str] = ..., app_id: _Optional[str] = ..., license_region: _Optional[str] = ..., database_code: _Optional[str] = ..., allowed_domains: _Optional[_Iterable[str]] = ..., plan_id: _Optional[str] = ..., monthly_document_units: _Optional[int] = ...) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ["client_assertion", "client_assertion_type", "client_id", "client_secret", "scope"]
    CLIENT_ASSERTION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ASSERTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    client_assertion: str
    client_assertion_type: str
    client_id: str
    client_secret: str
    scope: str
    def __init__(self, client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., scope: _Optional[str] = ..., client_assertion_type: _Optional[str] = ..., client_assertion: _Optional[str] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ["access_token", "expires_in", "token_type"]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expires_in: int
    token_type: str
    def __init__(self, access_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in: _Optional[int] = ...) -> None: ...

class ListSigningKeysRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSigningKeysResponse(_message.Message):
    __slots__ = ["next_page_token", "signing_keys"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEYS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    signing_keys: _containers.RepeatedCompositeFieldContainer[_token_pb2.SigningKey]
    def __init__(self, signing_keys: _Optional[_Iterable[_Union[_token_pb2.SigningKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RotateSigningKeyRequest(_message.Message):
    __slots__ = ["algorithm", "request_id"]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    algorithm: str
    request_id: str
    def __init__(self, algorithm: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RotateSigningKeyResponse(_message.Message):
    __slots__ = ["signing_key"]
    SIGNING_KEY_FIELD_NUMBER: _ClassVar[int]
    signing_key: _token_pb2.SigningKey
    def __init__(self, signing_key: _Optional[_Union[_token_pb2.SigningKey, _Mapping]] = ...) -> None: ...
