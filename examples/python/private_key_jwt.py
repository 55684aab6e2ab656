#!/usr/bin/python3
"""Gets a token with private_key_jwt (RFC 7523): the backend proves itself with a key that never leaves it.

    /usr/bin/python3 examples/python/private_key_jwt.py --target localhost:8080 --operator-token "$(cat .data/operator-token)"

Makes a tenant and an app (with the operator token, over gRPC), generates an EC P-256 key pair,
registers the public half with AppService.AddAppKey, then signs a client assertion with PyJWT
and POSTs it to the token endpoint found in the server's RFC 8414 metadata, and once more over
gRPC (TokenService.IssueToken). Needs Debian's python3-jwt and python3-cryptography (PyJWT and
cryptography from PyPI work too) besides python3-grpcio and python3-protobuf. Prints one JSON line.
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "gen", "python"))

import grpc  # noqa: E402
import jwt  # noqa: E402  (PyJWT)
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from trueparser.controlplane.v1 import (  # noqa: E402
    app_service_pb2,
    app_service_pb2_grpc,
    tenant_service_pb2,
    tenant_service_pb2_grpc,
    token_service_pb2,
    token_service_pb2_grpc,
)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def client_assertion(private_key, client_id: str, issuer: str, kid: str) -> str:
    """RFC 7523 §2.2: iss = sub = client_id, aud = the server's issuer identifier, a fresh jti."""
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": issuer, "iat": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, private_key, algorithm="ES256", headers={"kid": kid})


def post_token(token_endpoint: str, form: dict) -> tuple:
    request = urllib.request.Request(token_endpoint, data=urllib.parse.urlencode(form).encode(), method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="localhost:8080", help="host:port of the control plane (plaintext HTTP/2)")
    parser.add_argument("--url", help="its HTTP base URL (default http://TARGET)")
    parser.add_argument("--operator-token", default=os.environ.get("OPERATOR_TOKEN"), required=os.environ.get("OPERATOR_TOKEN") is None)
    args = parser.parse_args()
    base_url = args.url or f"http://{args.target}"

    operator = [("authorization", f"Bearer {args.operator_token}")]
    with grpc.insecure_channel(args.target) as channel:
        tenants = tenant_service_pb2_grpc.TenantServiceStub(channel)
        apps = app_service_pb2_grpc.AppServiceStub(channel)
        tokens = token_service_pb2_grpc.TokenServiceStub(channel)
        tenant = tenants.RegisterTenant(
            tenant_service_pb2.RegisterTenantRequest(display_name="Python Keys Ltd", owner_email="ops@keys.example"),
            metadata=operator,
        ).tenant
        tenants.ActivateTenant(tenant_service_pb2.ActivateTenantRequest(tenant_id=tenant.tenant_id), metadata=operator)
        app = apps.CreateApp(
            app_service_pb2.CreateAppRequest(tenant_id=tenant.tenant_id, display_name="Python backend", license_region="eu"),
            metadata=operator,
        ).app

        # The backend's key pair: only the public JWK is sent.
        private_key = ec.generate_private_key(ec.SECP256R1())
        public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
        public_jwk["kid"] = "python-backend-1"
        key = apps.AddAppKey(app_service_pb2.AddAppKeyRequest(app_id=app.app_id, jwk=json.dumps(public_jwk)), metadata=operator).key

        with urllib.request.urlopen(f"{base_url}/.well-known/oauth-authorization-server", timeout=10) as response:
            metadata = json.load(response)
        assertion = client_assertion(private_key, app.client_id, metadata["issuer"], key.key_id)
        form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER, "client_assertion": assertion}
        status, body = post_token(metadata["token_endpoint"], form)
        replay_status, replay_body = post_token(metadata["token_endpoint"], form)  # the same assertion again

        issued = tokens.IssueToken(
            token_service_pb2.IssueTokenRequest(
                client_assertion_type=JWT_BEARER,
                client_assertion=client_assertion(private_key, app.client_id, metadata["issuer"], key.key_id),
            )
        )

    print(
        json.dumps(
            {
                "key": {"key_id": key.key_id, "algorithm": key.algorithm},
                "status": status,
                "token_type": body.get("token_type"),
                "expires_in": body.get("expires_in"),
                "claims": claims_of(body["access_token"]) if status == 200 else None,
                "client_id": app.client_id,
                "replay": {"status": replay_status, "error": replay_body.get("error")},
                "rpc_expires_in": issued.expires_in,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
