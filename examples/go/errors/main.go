// Command errors shows how a failed call carries the standard error details, read with gRPC-Go's
// status package and google.golang.org/genproto/googleapis/rpc/errdetails (Debian's
// golang-google-genproto-dev): google.rpc.ErrorInfo (a stable reason) on every failure, and
// google.rpc.BadRequest (one violation per field) for bad input.
//
//	go run ./examples/go/errors -target localhost:8080 -operator-token "$(cat .data/operator-token)"
//
// It makes two calls that fail (an unknown tenant, a registration with bad fields) and prints one
// JSON line describing what came back.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	cp "github.com/trueparser/control-plane/gen/go/trueparser/controlplane/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type violation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

type failure struct {
	Code            string            `json:"code"`
	Reason          string            `json:"reason"`
	Domain          string            `json:"domain"`
	Metadata        map[string]string `json:"metadata,omitempty"`
	FieldViolations []violation       `json:"field_violations,omitempty"`
}

// describe reads a failed call's status and its google.rpc details.
func describe(err error) failure {
	s, ok := status.FromError(err)
	if !ok {
		log.Fatalf("not a gRPC status: %v", err)
	}
	f := failure{Code: s.Code().String()}
	for _, detail := range s.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			f.Reason, f.Domain, f.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				f.FieldViolations = append(f.FieldViolations, violation{v.GetField(), v.GetDescription()})
			}
		case error:
			log.Fatalf("undecodable detail: %v", d) // a detail type this program does not link
		}
	}
	return f
}

func main() {
	target := flag.String("target", "localhost:8080", "host:port of the control plane (plaintext HTTP/2)")
	token := flag.String("operator-token", os.Getenv("OPERATOR_TOKEN"), "operator token")
	flag.Parse()

	conn, err := grpc.Dial(*target, grpc.WithInsecure()) // see examples/go/onboard
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+*token)
	tenants := cp.NewTenantServiceClient(conn)

	out := map[string]failure{}
	if _, err := tenants.GetTenant(ctx, &cp.GetTenantRequest{TenantId: "0190f0a4-5b6c-7d8e-9f00-112233445566"}); err != nil {
		out["missing_tenant"] = describe(err)
	}
	if _, err := tenants.RegisterTenant(ctx, &cp.RegisterTenantRequest{DisplayName: " ", OwnerEmail: "not-an-address"}); err != nil {
		out["invalid_tenant"] = describe(err)
	}
	line, err := json.Marshal(out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(line))
}
