#!/usr/bin/python3
"""Registers and activates a tenant, creates an app, lists the tenant's apps and shows how a failed
call carries its gRPC code and the standard error details (google.rpc.ErrorInfo, and
google.rpc.BadRequest for bad input), with the generated Python gRPC client.

    /usr/bin/python3 examples/python/manage_apps.py --target localhost:8080 --operator-token "$(cat .data/operator-token)"

Needs Debian's python3-grpcio and python3-protobuf and the generated code in gen/python. Prints one
JSON line describing what it did.
"""
import argparse
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "gen", "python"))
sys.path.insert(0, here)

import grpc  # noqa: E402
from error_details import bad_request, error_info  # noqa: E402
from trueparser.controlplane.v1 import (  # noqa: E402
    app_service_pb2,
    app_service_pb2_grpc,
    tenant_pb2,
    tenant_service_pb2,
    tenant_service_pb2_grpc,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="localhost:8080", help="host:port of the control plane (plaintext HTTP/2)")
    parser.add_argument("--operator-token", default=os.environ.get("OPERATOR_TOKEN"), required=os.environ.get("OPERATOR_TOKEN") is None)
    parser.add_argument("--region", default="eu", help="license region code or alias")
    args = parser.parse_args()

    operator = [("authorization", f"Bearer {args.operator_token}")]
    with grpc.insecure_channel(args.target) as channel:
        tenants = tenant_service_pb2_grpc.TenantServiceStub(channel)
        apps = app_service_pb2_grpc.AppServiceStub(channel)

        tenant = tenants.RegisterTenant(
            tenant_service_pb2.RegisterTenantRequest(display_name="Python Apps Ltd", owner_email="ops@apps.python.example"),
            metadata=operator,
        ).tenant
        tenant = tenants.ActivateTenant(tenant_service_pb2.ActivateTenantRequest(tenant_id=tenant.tenant_id), metadata=operator).tenant
        created = apps.CreateApp(
            app_service_pb2.CreateAppRequest(
                tenant_id=tenant.tenant_id,
                display_name="Python backend",
                license_region=args.region,
                allowed_domains=["api.python.example"],
            ),
            metadata=operator,
        )
        listed = apps.ListApps(app_service_pb2.ListAppsRequest(tenant_id=tenant.tenant_id, page_size=10), metadata=operator)

        # A well-formed id that names nothing: NOT_FOUND, with the reason in google.rpc.ErrorInfo.
        try:
            apps.GetApp(app_service_pb2.GetAppRequest(app_id="0190f0a4-5b6c-7d8e-9f00-112233445566"), metadata=operator)
            missing = None
        except grpc.RpcError as err:
            info = error_info(err)
            missing = {"code": err.code().name, "reason": info.reason if info else None, "domain": info.domain if info else None}

        # Bad input: INVALID_ARGUMENT, with a BadRequest naming each field and what to fix.
        try:
            apps.CreateApp(
                app_service_pb2.CreateAppRequest(tenant_id=tenant.tenant_id, display_name=" ", license_region=args.region),
                metadata=operator,
            )
            invalid = None
        except grpc.RpcError as err:
            info, bad = error_info(err), bad_request(err)
            invalid = {
                "code": err.code().name,
                "reason": info.reason if info else None,
                "field_violations": [
                    {"field": v.field, "reason": v.reason, "description": v.description} for v in (bad.field_violations if bad else ())
                ],
            }

        # No credentials at all: UNAUTHENTICATED.
        try:
            apps.ListApps(app_service_pb2.ListAppsRequest(tenant_id=tenant.tenant_id))
            anonymous = None
        except grpc.RpcError as err:
            anonymous = err.code().name

    print(
        json.dumps(
            {
                "tenant_id": tenant.tenant_id,
                "tenant_state": tenant_pb2.TenantState.Name(tenant.state),
                "app": {
                    "app_id": created.app.app_id,
                    "client_id": created.app.client_id,
                    "license_region": created.app.license_region,
                    "database_code": created.app.database_code,
                    "allowed_domains": list(created.app.allowed_domains),
                    "enabled": created.app.enabled,
                },
                "client_secret_returned": created.client_secret != "",
                "listed_app_ids": [a.app_id for a in listed.apps],
                "missing_app": missing,
                "invalid_app": invalid,
                "anonymous": anonymous,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
