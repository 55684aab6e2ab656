#!/usr/bin/python3
"""Takes a tenant from registration to a working token with the generated Python gRPC client.

    /usr/bin/python3 examples/python/onboard.py --target localhost:8080 --operator-token "$(cat .data/operator-token)"

Needs Debian's python3-grpcio and python3-protobuf (or grpcio and protobuf from PyPI) and the
generated code in gen/python. Prints one JSON line describing what it did.
"""
import argparse
import base64
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "gen", "python"))
sys.path.insert(0, here)

import grpc  # noqa: E402
from error_details import error_info  # noqa: E402
from trueparser.controlplane.v1 import (  # noqa: E402
    app_service_pb2,
    app_service_pb2_grpc,
    plan_service_pb2,
    plan_service_pb2_grpc,
    tenant_pb2,
    tenant_service_pb2,
    tenant_service_pb2_grpc,
    token_service_pb2,
    token_service_pb2_grpc,
)


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


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
        plans = plan_service_pb2_grpc.PlanServiceStub(channel)
        tokens = token_service_pb2_grpc.TokenServiceStub(channel)

        tenant = tenants.RegisterTenant(
            tenant_service_pb2.RegisterTenantRequest(display_name="Python Example Ltd", owner_email="ops@python.example"),
            metadata=operator,
        ).tenant
        assert tenant.state == tenant_pb2.TENANT_STATE_PENDING_ACTIVATION
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
        plan = plans.CreatePlan(
            plan_service_pb2.CreatePlanRequest(display_name="Python plan", free=False, monthly_document_units=2500),
            metadata=operator,
        ).plan
        plans.AssignPlan(plan_service_pb2.AssignPlanRequest(app_id=created.app.app_id, plan_id=plan.plan_id), metadata=operator)

        issued = tokens.IssueToken(
            token_service_pb2.IssueTokenRequest(client_id=created.app.client_id, client_secret=created.client_secret)
        )
        claims = claims_of(issued.access_token)

        try:
            tokens.IssueToken(token_service_pb2.IssueTokenRequest(client_id=created.app.client_id, client_secret="wrong"))
            refused = None
        except grpc.RpcError as err:
            info = error_info(err)
            refused = {"code": err.code().name, "reason": info.reason if info else None}

    print(
        json.dumps(
            {
                "tenant_id": tenant.tenant_id,
                "tenant_state": tenant_pb2.TenantState.Name(tenant.state),
                "app_id": created.app.app_id,
                "database_code": created.app.database_code,
                "token_type": issued.token_type,
                "expires_in": issued.expires_in,
                "claims": claims,
                "wrong_secret": refused,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
