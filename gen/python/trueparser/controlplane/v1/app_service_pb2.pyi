from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from trueparser.controlplane.v1 import app_pb2 as _app_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddAppKeyRequest(_message.Message):
    __slots__ = ["app_id", "jwk", "request_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    JWK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    jwk: str
    request_id: str
    def __init__(self, app_id: _Optional[str] = ..., jwk: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddAppKeyResponse(_message.Message):
    __slots__ = ["app", "key"]
    APP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    key: _app_pb2.AppKey
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., key: _Optional[_Union[_app_pb2.AppKey, _Mapping]] = ...) -> None: ...

class AddAppSecretRequest(_message.Message):
    __slots__ = ["app_id", "request_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    request_id: str
    def __init__(self, app_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddAppSecretResponse(_message.Message):
    __slots__ = ["app", "client_secret", "secret"]
    APP_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    client_secret: str
    secret: _app_pb2.AppSecret
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., client_secret: _Optional[str] = ..., secret: _Optional[_Union[_app_pb2.AppSecret, _Mapping]] = ...) -> None: ...

class CreateAppRequest(_message.Message):
    __slots__ = ["allowed_domains", "display_name", "license_region", "request_id", "tenant_id", "token_lifetime"]
    ALLOWED_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_LIFETIME_FIELD_NUMBER: _ClassVar[int]
    allowed_domains: _containers.RepeatedScalarFieldContainer[str]
    display_name: str
    license_region: str
    request_id: str
    tenant_id: str
    token_lifetime: _duration_pb2.Duration
    def __init__(self, tenant_id: _Optional[str] = ..., display_name: _Optional[str] = ..., license_region: _Optional[str] = ..., allowed_domains: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ..., token_lifetime: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateAppResponse(_message.Message):
    __slots__ = ["app", "client_secret"]
    APP_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    client_secret: str
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class CreateLicenseRegionRequest(_message.Message):
    __slots__ = ["license_region", "request_id"]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    license_region: _app_pb2.LicenseRegion
    request_id: str
    def __init__(self, license_region: _Optional[_Union[_app_pb2.LicenseRegion, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateLicenseRegionResponse(_message.Message):
    __slots__ = ["license_region"]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    license_region: _app_pb2.LicenseRegion
    def __init__(self, license_region: _Optional[_Union[_app_pb2.LicenseRegion, _Mapping]] = ...) -> None: ...

class DeleteAppRequest(_message.Message):
    __slots__ = ["app_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class DeleteAppResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DisableAppRequest(_message.Message):
    __slots__ = ["app_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class DisableAppResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class EnableAppRequest(_message.Message):
    __slots__ = ["app_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class EnableAppResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class GetAppReadinessRequest(_message.Message):
    __slots__ = ["app_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class GetAppReadinessResponse(_message.Message):
    __slots__ = ["checks", "refusal_message", "refusal_reason", "token_lifetime", "verdict"]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    TOKEN_LIFETIME_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    checks: _containers.RepeatedCompositeFieldContainer[_app_pb2.ReadinessCheck]
    refusal_message: str
    refusal_reason: str
    token_lifetime: _duration_pb2.Duration
    verdict: _app_pb2.ReadinessVerdict
    def __init__(self, verdict: _Optional[_Union[_app_pb2.ReadinessVerdict, str]] = ..., refusal_reason: _Optional[str] = ..., refusal_message: _Optional[str] = ..., checks: _Optional[_Iterable[_Union[_app_pb2.ReadinessCheck, _Mapping]]] = ..., token_lifetime: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetAppRequest(_message.Message):
    __slots__ = ["app_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    def __init__(self, app_id: _Optional[str] = ...) -> None: ...

class GetAppResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class ListAppsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant_id"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAppsResponse(_message.Message):
    __slots__ = ["apps", "next_page_token"]
    APPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    apps: _containers.RepeatedCompositeFieldContainer[_app_pb2.App]
    next_page_token: str
    def __init__(self, apps: _Optional[_Iterable[_Union[_app_pb2.App, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLicenseRegionsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "show_retired"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHOW_RETIRED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    show_retired: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., show_retired: bool = ...) -> None: ...

class ListLicenseRegionsResponse(_message.Message):
    __slots__ = ["license_regions", "next_page_token"]
    LICENSE_REGIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    license_regions: _containers.RepeatedCompositeFieldContainer[_app_pb2.LicenseRegion]
    next_page_token: str
    def __init__(self, license_regions: _Optional[_Iterable[_Union[_app_pb2.LicenseRegion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RegenerateAppSecretRequest(_message.Message):
    __slots__ = ["app_id", "request_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    request_id: str
    def __init__(self, app_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RegenerateAppSecretResponse(_message.Message):
    __slots__ = ["app", "client_secret"]
    APP_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    client_secret: str
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class RemoveAppKeyRequest(_message.Message):
    __slots__ = ["app_id", "key_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    key_id: str
    def __init__(self, app_id: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class RemoveAppKeyResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class RetireLicenseRegionRequest(_message.Message):
    __slots__ = ["code"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class RetireLicenseRegionResponse(_message.Message):
    __slots__ = ["license_region"]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    license_region: _app_pb2.LicenseRegion
    def __init__(self, license_region: _Optional[_Union[_app_pb2.LicenseRegion, _Mapping]] = ...) -> None: ...

class RevokeAppSecretRequest(_message.Message):
    __slots__ = ["app_id", "secret_id"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    secret_id: str
    def __init__(self, app_id: _Optional[str] = ..., secret_id: _Optional[str] = ...) -> None: ...

class RevokeAppSecretResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class SetAppLicenseRegionRequest(_message.Message):
    __slots__ = ["app_id", "license_region"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    license_region: str
    def __init__(self, app_id: _Optional[str] = ..., license_region: _Optional[str] = ...) -> None: ...

class SetAppLicenseRegionResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class UpdateAppRequest(_message.Message):
    __slots__ = ["app", "update_mask"]
    APP_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateAppResponse(_message.Message):
    __slots__ = ["app"]
    APP_FIELD_NUMBER: _ClassVar[int]
    app: _app_pb2.App
    def __init__(self, app: _Optional[_Union[_app_pb2.App, _Mapping]] = ...) -> None: ...

class UpdateLicenseRegionRequest(_message.Message):
    __slots__ = ["license_region", "update_mask"]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    license_region: _app_pb2.LicenseRegion
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, license_region: _Optional[_Union[_app_pb2.LicenseRegion, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateLicenseRegionResponse(_message.Message):
    __slots__ = ["license_region"]
    LICENSE_REGION_FIELD_NUMBER: _ClassVar[int]
    license_region: _app_pb2.LicenseRegion
    def __init__(self, license_region: _Optional[_Union[_app_pb2.LicenseRegion, _Mapping]] = ...) -> None: ...
